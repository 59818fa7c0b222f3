// The WASM modules' only translation unit of their own: the exported C API
// lives in the core libraries (api.cpp, api_read.cpp); listing it in
// EXPORTED_FUNCTIONS pulls it in. Kept as a file so each module target has a
// source.
#include "inkread.h"
