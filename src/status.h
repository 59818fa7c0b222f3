// Internal error handling: a status code plus a thread-local sentence.
//
// Library code never throws (it builds with -fno-exceptions). A function that
// can fail returns ink_status; on failure it first records a message with
// ink::set_error(), which ink_last_error() returns to the caller.
#ifndef INK_STATUS_H_
#define INK_STATUS_H_

#include <cassert>

#include "inkread.h"

namespace ink {

/// Records a printf-style message for ink_last_error() and returns `status`,
/// so that failing paths read `return set_error(INK_ERR_BAD_MODEL, "...", x);`.
ink_status set_error(ink_status status, const char* fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/// Clears the thread's last error (called at the start of each API call).
void clear_error();

/// The thread's last error message ("" if none).
const char* last_error();

}  // namespace ink

/// Returns early from the calling function when `expr` is not INK_OK.
#define INK_RETURN_IF_ERROR(expr)                  \
  do {                                             \
    ink_status ink_status_ = (expr);               \
    if (ink_status_ != INK_OK) return ink_status_; \
  } while (0)

/// Programmer errors (impossible shapes): on in Debug, off in Release.
#define INK_ASSERT(cond) assert(cond)

#endif  // INK_STATUS_H_
