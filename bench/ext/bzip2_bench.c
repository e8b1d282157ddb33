/* bzip2_bench.c - drives libbz2 (built from Debian's bzip2 source at bench time) on a fixed,
 * generated input: compress at level 9, decompress, compare.  Written for the benchmarks; only
 * this driver is ours, the compressor is the upstream code unchanged.
 * argv[1] = input size in KiB (default 6144).  The input is pseudo-text (words from a small
 * vocabulary with PRNG choices) so that it compresses like real data, not like noise. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bzlib.h"

/* libbz2 built with BZ_NO_STDIO calls this on an internal consistency failure. */
void bz_internal_error(int errcode)
{
	fprintf(stderr, "bzip2 internal error %d\n", errcode);
	exit(3);
}

int main(int argc, char **argv)
{
	long kib = argc > 1 ? strtol(argv[1], NULL, 10) : 6144;
	if (kib <= 0)
		kib = 6144;
	unsigned len = (unsigned)kib * 1024u;
	static const char *const vocab[] = {
		"the", "wasm", "module", "stack", "value", "memory", "table", "of", "and", "runtime",
		"function", "call", "return", "branch", "loop", "block", "engine", "trap", "i32.add",
		"local.get", "to", "a", "is", "compile", "interpreter", "native", "\n", ", ", ". ",
	};
	char *in = malloc(len), *out = malloc(len + len / 100 + 600), *back = malloc(len);
	if (!in || !out || !back)
		return 3;
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	for (unsigned i = 0; i < len;) {
		s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
		const char *w = vocab[(s * 0x2545F4914F6CDD1DULL >> 33) % (sizeof vocab / sizeof *vocab)];
		for (; *w && i < len; w++)
			in[i++] = *w;
		if (i < len)
			in[i++] = ' ';
	}
	unsigned clen = len + len / 100 + 600, dlen = len;
	int rc = BZ2_bzBuffToBuffCompress(out, &clen, in, len, 9, 0, 30);
	if (rc != BZ_OK) {
		printf("bzip2 compress failed %d\n", rc);
		return 1;
	}
	rc = BZ2_bzBuffToBuffDecompress(back, &dlen, out, clen, 0, 0);
	if (rc != BZ_OK || dlen != len || memcmp(in, back, len) != 0) {
		printf("bzip2 round trip failed %d\n", rc);
		return 1;
	}
	uint64_t h = 0xcbf29ce484222325ULL;
	for (unsigned i = 0; i < clen; i++)
		h = (h ^ (unsigned char)out[i]) * 0x100000001b3ULL;
	printf("bzip2 %ld %u %016llx\n", kib, clen, (unsigned long long)h);
	free(in), free(out), free(back);
	return 0;
}
