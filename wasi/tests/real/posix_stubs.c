/* wasi/tests/real/posix_stubs.c - the two POSIX calls bzip2 needs that WASI preview1 has no
 * notion of (file ownership and permission bits).  Linked into the wasm32-wasi build of the
 * real-world test programs only: they succeed without effect, which is what bzip2 does on
 * file systems without permissions anyway (it ignores their result).
 */
#include <sys/types.h>

int fchmod(int fd, mode_t mode);
int fchown(int fd, uid_t owner, gid_t group);

int fchmod(int fd, mode_t mode)
{
	(void)fd;
	(void)mode;
	return 0;
}

int fchown(int fd, uid_t owner, gid_t group)
{
	(void)fd;
	(void)owner;
	(void)group;
	return 0;
}
