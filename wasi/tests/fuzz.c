/* fuzz.c - calls WASI functions with random and hostile arguments (pointers at and past the
 * end of memory, huge lengths, random fds, flags and paths) to show that chibi returns an
 * errno instead of crashing.  Blocking calls (poll_oneoff, sock_accept, proc_exit) are left
 * out; fd 3 is a scratch preopen the runner checks afterwards.
 * Run as: chibi run --dir SCRATCH::/s fuzz.wasm SEED ITERATIONS [INODE...]
 *
 * With INODEs (tools/wasi-fuzz.sh: the inodes of a tree outside the preopen, reachable only
 * through the symlinks it plants in SCRATCH), every successful stat of a path or fd, every
 * fd a path_open returns and every fd_readdir entry is checked against them: a forbidden
 * inode means the sandbox let a path out.  The host side (inotify on the outside tree)
 * catches reads and writes the guest cannot see. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "check.h"

#define I32 int32_t
#define I64 int64_t
#define IMP(n, ...) WASI_IMPORT(n) I32 f_##n(__VA_ARGS__);
IMP(args_get, I32, I32)
IMP(args_sizes_get, I32, I32)
IMP(environ_get, I32, I32)
IMP(environ_sizes_get, I32, I32)
IMP(clock_res_get, I32, I32)
IMP(clock_time_get, I32, I64, I32)
IMP(fd_advise, I32, I64, I64, I32)
IMP(fd_allocate, I32, I64, I64)
IMP(fd_close, I32)
IMP(fd_datasync, I32)
IMP(fd_fdstat_get, I32, I32)
IMP(fd_fdstat_set_flags, I32, I32)
IMP(fd_fdstat_set_rights, I32, I64, I64)
IMP(fd_filestat_get, I32, I32)
IMP(fd_filestat_set_size, I32, I64)
IMP(fd_filestat_set_times, I32, I64, I64, I32)
IMP(fd_pread, I32, I32, I32, I64, I32)
IMP(fd_prestat_get, I32, I32)
IMP(fd_prestat_dir_name, I32, I32, I32)
IMP(fd_pwrite, I32, I32, I32, I64, I32)
IMP(fd_read, I32, I32, I32, I32)
IMP(fd_readdir, I32, I32, I32, I64, I32)
IMP(fd_renumber, I32, I32)
IMP(fd_seek, I32, I64, I32, I32)
IMP(fd_sync, I32)
IMP(fd_tell, I32, I32)
IMP(fd_write, I32, I32, I32, I32)
IMP(path_create_directory, I32, I32, I32)
IMP(path_filestat_get, I32, I32, I32, I32, I32)
IMP(path_filestat_set_times, I32, I32, I32, I32, I64, I64, I32)
IMP(path_link, I32, I32, I32, I32, I32, I32, I32)
IMP(path_readlink, I32, I32, I32, I32, I32, I32)
IMP(path_remove_directory, I32, I32, I32)
IMP(path_rename, I32, I32, I32, I32, I32, I32)
IMP(path_symlink, I32, I32, I32, I32, I32)
IMP(path_unlink_file, I32, I32, I32)
IMP(sched_yield)
IMP(random_get, I32, I32)
IMP(sock_recv, I32, I32, I32, I32, I32, I32)
IMP(sock_send, I32, I32, I32, I32, I32)
IMP(sock_shutdown, I32, I32)

static uint64_t state;

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

/* What the calls may write on (in bounds): the arena, the memory below the data (nothing
 * lives there: wasm-ld starts the data at __global_base) and the last 16 bytes of memory
 * (the unused tail of malloc's top chunk: its trailing header lies 56 bytes before the end,
 * and nothing is allocated after start-up).  A legal write anywhere else lands on our own
 * or libc's data or the stack: seed 6592 had random_get(arena + 5633, 16943) fill libc's
 * stdio list with random bytes, and __stdio_exit trapped after 20000 clean calls.  So every
 * length is small or longer than memory (len()), pointers into the arena leave room for the
 * biggest fixed-size result (ptr(), SLACK) and the records of an iovec array are clipped to
 * the scratch they start in (iovs()).  The fence behind the arena is never handed out: a
 * call that changes it wrote past the arena, and the run stops there, naming the call. */
#define FENCE 0xa5
static struct {
	uint8_t arena[8192];
	uint8_t fence[64];
} scratch;
extern char __global_base[];
/* The most a call writes at one pointer without a length: 64 (a filestat) or what args_get
 * and environ_get write, checked at start-up. */
