/* readdir.c - fd_readdir: dirent layout, stable cookies, the truncated last entry, d_ino and
 * d_type against path_filestat_get, plus wasi-libc's readdir on top.
 * Run as: chibi run --dir EMPTY::/work readdir.wasm */
#include <dirent.h>
#include <stdlib.h>
#include "check.h"

#define DIR_FD 3
#define NFILES 60

struct ent {
	char name[64];
	__wasi_dircookie_t next;
	__wasi_inode_t ino;
	__wasi_filetype_t type;
	int seen;
};

static struct ent all[NFILES + 8];
static int nall;

static void mkname(char *out, int i)
{
	/* Names of varying length so entries straddle the buffer edge in every way. */
	sprintf(out, "file-%02d-%.*s", i, i % 23, "abcdefghijklmnopqrstuvwxyz");
}

static struct ent *find(const char *name, size_t len)
{
	for (int i = 0; i < nall; i++)
		if (strlen(all[i].name) == len && memcmp(all[i].name, name, len) == 0)
			return &all[i];
	return NULL;
}

int main(void)
{
	uint8_t big[16384], *small;
	__wasi_size_t used, sz;
	__wasi_fd_t fd, sub;
	__wasi_filestat_t fs;
	__wasi_dircookie_t cookie;
	char name[64];
	int i, rounds = 0;

	for (i = 0; i < NFILES; i++) {
		mkname(name, i);
		CHECK_OK(raw_open(DIR_FD, name, __WASI_OFLAGS_CREAT, RIGHTS_ALL, 0, &fd));
		CHECK_OK(__wasi_fd_close(fd));
	}
	CHECK_OK(__wasi_path_create_directory(DIR_FD, "subdir"));
	CHECK_OK(__wasi_path_symlink("file-00-", DIR_FD, "link"));

	/* One big read: the reference listing. */
	CHECK_OK(__wasi_fd_readdir(DIR_FD, big, sizeof(big), 0, &used));
	CHECK(used < sizeof(big));
	for (size_t off = 0; off + sizeof(__wasi_dirent_t) <= used;) {
		__wasi_dirent_t d;
		struct ent *e = &all[nall++];

		memcpy(&d, big + off, sizeof(d));
		CHECK(d.d_namlen < sizeof(e->name));
		memcpy(e->name, big + off + sizeof(d), d.d_namlen);
		e->name[d.d_namlen] = 0;
		e->next = d.d_next;
		e->ino = d.d_ino;
		e->type = d.d_type;
		CHECK(d.d_next == (__wasi_dircookie_t)nall); /* cookie k+1 follows entry k */
		off += sizeof(d) + d.d_namlen;
		if (nall == (int)(sizeof(all) / sizeof(all[0])))
			break;
	}
	CHECK(nall == NFILES + 4); /* + subdir, link, ".", ".." */
	CHECK(find(".", 1) && find("..", 2));
	/* ".." of the preopen is outside the sandbox: it shows the directory's own inode (as
	 * wasmtime does), never the parent's (found by tools/wasi-fuzz.sh) */
	CHECK(find(".", 1) && find("..", 2) && find("..", 2)->ino == find(".", 1)->ino);
	CHECK(find("..", 2) && find("..", 2)->type == __WASI_FILETYPE_DIRECTORY);
	for (i = 0; i < nall; i++) {
		struct ent *e = &all[i];

		if (strcmp(e->name, "..") == 0)
			continue;
		CHECK_OK(__wasi_path_filestat_get(DIR_FD, 0, e->name, &fs));
		CHECK(fs.ino == e->ino);
		CHECK(fs.filetype == e->type);
	}
	CHECK(find("subdir", 6)->type == __WASI_FILETYPE_DIRECTORY);
	CHECK(find("link", 4)->type == __WASI_FILETYPE_SYMBOLIC_LINK);
	CHECK(find("file-05-abcde", 13)->type == __WASI_FILETYPE_REGULAR_FILE);

	/* Small buffers, wasi-libc style: a cut entry means "retry from its cookie with more
	 * room".  Every size from a bare header up must see every entry exactly once. */
	for (sz = 24; sz <= 96; sz += 7) {
		small = malloc(sz);
		for (i = 0; i < nall; i++)
			all[i].seen = 0;
		cookie = 0;
		for (;;) {
			size_t off = 0;
			int progressed = 0;

			rounds++;
			CHECK_OK(__wasi_fd_readdir(DIR_FD, small, sz, cookie, &used));
			while (off + sizeof(__wasi_dirent_t) <= used) {
				__wasi_dirent_t d;
				struct ent *e;

				memcpy(&d, small + off, sizeof(d));
				if (off + sizeof(d) + d.d_namlen > used)
					break; /* name cut off: the truncated last entry */
				e = find((char *)small + off + sizeof(d), d.d_namlen);
				CHECK(e != NULL);
				if (e) {
					e->seen++;
					CHECK(d.d_ino == e->ino && d.d_next == e->next);
				}
				cookie = d.d_next;
				off += sizeof(d) + d.d_namlen;
				progressed = 1;
			}
			if (used < sz)
				break; /* end of directory */
			CHECK(progressed || sz < 24 + 30);
			if (!progressed)
				break; /* a single entry larger than this buffer */
		}
		if (sz >= 24 + 30)
			for (i = 0; i < nall; i++)
				CHECK(all[i].seen == 1);
		free(small);
	}
	CHECK(rounds > nall);

	/* Cookies are stable: starting at k gives entry k. */
	for (i = 0; i < nall; i += 7) {
		__wasi_dirent_t d;

		CHECK_OK(__wasi_fd_readdir(DIR_FD, big, sizeof(big), (__wasi_dircookie_t)i, &used));
		memcpy(&d, big, sizeof(d));
		CHECK(d.d_namlen == strlen(all[i].name) &&
		      memcmp(big + sizeof(d), all[i].name, d.d_namlen) == 0);
	}
	CHECK_OK(__wasi_fd_readdir(DIR_FD, big, sizeof(big), 100000, &used));
	CHECK(used == 0);
	CHECK_OK(__wasi_fd_readdir(DIR_FD, big, 0, 0, &used));
	CHECK(used == 0);
	CHECK_OK(__wasi_fd_readdir(DIR_FD, big, 10, 0, &used));
	CHECK(used == 10); /* a cut header still fills the buffer */
	CHECK_ERR(__wasi_fd_readdir(DIR_FD, BAD_PTR, 100, 0, &used), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_fd_readdir(DIR_FD, big, 100, 0, BAD_PTR), __WASI_ERRNO_FAULT);
	CHECK_ERR(__wasi_fd_readdir(77, big, 100, 0, &used), __WASI_ERRNO_BADF);
	CHECK_OK(raw_open(DIR_FD, "file-01-a", 0, RIGHTS_ALL, 0, &fd));
	CHECK_ERR(__wasi_fd_readdir(fd, big, 100, 0, &used), __WASI_ERRNO_NOTDIR);
	CHECK_OK(__wasi_fd_close(fd));

	/* An opened subdirectory lists on its own fd. */
	CHECK_OK(raw_open(DIR_FD, "subdir", __WASI_OFLAGS_DIRECTORY, RIGHTS_ALL, 0, &sub));
	CHECK_OK(__wasi_fd_readdir(sub, big, sizeof(big), 0, &used));
	CHECK(used == 2 * sizeof(__wasi_dirent_t) + 3);
	CHECK_OK(__wasi_fd_close(sub));

	/* wasi-libc's readdir over the same directory. */
	{
		DIR *d = opendir("/work");
		struct dirent *de;
		int n = 0;

		CHECK(d != NULL);
		while (d && (de = readdir(d)))
			n++;
		CHECK(n == nall);
		if (d)
			closedir(d);
	}
	DONE("readdir");
}
