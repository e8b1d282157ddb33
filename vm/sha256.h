/* vm/sha256.h - SHA-256 (FIPS 180-4), for the digests of compiled files and their cache keys.
 *
 * Incremental: sha256_init, any number of sha256_update, sha256_final.  No allocation, no
 * global state.  Not constant-time (nothing secret is hashed).
 */
#ifndef CHIBI_VM_SHA256_H
#define CHIBI_VM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32

struct sha256 {
	uint32_t h[8];
	uint64_t len;        /* bytes hashed so far */
	uint8_t buf[64];     /* a partial block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
void sha256_final(struct sha256 *c, uint8_t out[SHA256_BYTES]);
/* The digest of one buffer. */
void sha256(const void *data, size_t n, uint8_t out[SHA256_BYTES]);
/* out (65 bytes) = lower-case hex of the digest, NUL-terminated. */
void sha256_hex(const uint8_t d[SHA256_BYTES], char out[2 * SHA256_BYTES + 1]);

#endif