#define SLACK 512
static char long_name[300], long_path[1100];
/* The last names are what tools/wasi-fuzz.sh plants: symlinks out of the preopen (relative,
 * absolute, through a subdirectory, chained, looping) and a subdirectory. */
static const char *paths[] = { "a", "b/c", "..", "../x", "/etc", ".", "", "a/../b", "l",
			       "d/e/f", "a/", "//", "x\\y", "b", long_name, long_path,
			       "up", "up/outside/secret", "abs", "abs/secret", "rel", "etc/passwd",
			       "sub", "sub/deep", "sub/deep/secret", "sub/../up/outside",
			       "sub/in/../../outside", "chain", "loop", "sub/in", "dirlink/x",
			       "outside", "../outside/secret", "sub/../../outside/secret" };
static uint64_t forbidden[64], digest = 14695981039346656037ull;
static int nforbidden;
static uint8_t statbuf[64], dirbuf[4096];
static uint32_t newfd;
static int trace, junk_path, arena_unsteady;

static void check_inode(uint64_t ino, const char *what, int call)
{
	for (int i = 0; i < nforbidden; i++)
		if (ino == forbidden[i]) {
			printf("FAIL call %d: %s gave inode %llu, which is outside the preopen\n",
			       call, what, (unsigned long long)ino);
			exit(1);
		}
}

/* A filestat's inode (offset 8). */
static void check_stat(int call)
{
	uint64_t ino;

	memcpy(&ino, statbuf + 8, 8);
	check_inode(ino, "a stat", call);
}

/* Every whole dirent in dirbuf (d_ino at 8, d_namlen at 16, 24-byte header). */
static void check_dirents(uint32_t used, int call)
{
	for (uint32_t off = 0; off + 24 <= used && off + 24 <= sizeof(dirbuf);) {
		uint64_t ino;
		uint32_t nl;

		memcpy(&ino, dirbuf + off + 8, 8);
		memcpy(&nl, dirbuf + off + 16, 4);
		if (nl < 200) {
			char what[256];

			snprintf(what, sizeof(what), "directory entry '%.*s'", (int)nl,
				 (const char *)dirbuf + off + 24);
			check_inode(ino, off + 24 + nl <= used ? what : "a directory entry", call);
		}
		off += 24 + nl;
	}
}

static uint64_t mem_end(void)
{
	return (uint64_t)__builtin_wasm_memory_size(0) * 65536;
}

/* Guest memory at address a, 0 included (a plain null dereference would be UB). */
static uint8_t *at(uint32_t a)
{
	static volatile uintptr_t zero_page; /* 0, hidden from the optimizer */

	return (uint8_t *)zero_page + a;
}

/* How many bytes from p on lie in the scratch p is in (0 when it is in none). */
static uint64_t room(uint64_t p)
{
	uint64_t a = (uintptr_t)scratch.arena, end = mem_end();

	if (p < (uintptr_t)__global_base)
		return (uintptr_t)__global_base - p;
	if (p >= a && p < a + sizeof(scratch.arena))
		return a + sizeof(scratch.arena) - p;
	if (p >= end - 16 && p < end)
		return end - p;
	return 0;
}

/* A pointer: mostly valid in the arena, sometimes hostile. */
static I32 ptr(void)
{
	uint64_t end = mem_end();

	switch (rnd() % 8) {
	case 0: /* anywhere past the end (in bounds, it would scribble on our own data) */
		return (I32)(end + rnd() % (0x100000000ull - end));
	case 1: return (I32)(end - (rnd() % 16));
	case 2: return 0;
	default: return (I32)(uintptr_t)(scratch.arena + rnd() % (sizeof(scratch.arena) - SLACK));
	}
}

/* A length: mostly small, sometimes longer than all of memory, so refused (EFAULT) wherever
 * it starts, wrapping 32-bit sums included.  Never in between: from an arena pointer, such a
 * length was a legal write over libc (seed 6592). */
static I32 len(void)
{
	uint64_t end = mem_end();

	switch (rnd() % 6) {
	case 0: return (I32)(end + 1 + rnd() % (0x100000000ull - end - 1));
	case 1: return 0;
	default: return (I32)(rnd() % 64);
	}
}

/* The iovec array of a read into n buffers: as ptr(), but whole records inside the arena
 * when there (read straddling two records, an iovec took an arena address as its length,
 * seed 5006).  Earlier calls leave anything in memory (file bytes, offsets, the pointers
 * args_get writes), so each record chibi will take is clipped to the scratch its buffer
 * starts in; a buffer past the end of memory stays, for the EFAULT. */
