/* vm/v128_portable_test.c - vm/v128_test.c again, against vm/v128.h's plain-C implementation
 * (CHIBI_V128_PORTABLE: lane loops only, what a compiler without vector extensions gets). */
#define CHIBI_V128_PORTABLE 1
#define V128_SUITE v128_portable
#define V128_DIGEST v128_digest_portable
#include "v128_test.c"
