/* vm/sha256_test.c - SHA-256 against the FIPS 180-4 examples and sha256sum, and the
 * incremental interface split at every position. */
#include <criterion/criterion.h>
#include <string.h>

#include "sha256.h"

static void expect_hex(const void *data, size_t n, const char *want)
{
	uint8_t d[SHA256_BYTES];
	char hex[2 * SHA256_BYTES + 1];

	sha256(data, n, d);
	sha256_hex(d, hex);
	cr_expect_str_eq(hex, want);
}

Test(sha256, known_digests)
{
	expect_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	expect_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* 55, 56, 63, 64 and 65 bytes: the padding's edge cases (values from sha256sum) */
	char a[65];

	memset(a, 'a', sizeof(a));
	expect_hex(a, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	expect_hex(a, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
	expect_hex(a, 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0");
}

Test(sha256, incremental_equals_one_shot)
{
	uint8_t msg[300], whole[SHA256_BYTES], part[SHA256_BYTES];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	sha256(msg, sizeof(msg), whole);
	for (size_t cut = 0; cut <= sizeof(msg); cut++) {
		struct sha256 c;

		sha256_init(&c);
		sha256_update(&c, msg, cut);
		sha256_update(&c, msg + cut, sizeof(msg) - cut);
		sha256_final(&c, part);
		cr_assert(memcmp(whole, part, SHA256_BYTES) == 0, "split at %zu", cut);
	}
}