static I32 iovs(I32 n)
{
	uint64_t p = (uint32_t)ptr(), a = (uintptr_t)scratch.arena, cnt = (uint32_t)n;

	if (p >= a && p < a + sizeof(scratch.arena)) {
		p = a + ((p - a) & ~(uint64_t)7);
		if (p + cnt * 8 > a + sizeof(scratch.arena) && cnt * 8 <= sizeof(scratch.arena))
			p = a + sizeof(scratch.arena) - cnt * 8;
	}
	if (p + cnt * 8 > mem_end())
		return (I32)p; /* chibi reads none of it */
	if (cnt && room(p) < cnt * 8) {
		printf("FAIL guest: an iovec array at %llu leaves the scratch\n",
		       (unsigned long long)p);
		exit(1);
	}
	for (uint64_t k = 0; k < cnt; k++) {
		uint8_t *rec = at((uint32_t)(p + k * 8));
		uint32_t b, l;

		memcpy(&b, rec, 4);
		memcpy(&l, rec + 4, 4);
		if ((uint64_t)b + l <= mem_end() && l > room(b)) {
			l = (uint32_t)room(b);
			memcpy(rec + 4, &l, 4);
		}
	}
	return (I32)p;
}

static I32 fd(void)
{
	switch (rnd() % 6) {
	case 0: return (I32)(rnd() & 0xffffffffu);
	case 1: return (I32)(rnd() % 12);
	default: return 3;                                          /* the scratch dir */
	}
}

static I64 big(void)
{
	return rnd() % 3 ? (I64)(rnd() % 100000) : (I64)rnd();
}

/* A path argument: pointer + length of a known string, or junk. */
static void path(I32 *p, I32 *l)
{
	if (rnd() % 5) {
		const char *s = paths[rnd() % (sizeof(paths) / sizeof(paths[0]))];

		*p = (I32)(uintptr_t)s;
		*l = (I32)strlen(s);
	} else {
		*p = ptr();
		*l = len();
		junk_path = 1;
	}
}

/* Fill the arena with iovec-looking records (some valid) so vectored calls go deep.  The
 * other places ptr() gives, the first 64 bytes of memory and the last 16, are zeroed. */
static void seed_arena(void)
{
	memset(at(0), 0, 64);
	memset(at((uint32_t)mem_end() - 16), 0, 16);
	for (size_t i = 0; i + 8 <= sizeof(scratch.arena); i += 8) {
		uint32_t b = (uint32_t)ptr(), n = (uint32_t)len();

		memcpy(scratch.arena + i, &b, 4);
		memcpy(scratch.arena + i + 4, &n, 4);
	}
}

