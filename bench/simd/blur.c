/* blur.c - 3x3 box blur of an 8-bit greyscale image, repeated: the inner loops are plain C
 * that compilers auto-vectorize (u8 -> u16 widening adds, a multiply-shift for /9, narrowing).
 * argv[1] = repetitions.  Prints a checksum every engine must reproduce. */
#include "../kernels/bench_common.h"

#define W 1024
#define H 768

static unsigned char img[H][W], out[H][W];

int main(int argc, char **argv)
{
	long reps = bench_size(argc, argv, 200);
	uint64_t seed = 7, h = 1469598103934665603ull;

	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			img[y][x] = (unsigned char)(bench_rand(&seed) >> 56);
	for (long r = 0; r < reps; r++) {
		for (int y = 1; y < H - 1; y++) {
			unsigned short row[W];

			for (int x = 0; x < W; x++)
				row[x] = (unsigned short)(img[y - 1][x] + img[y][x] + img[y + 1][x]);
			for (int x = 1; x < W - 1; x++)
				out[y][x] = (unsigned char)(((unsigned)(row[x - 1] + row[x] + row[x + 1]) *
							     7282u) >> 16);
		}
		for (int y = 1; y < H - 1; y++)
			for (int x = 0; x < W; x++)
				img[y][x] = (unsigned char)(out[y][x] ^ (unsigned char)r);
	}
	h = bench_fnv(h, img, sizeof(img));
	printf("blur %ld %016llx\n", reps, (unsigned long long)h);
	return 0;
}
