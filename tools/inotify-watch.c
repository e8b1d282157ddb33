/* tools/inotify-watch.c - the WASI fuzzer's oracle on the host side (tools/wasi-fuzz.sh):
 *
 *   inotify-watch READY_FILE DIR...
 *
 * Watches each DIR (not recursively: pass every directory of the tree) for any access,
 * open, change, creation, removal or move of it or of an entry in it, prints one line per
 * event ("DIR/NAME EVENTS") and flushes, until killed.  READY_FILE is created once every
 * watch is in place, so the caller knows when to start the guest.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define EVENTS (IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_OPEN | IN_CREATE | IN_DELETE | \
		IN_DELETE_SELF | IN_MOVED_FROM | IN_MOVED_TO | IN_MOVE_SELF)

int main(int argc, char **argv)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	int in = inotify_init1(IN_CLOEXEC), fd;
	char **names;

	if (in < 0 || argc < 3) {
		fprintf(stderr, "usage: inotify-watch READY_FILE DIR...\n");
		return 2;
	}
	names = calloc((size_t)argc * 2 + 16, sizeof(*names));
	for (int i = 2; i < argc; i++) {
		int wd = inotify_add_watch(in, argv[i], EVENTS | IN_DONT_FOLLOW);

		if (wd < 0) {
			perror(argv[i]);
			return 2;
		}
		if (wd < argc * 2 + 16)
			names[wd] = argv[i];
	}
	fd = open(argv[1], O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n <= 0)
			return 1;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			const char *dir = e->wd >= 0 && e->wd < argc * 2 + 16 && names[e->wd] ?
						  names[e->wd] : "?";

			printf("%s/%s %#x\n", dir, e->len ? e->name : "", e->mask);
			p += sizeof(*e) + e->len;
		}
		fflush(stdout);
	}
}