int main(int argc, char **argv)
{
	long iters = argc > 2 ? atol(argv[2]) : 20000;
	long i, calls[64] = { 0 };
	int errs[80] = { 0 };

	state = (argc > 1 ? strtoull(argv[1], NULL, 0) : 1) * 0x9e3779b97f4a7c15ull + 1;
	/* --env FUZZ_TRACE=1: every call's errno.  tools/wasi-fuzz.sh always passes FUZZ_TRACE
	 * (0 unless WASI_FUZZ_TRACE=1): environ_get's errnos and bytes depend on the
	 * environment, so a traced replay must have one of the same size. */
	trace = getenv("FUZZ_TRACE") && strcmp(getenv("FUZZ_TRACE"), "0") != 0;
	for (int k = 3; k < argc && nforbidden < 64; k++)
		forbidden[nforbidden++] = strtoull(argv[k], NULL, 0);
	{
		uint32_t sizes[4] = { 0 }; /* argc, argv bytes, environ count, environ bytes */

		f_args_sizes_get((I32)(uintptr_t)&sizes[0], (I32)(uintptr_t)&sizes[1]);
		f_environ_sizes_get((I32)(uintptr_t)&sizes[2], (I32)(uintptr_t)&sizes[3]);
		if ((uint64_t)sizes[0] * 4 > SLACK || sizes[1] > SLACK ||
		    (uint64_t)sizes[2] * 4 > SLACK || sizes[3] > SLACK ||
		    (uintptr_t)__global_base < SLACK) {
			printf("FAIL guest: arguments or environment over %d bytes\n", SLACK);
			return 1;
		}
	}
	memset(scratch.fence, FENCE, sizeof(scratch.fence));
	memset(long_name, 'n', 255);            /* NAME_MAX */
	for (int k = 0; k < 4; k++) {           /* 4 x 256 + ... > PATH_MAX */
		memcpy(long_path + k * 257, long_name, 255);
		memcpy(long_path + k * 257 + 255, "n/", 2);
	}
	for (i = 0; i < iters; i++) {
		I32 p1, l1, p2, l2, r = 0;
		int which = (int)(rnd() % 41);

		/* Afresh every 64 calls, and after any call that may have left bytes in memory
		 * that differ from run to run (times, inodes, random bytes): later junk paths
		 * and iovecs are read from the arena, and such bytes made the four runs of a
		 * seed diverge (a junk symlink target valid UTF-8 in one run only, an iovec
		 * length from a timestamp that let fd_read overwrite libc's own data). */
		if (i % 64 == 0 || arena_unsteady)
			seed_arena();
		arena_unsteady = 0;
		junk_path = 0;
		path(&p1, &l1);
		path(&p2, &l2);
		switch (which) {
		case 0: r = f_args_get(ptr(), ptr()); break;
		case 1: r = f_args_sizes_get(ptr(), ptr()); break;
		case 2: r = f_environ_get(ptr(), ptr()); break;
		case 3: r = f_environ_sizes_get(ptr(), ptr()); break;
		case 4: r = f_clock_res_get((I32)(rnd() % 6), ptr()); break;
		case 5: r = f_clock_time_get((I32)(rnd() % 6), big(), ptr()); break;
		case 6: r = f_fd_advise(fd(), big(), big(), (I32)(rnd() % 8)); break;
		case 7: r = f_fd_allocate(fd(), big(), rnd() % 4 ? big() % 4096 : big()); break;
		case 8: r = rnd() % 8 ? 8 : f_fd_close((I32)(5 + rnd() % 8)); break;
		case 9: r = f_fd_datasync(fd()); break;
		case 10: r = f_fd_fdstat_get(fd(), ptr()); break;
		case 11: r = f_fd_fdstat_set_flags(fd(), (I32)(rnd() % 64)); break;
		case 12: r = f_fd_fdstat_set_rights((I32)(5 + rnd() % 8), (I64)rnd(), (I64)rnd()); break;
		case 13:
			if (rnd() % 4) {
				I32 f = fd();

				if (!(r = f_fd_filestat_get(f, (I32)(uintptr_t)statbuf)) && f != 0 &&
				    f != 1 && f != 2)
					check_stat(which);
			} else {
				r = f_fd_filestat_get(fd(), ptr());
			}
			break;
		case 14: r = f_fd_filestat_set_size((I32)(5 + rnd() % 8), big() % 100000); break;
		case 15: r = f_fd_filestat_set_times(fd(), big(), big(), (I32)(rnd() % 32)); break;
		case 16: {
			I32 f = fd(), n = len(), v = iovs(n);

			r = f_fd_pread(f, v, n, big(), ptr());
			break;
		}
		case 17: r = f_fd_prestat_get(fd(), ptr()); break;
		case 18: r = f_fd_prestat_dir_name(fd(), ptr(), len()); break;
		case 19: r = f_fd_pwrite((I32)(5 + rnd() % 8), ptr(), len(), big(), ptr()); break;
		case 20: {
			I32 f = rnd() % 2 ? 0 : (I32)(5 + rnd() % 8), n = len(), v = iovs(n);

			r = f_fd_read(f, v, n, ptr());
			break;
		}
		case 21:
			if (rnd() % 2) {
				uint32_t used = 0;

				if (!(r = f_fd_readdir(fd(), (I32)(uintptr_t)dirbuf, sizeof(dirbuf),
						       rnd() % 4 ? 0 : big(), (I32)(uintptr_t)&used)))
					check_dirents(used, which);
			} else {
				r = f_fd_readdir(fd(), ptr(), len(), big(), ptr());
			}
			break;
		case 22: r = f_fd_renumber((I32)(5 + rnd() % 8), (I32)(5 + rnd() % 8)); break;
		case 23: r = f_fd_seek(fd(), big(), (I32)(rnd() % 4), ptr()); break;
		case 24: r = f_fd_sync(fd()); break;
		case 25: r = f_fd_tell(fd(), ptr()); break;
		case 26: r = f_fd_write((I32)(5 + rnd() % 8), ptr(), len(), ptr()); break;
		case 27: r = f_path_create_directory(fd(), p1, l1); break;
		case 28:
			if (rnd() % 4) {
				if (!(r = f_path_filestat_get(fd(), (I32)(rnd() % 3), p1, l1,
							      (I32)(uintptr_t)statbuf)))
					check_stat(which);
			} else {
				r = f_path_filestat_get(fd(), (I32)(rnd() % 3), p1, l1, ptr());
			}
			break;
		case 29: r = f_path_filestat_set_times(fd(), (I32)(rnd() % 3), p1, l1, big(), big(),
						      (I32)(rnd() % 32)); break;
		case 30: r = f_path_link(fd(), (I32)(rnd() % 3), p1, l1, fd(), p2, l2); break;
		case 31: r = f_path_readlink(fd(), p1, l1, ptr(), len(), ptr()); break;
		case 32: r = f_path_remove_directory(fd(), p1, l1); break;
		case 33: r = f_path_rename(fd(), p1, l1, fd(), p2, l2); break;
		case 34: r = f_path_symlink(p1, l1, fd(), p2, l2); break;
		case 35: r = f_path_unlink_file(fd(), p1, l1); break;
		case 36: r = f_sched_yield(); break;
		case 37: r = f_random_get(ptr(), len()); break;
		case 38: {
			I32 f = fd(), n = len(), v = iovs(n);

			r = f_sock_recv(f, v, n, (I32)(rnd() % 8), ptr(), ptr());
			break;
		}
		case 39: r = f_sock_send(fd(), ptr(), len(), (I32)(rnd() % 2), ptr()); break;
		case 40: {
			/* path_open, with fdflags kept non-blocking so a FIFO never hangs us. */
			I32 dir = fd(), df = (I32)(rnd() % 3), of = (I32)(rnd() % 32);
			I32 ff = (I32)((rnd() % 32) | 4);
			I64 base = rnd() % 2 ? (I64)rnd() : -1, inh = (I64)rnd();

			if (rnd() % 4) {
				r = raw_path_open(dir, df, p1, l1, of, base, inh, ff,
						  (I32)(uintptr_t)&newfd);
				if (!r && !f_fd_filestat_get((I32)newfd, (I32)(uintptr_t)statbuf))
					check_stat(which);
			} else {
				r = raw_path_open(dir, df, p1, l1, of, base, inh, ff, ptr());
			}
			if (trace)
				fprintf(stderr, "path_open(%d, %d, '%.*s', oflags %d, rights %llx, "
					"fdflags %d) -> %d\n", dir, df, l1 < 80 && l1 >= 0 &&
					(uint64_t)(uint32_t)p1 + 80 < (uint64_t)__builtin_wasm_memory_size(0) *
					65536 ? l1 : 0, (const char *)(uintptr_t)p1,
					of, (unsigned long long)base, ff, r);
			break;
		}
		}
		calls[which]++;
		for (size_t k = 0; k < sizeof(scratch.fence); k++)
			if (scratch.fence[k] != FENCE) {
				printf("FAIL call %ld (function %d): wrote past the arena\n", i, which);
				return 1;
			}
		switch (which) {
		case 5: case 13: case 21: case 28: case 37: case 40:
			arena_unsteady = 1;
		}
		/* the digest of every call's errno: the same seed must give the same sequence in
		 * both tiers and both path resolvers (tools/wasi-fuzz.sh compares them) */
		if (!junk_path) /* junk may point at times or random bytes earlier calls wrote */
			digest = (digest ^ (uint64_t)(which * 128 + r)) * 1099511628211ull;
		if (trace) {
			fprintf(stderr, "call %ld: %d -> %d (path1", i, which, r);
			for (I32 k = 0; k < l1 && k < 24 && (uint64_t)(uint32_t)p1 + 24 <
				 (uint64_t)__builtin_wasm_memory_size(0) * 65536; k++)
				fprintf(stderr, " %02x", ((const uint8_t *)(uintptr_t)p1)[k]);
			fprintf(stderr, ", len %d)\n", l1);
		}
		if (r < 0 || r > 76) {
			printf("FAIL call %d returned %d\n", which, r);
			return 1;
		}
		errs[r]++;
	}
	for (i = 0; i < 41; i++)
		if (!calls[i])
			printf("note: function %ld never called\n", i);
	fprintf(stderr, "fuzz: %ld calls, %d ok, %d EFAULT, %d EBADF, %d ENOTCAPABLE\n", iters,
		errs[0], errs[21], errs[8], errs[76]);
	fprintf(stderr, "fuzz: errno digest %016llx\n", (unsigned long long)digest);
	printf("fuzz: %ld checks, 0 failed\n", iters);
	return 0;
}
