/* shim/tests/probe.c - the guest program of the shim's end-to-end tests (built for wasm32-wasi).
 *
 * One module, many behaviours chosen by argv[1], so one image covers every e2e check:
 * hello, args, env, cwd, cat, stdin, exit, gate, trap, sleep, spin, grow, write, tty.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int cat(const char *path)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f) {
		printf("cannot open %s: %s\n", path, strerror(errno));
		return 2;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "hello";

	if (!strcmp(cmd, "hello")) {
		printf("hello from wasm\n");
	} else if (!strcmp(cmd, "args")) {
		for (int i = 0; i < argc; i++)
			printf("%s%s", i ? " " : "", argv[i]);
		printf("\n");
	} else if (!strcmp(cmd, "env") && argc > 2) {
		const char *v = getenv(argv[2]);

		printf("%s=%s\n", argv[2], v ? v : "(unset)");
	} else if (!strcmp(cmd, "cwd")) {
		/* WASI has no cwd: the shim passes process.cwd as PWD; a program opts in. */
		const char *pwd = getenv("PWD");

		printf("PWD=%s\n", pwd ? pwd : "(unset)");
		if (pwd && chdir(pwd) == 0)
			return cat("rel.txt");
		return 3;
	} else if (!strcmp(cmd, "cat") && argc > 2) {
		return cat(argv[2]);
	} else if (!strcmp(cmd, "stdin")) {
		char buf[4096];
		size_t n, total = 0;

		while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
			fwrite(buf, 1, n, stdout);
			total += n;
		}
		printf("\n[%zu bytes]\n", total);
	} else if (!strcmp(cmd, "tty")) {
		/* ctr run -t: stdio is a terminal, and a typed line arrives through it. */
		char line[256];

		printf("isatty in=%d out=%d err=%d\n", isatty(0), isatty(1), isatty(2));
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 5;
		line[strcspn(line, "\r\n")] = 0;
		printf("got: [%s]\n", line);
	} else if (!strcmp(cmd, "exit") && argc > 2) {
		exit(atoi(argv[2]));
	} else if (!strcmp(cmd, "gate") && argc > 3) {
		/* Exit with argv[3] once the file argv[2] exists: a test that must look at a
		 * running task before it exits opens the gate itself.  Gives up after 60 s
		 * with 99, so a gate never opened fails the test instead of hanging it. */
		for (int i = 0; i < 6000 && access(argv[2], F_OK) != 0; i++) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		exit(access(argv[2], F_OK) == 0 ? atoi(argv[3]) : 99);
	} else if (!strcmp(cmd, "trap")) {
		fprintf(stdout, "about to trap\n");
		fflush(stdout);
		__builtin_trap();
	} else if (!strcmp(cmd, "sleep") && argc > 2) {
		int secs = atoi(argv[2]);

		printf("sleeping %d\n", secs);
		fflush(stdout);
		for (int i = 0; i < secs * 10; i++) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		printf("woke\n");
	} else if (!strcmp(cmd, "spin")) {
		/* Busy for ever: pause must stop it, metrics must see CPU. */
		volatile unsigned long x = 0;

		printf("spinning\n");
		fflush(stdout);
		for (;;)
			x++;
	} else if (!strcmp(cmd, "grow") && argc > 2) {
		/* Allocate N MiB in 1 MiB steps; report where linear memory stopped growing. */
		static char *volatile keep[4096];
		int want = atoi(argv[2]), got = 0;

		for (; got < want && got < 4096; got++) {
			char *p = malloc(1 << 20);

			if (!p)
				break;
			memset(p, 1, 1 << 20);
			keep[got] = p; /* so the compiler cannot drop the allocation */
		}
		printf("allocated %d of %d MiB\n", got, want);
	} else if (!strcmp(cmd, "write") && argc > 3) {
		FILE *f = fopen(argv[2], "w");

		if (!f || fputs(argv[3], f) < 0 || fclose(f)) {
			printf("write %s failed: %s\n", argv[2], strerror(errno));
			return 4;
		}
		printf("wrote %s\n", argv[2]);
	} else {
		fprintf(stderr, "probe: unknown command %s\n", cmd);
		return 64;
	}
	return 0;
}
