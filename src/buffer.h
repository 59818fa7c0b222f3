// A heap array whose allocation failure is a status, not an abort.
//
// std::vector aborts on allocation failure when exceptions are off (the WASM
// build), so buffers sized by untrusted input (image dimensions, batch sizes)
// use this instead and report INK_ERR_OUT_OF_MEMORY.
#ifndef INK_BUFFER_H_
#define INK_BUFFER_H_

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "status.h"

namespace ink {

template <typename T>
class Buffer {
  static_assert(std::is_trivially_copyable<T>::value, "Buffer holds plain data");

 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& other) noexcept
      : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  Buffer& operator=(Buffer&& other) noexcept {
    if (this != &other) {
      std::free(data_);
      data_ = other.data_;
      size_ = other.size_;
      capacity_ = other.capacity_;
      other.data_ = nullptr;
      other.size_ = other.capacity_ = 0;
    }
    return *this;
  }
  ~Buffer() { std::free(data_); }

  /// Makes room for n elements (contents unspecified). Keeps the allocation
  /// when it is already large enough, so repeated calls do not reallocate.
  ink_status resize(size_t n) {
    if (n <= capacity_) {
      size_ = n;
      return INK_OK;
    }
    if (n > SIZE_MAX / sizeof(T)) {
      return set_error(INK_ERR_OUT_OF_MEMORY, "cannot allocate %zu elements", n);
    }
    T* p = static_cast<T*>(std::malloc(n * sizeof(T)));
    if (p == nullptr) {
      return set_error(INK_ERR_OUT_OF_MEMORY, "out of memory allocating %zu bytes", n * sizeof(T));
    }
    std::free(data_);
    data_ = p;
    size_ = capacity_ = n;
    return INK_OK;
  }

  /// resize() then fill with zero bytes.
  ink_status resize_zeroed(size_t n) {
    INK_RETURN_IF_ERROR(resize(n));
    if (n != 0) std::memset(data_, 0, n * sizeof(T));
    return INK_OK;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace ink

#endif  // INK_BUFFER_H_
