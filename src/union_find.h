// Union-find with path halving, shared by the component labelling of
// preprocess.cpp (one digit) and segment.cpp (a whole number).
#ifndef INK_UNION_FIND_H_
#define INK_UNION_FIND_H_

#include <cstdint>

namespace ink {

/// The root of i's set. parent(i) returns a reference to i's parent index
/// (an int32_t or int field or array element); roots are their own parent.
template <typename Parent>
int32_t uf_find(Parent&& parent, int32_t i) {
  while (parent(i) != i) {
    parent(i) = parent(parent(i));
    i = parent(i);
  }
  return i;
}

/// Joins the sets of a and b; the smaller root index becomes the root, so
/// roots follow the order items were created in.
template <typename Parent>
void uf_unite(Parent&& parent, int32_t a, int32_t b) {
  a = uf_find(parent, a);
  b = uf_find(parent, b);
  if (a < b) {
    parent(b) = a;
  } else if (b < a) {
    parent(a) = b;
  }
}

}  // namespace ink

#endif  // INK_UNION_FIND_H_
