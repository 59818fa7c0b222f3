// The Catch2 main, in its own translation unit (it takes ~13 s to compile).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
