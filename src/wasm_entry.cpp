// The WASM module's only translation unit of its own: the exported C API
// lives in the core library (api.cpp); listing it in EXPORTED_FUNCTIONS pulls
// it in. Kept as a file so the module target has a source.
#include "inkread.h"
