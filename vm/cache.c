/* vm/cache.c - the compiled-code cache: one directory of compiled files (vm/compiled.c),
 * each named by what it was compiled from and for.
 *
 * Entries are written to a temporary file in the directory and renamed into place, so a
 * reader sees a whole entry or none, and concurrent writers of one entry each rename a
 * complete file (the last one stays).  Use refreshes an entry's modification time; after a
 * write, the oldest entries go until the directory is within its size.  The directory and
 * its entries must be the user's and writable by nobody else: a cache others can write
 * into would let them choose the code we map executable.  Entry point: chibi_cache_open.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "compiled.h"
#include "engine.h"
#include "module.h"
#include "sha256.h"

#define SUFFIX ".cwasm"

bool chibi_cache_default_dir(char *buf, size_t n)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int w;

	if (x && *x == '/')
		w = snprintf(buf, n, "%s/chibi", x);
	else if (home && *home)
		w = snprintf(buf, n, "%s/.cache/chibi", home);
	else
		return false;
	return w > 0 && (size_t)w < n;
}

/* Ours, not writable by group or others. */
static bool private_stat(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* mkdir -p with mode 0700 for what is created; then the directory must be private. */
static enum chibi_err prepare_dir(const char *dir, struct chibi_diag *diag)
{
	char path[4096];
	size_t len = strlen(dir);
	struct stat st;

	if (len == 0 || len >= sizeof(path))
		return diag_set(diag, CHIBI_ERR_ARG, 0, "bad cache directory");
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return diag_set(diag, CHIBI_ERR_IO, 0, "cache directory %s: %s", path,
					strerror(errno));
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return diag_set(diag, CHIBI_ERR_IO, 0, "cache directory %s: %s", dir,
				strerror(errno));
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return diag_set(diag, CHIBI_ERR_IO, 0, "cache directory %s: not a directory", dir);
	if (!private_stat(&st))
		return diag_set(diag, CHIBI_ERR_IO, 0, "cache directory %s belongs to someone "
				"else or others can write to it: not used", dir);
	return CHIBI_OK;
}

/* The entry's name: SHA-256 of the module's digest, the build id, the host's ISA and CPU
 * features, and what the code depends on in cfg and the environment. */
static void entry_name(const uint8_t module_sha[SHA256_BYTES], const struct chibi_config *cfg,
		       char out[2 * SHA256_BYTES + 1])
{
	uint8_t d[SHA256_BYTES];
	char feat[64] = "", extra[160];
	const char *bounds = getenv("CHIBI_JIT_BOUNDS"), *isa = chibi_jit_name();
	struct sha256 c;
	uint32_t f = engine_jit ? engine_jit->cpu_features(feat, sizeof(feat)) : 0;

	sha256_init(&c);
	sha256_update(&c, module_sha, SHA256_BYTES);
	snprintf(extra, sizeof(extra), "|%s|%s|%u|%s|fuel=%d|bounds=%s", chibi_build_id,
		 isa ? isa : "", f, feat, cfg && cfg->fuel ? 1 : 0, bounds ? bounds : "");
	sha256_update(&c, extra, strlen(extra));
	sha256_final(&c, d);
	sha256_hex(d, out);
}

struct entry {
	char name[2 * SHA256_BYTES + sizeof(SUFFIX)];
	off_t size;
	struct timespec mtime;
};

static int older(const void *a, const void *b)
{
	const struct timespec *x = &((const struct entry *)a)->mtime;
	const struct timespec *y = &((const struct entry *)b)->mtime;

	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec ? -1 : 1;
	return x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

/* Remove the least recently used entries (never `keep`) until the entries total at most
 * max bytes.  Leftover temporary files older than a minute (a writer that died) go too. */
static void evict(const char *dir, uint64_t max, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct entry *e = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	int dfd;

	if (!d)
		return;
	dfd = dirfd(d);
	while ((de = readdir(d))) {
		struct stat st;
		size_t len = strlen(de->d_name);

		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (!strncmp(de->d_name, ".tmp-", 5)) {
			if (st.st_mtime + 60 < time(NULL))
				unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (len != 2 * SHA256_BYTES + strlen(SUFFIX) ||
		    strcmp(de->d_name + 2 * SHA256_BYTES, SUFFIX) != 0)
			continue;
		total += (uint64_t)st.st_size;
		if (!strcmp(de->d_name, keep) || !VM_GROW(e, cap, n + 1))
			continue;
		memcpy(e[n].name, de->d_name, len + 1);
		e[n].size = st.st_size;
		e[n].mtime = st.st_mtim;
		n++;
	}
	if (total > max) {
		qsort(e, n, sizeof(*e), older);
		for (size_t i = 0; i < n && total > max; i++)
			if (unlinkat(dfd, e[i].name, 0) == 0)
				total -= (uint64_t)e[i].size;
	}
	vm_free(e);
	closedir(d);
}

/* Write the entry through a temporary file; return an fd of the complete file (or -1). */
static int write_entry(const char *dir, const char *path, const uint8_t *f, size_t len)
{
	char tmp[4200];
	int fd;
	size_t done = 0;

	snprintf(tmp, sizeof(tmp), "%s/.tmp-%ld-%lx", dir, (long)getpid(),
		 (unsigned long)((uintptr_t)&done ^ (unsigned long)time(NULL) ^
				 (unsigned long)clock()));
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t w = write(fd, f + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		done += (size_t)w;
	}
	if (rename(tmp, path) != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}

enum chibi_err chibi_cache_open(const char *dir, const uint8_t *wasm, size_t len,
				const struct chibi_config *cfg, uint64_t max_bytes,
				chibi_compiled **out, bool *out_hit, struct chibi_diag *diag)
{
	char name[2 * SHA256_BYTES + sizeof(SUFFIX)], path[4200];
	uint8_t want[SHA256_BYTES], have[SHA256_BYTES], *f = NULL;
	size_t flen;
	struct stat st;
	enum chibi_err err;
	int fd;

	*out = NULL;
	if (out_hit)
		*out_hit = false;
	err = prepare_dir(dir, diag);
	if (err)
		return err;
	sha256(wasm, len, want);
	entry_name(want, cfg, name);
	strcat(name, SUFFIX);
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return diag_set(diag, CHIBI_ERR_ARG, 0, "cache directory name too long");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		struct chibi_diag d2 = { 0 };

		if (fstat(fd, &st) == 0 && private_stat(&st) &&
		    chibi_compiled_open_fd(fd, out, &d2) == CHIBI_OK) {
			compiled_module_sha(*out, have);
			if (!memcmp(want, have, sizeof(want))) {
				futimens(fd, NULL); /* used now: the LRU order */
				close(fd);
				if (out_hit)
					*out_hit = true;
				return CHIBI_OK;
			}
			chibi_compiled_free(*out);
			*out = NULL;
		}
		/* stale, corrupt, tampered with or not ours: replaced below */
		close(fd);
		unlink(path);
	}
	err = chibi_compile(wasm, len, cfg, &f, &flen, diag);
	if (err)
		return err;
	fd = write_entry(dir, path, f, flen);
	vm_free(f);
	if (fd < 0)
		return diag_set(diag, CHIBI_ERR_IO, 0, "cannot write to the cache %s: %s", dir,
				strerror(errno));
	err = chibi_compiled_open_fd(fd, out, diag);
	close(fd);
	evict(dir, max_bytes ? max_bytes : CHIBI_CACHE_DEFAULT_BYTES, name);
	return err;
}
