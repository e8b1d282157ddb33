/* block.c - a guest stuck in a blocking host call, for --timeout (which must end every one
 * of them with "interrupted", 134).  Each call is retried on EINTR, as careful programs do,
 * so only the trap at the loop's back-edge can end it.
 *   block.wasm open PATH    open a fifo nobody writes to (blocks in path_open)
 *   block.wasm read PATH    open a fifo read-write and read it (blocks in fd_read)
 *   block.wasm write PATH   fill a fifo nobody reads (blocks in fd_write)
 *   block.wasm accept       accept on the --tcplisten socket, fd 3 (blocks in sock_accept)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

static char buf[65536];

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";
	const char *path = argc > 2 ? argv[2] : "";
	__wasi_fd_t c;
	int fd = -1;

	if (strcmp(how, "open") == 0) {
		while ((fd = open(path, O_RDONLY)) < 0 && errno == EINTR)
			;
		printf("open returned %d (errno %d)\n", fd, errno);
		return 1;
	}
	if (strcmp(how, "read") == 0 || strcmp(how, "write") == 0) {
		if ((fd = open(path, O_RDWR)) < 0) {
			printf("cannot open %s: %d\n", path, errno);
			return 1;
		}
		for (;;) {
			ssize_t r = how[0] == 'r' ? read(fd, buf, sizeof(buf))
						  : write(fd, buf, sizeof(buf));

			if (r < 0 && errno != EINTR)
				break;
		}
		printf("%s failed: %d\n", how, errno);
		return 1;
	}
	if (strcmp(how, "accept") == 0) {
		__wasi_errno_t e;

		while ((e = __wasi_sock_accept(3, 0, &c)) == __WASI_ERRNO_INTR)
			;
		printf("accept returned %d\n", e);
		return 1;
	}
	printf("usage: block.wasm open|read|write PATH | accept\n");
	return 2;
}
