#include "status.h"

#include <cstdarg>
#include <cstdio>

namespace ink {
namespace {
thread_local char g_last_error[512] = "";
}  // namespace

ink_status set_error(ink_status status, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(g_last_error, sizeof(g_last_error), fmt, args);
  va_end(args);
  return status;
}

void clear_error() { g_last_error[0] = '\0'; }

const char* last_error() { return g_last_error; }

}  // namespace ink
