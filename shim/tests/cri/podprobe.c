/* shim/tests/cri/podprobe.c - the wasm guest of the CRI end-to-end tests (wasm32-wasi).
 *
 * Like ../probe.c (which is in the same image, at /probe.wasm), one module whose argv[1] picks
 * a behaviour, here the ones a pod's life needs:
 *   say TEXT...          print the arguments, the environment variable POD_GREETING and PWD
 *   log N MS             N numbered lines, odd ones on stderr, MS milliseconds apart
 *   long BYTES           one line of BYTES 'x' then a newline, then "tail" with no newline
 *   fill PATH MIB        write MIB MiB into PATH, 1 MiB at a time (a memory-backed volume
 *                        fills the container's memory cgroup: the OOM test)
 *   put PATH TEXT        write TEXT into PATH (a volume shared with another container)
 *   await PATH SECS      wait up to SECS for PATH to exist, then print its contents
 * Exit statuses: 0 done, 2 a file error, 3 await timed out, 64 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int cat(const char *path)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "say";

	if (!strcmp(cmd, "say")) {
		const char *g = getenv("POD_GREETING"), *pwd = getenv("PWD");

		printf("args:");
		for (int i = 2; i < argc; i++)
			printf(" %s", argv[i]);
		printf("\ngreeting=%s pwd=%s\n", g ? g : "(unset)", pwd ? pwd : "(unset)");
	} else if (!strcmp(cmd, "log") && argc > 3) {
		int n = atoi(argv[2]);
		long ms = atol(argv[3]);

		for (int i = 1; i <= n; i++) {
			FILE *out = i % 2 ? stderr : stdout;

			fprintf(out, "%s %d\n", i % 2 ? "err" : "out", i);
			fflush(out);
			if (i < n)
				nap_ms(ms);
		}
	} else if (!strcmp(cmd, "long") && argc > 2) {
		long n = atol(argv[2]);

		for (long i = 0; i < n; i++)
			putchar('x');
		printf("\ntail");
	} else if (!strcmp(cmd, "fill") && argc > 3) {
		static char chunk[1 << 20];
		int mib = atoi(argv[3]);
		FILE *f = fopen(argv[2], "w");

		if (!f) {
			printf("cannot create %s: %s\n", argv[2], strerror(errno));
			return 2;
		}
		memset(chunk, 'm', sizeof(chunk));
		for (int i = 1; i <= mib; i++) {
			if (fwrite(chunk, 1, sizeof(chunk), f) != sizeof(chunk) || fflush(f)) {
				printf("write failed at %d MiB: %s\n", i, strerror(errno));
				return 2;
			}
			printf("filled %d MiB\n", i);
			fflush(stdout);
		}
		fclose(f);
	} else if (!strcmp(cmd, "put") && argc > 3) {
		FILE *f = fopen(argv[2], "w");

		if (!f || fputs(argv[3], f) < 0 || fclose(f)) {
			printf("cannot write %s: %s\n", argv[2], strerror(errno));
			return 2;
		}
		printf("put %s\n", argv[2]);
	} else if (!strcmp(cmd, "await") && argc > 3) {
		int tenths = atoi(argv[3]) * 10;

		for (int i = 0; i < tenths; i++) {
			if (cat(argv[2]) == 0) {
				printf("\n");
				return 0;
			}
			nap_ms(100);
		}
		printf("%s did not appear\n", argv[2]);
		return 3;
	} else {
		fprintf(stderr, "podprobe: unknown command %s\n", cmd);
		return 64;
	}
	return 0;
}
