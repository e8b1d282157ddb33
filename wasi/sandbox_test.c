/* wasi/sandbox_test.c - sb_open / sb_parent on a real temporary tree, in both modes
 * (openat2 and the component walk), so the fallback is proven on kernels that never need
 * it.  Each case: a path, open flags, and the expected result (a file's content, or an
 * errno; SB_ESCAPE for anything that would leave the start directory).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ctx.h"

static char root[256];
static int box;

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	cr_assert(f);
	fputs(text, f);
	fclose(f);
}

static void lnk(const char *target, const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	cr_assert_eq(symlink(target, p), 0);
}

static void sub(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	cr_assert_eq(mkdir(p, 0755), 0);
}

/* root/out/secret, root/box/{file, d/f, links...}; box is the start directory. */
static void setup(void)
{
	char p[512];

	snprintf(root, sizeof(root), "%s/chibi-sb-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	cr_assert(mkdtemp(root));
	sub("out");
	put("out/secret", "secret");
	sub("box");
	put("box/file", "file");
	sub("box/d");
	put("box/d/f", "d/f");
	sub("box/d/e");
	lnk("file", "box/l_file");
	lnk("d", "box/l_d");
	lnk("../file", "box/d/l_up_ok");
	lnk("../../out/secret", "box/d/l_out");
	lnk("/etc/passwd", "box/l_abs");
	lnk("l_loop2", "box/l_loop1");
	lnk("l_loop1", "box/l_loop2");
	lnk("l_c2", "box/l_c1");
	lnk("l_c3", "box/l_c2");
	lnk("d/e/..//f", "box/l_c3");
	lnk("..", "box/l_parent");
	lnk("d/", "box/l_dslash");
	lnk("nowhere", "box/l_dangling");
	snprintf(p, sizeof(p), "%s/box", root);
	box = open(p, O_RDONLY | O_DIRECTORY);
	cr_assert(box >= 0);
}

static void teardown(void)
{
	char cmd[600];

	close(box);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_expect_eq(system(cmd), 0);
	sb_force_walk(false);
}

struct open_case {
	const char *path;
	int flags;
	const char *content; /* expected file content, or NULL */
	int err;             /* expected negated errno when content is NULL */
};

#define OK(p, c) { p, O_RDONLY, c, 0 }
#define ERR(p, e) { p, O_RDONLY, NULL, e }

static struct open_case cases[] = {
	OK("file", "file"),
	OK("./file", "file"),
	OK("d/f", "d/f"),
	OK("d//f", "d/f"),
	OK("d/../file", "file"),
	OK("d/e/../../file", "file"),
	OK("l_file", "file"),
	OK("l_d/f", "d/f"),
	OK("d/l_up_ok", "file"),
	OK("l_c1", "d/f"),
	OK("l_dslash/f", "d/f"),
	ERR("l_parent/box/file", -SB_ESCAPE), /* ".." and back in: still refused */
	ERR("..", -SB_ESCAPE),
	ERR("../box/file", -SB_ESCAPE),
	ERR("d/../../out/secret", -SB_ESCAPE),
	ERR("/etc/passwd", -SB_ESCAPE),
	ERR("l_abs", -SB_ESCAPE),
	ERR("d/l_out", -SB_ESCAPE),
	ERR("l_parent", -SB_ESCAPE),
	ERR("l_loop1", -ELOOP),
	ERR("l_loop1/x", -ELOOP),
	ERR("missing", -ENOENT),
	ERR("missing/x", -ENOENT),
	ERR("file/x", -ENOTDIR),
	ERR("file/", -ENOTDIR),
	ERR("l_dangling", -ENOENT),
	ERR("", -ENOENT),
	{ "l_file", O_RDONLY | O_NOFOLLOW, NULL, -ELOOP },
	{ "l_abs", O_RDONLY | O_NOFOLLOW, NULL, -ELOOP },
	{ "d", O_RDONLY | O_DIRECTORY, "", 0 },
	{ "l_d", O_RDONLY | O_DIRECTORY, "", 0 },
	{ "file", O_RDONLY | O_DIRECTORY, NULL, -ENOTDIR },
	{ "newfile", O_WRONLY | O_CREAT | O_EXCL, "", 0 },
	{ "file", O_WRONLY | O_CREAT | O_EXCL, NULL, -EEXIST },
	{ "../newfile", O_WRONLY | O_CREAT, NULL, -SB_ESCAPE },
	{ "d/l_out", O_WRONLY | O_TRUNC, NULL, -SB_ESCAPE },
	{ "l_dangling", O_WRONLY | O_CREAT, "", 0 }, /* creates box/nowhere */
};

static void run_cases(bool walk)
{
	sb_force_walk(walk);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct open_case *c = &cases[i];
		int fd = sb_open(box, c->path, c->flags, 0644);

		if (!c->content) {
			cr_expect_eq(fd, c->err, "%s '%s': got %d, want %d", walk ? "walk" : "openat2",
				     c->path, fd, c->err);
			if (fd >= 0)
				close(fd);
			continue;
		}
		cr_expect_geq(fd, 0, "%s '%s': %d", walk ? "walk" : "openat2", c->path, fd);
		if (fd < 0)
			continue;
		if (!(c->flags & (O_WRONLY | O_DIRECTORY))) {
			char buf[32] = { 0 };

			cr_expect_geq(read(fd, buf, sizeof(buf) - 1), 0);
			cr_expect_str_eq(buf, c->content, "'%s'", c->path);
		}
		close(fd);
	}
	/* The creations above stayed inside. */
	cr_expect_eq(faccessat(box, "newfile", F_OK, 0), 0);
	cr_expect_eq(faccessat(box, "nowhere", F_OK, 0), 0);
	cr_expect_eq(faccessat(box, "../newfile", F_OK, 0), -1);
	unlinkat(box, "newfile", 0);
	unlinkat(box, "nowhere", 0);
}

Test(wasi_sandbox, open_with_openat2, .init = setup, .fini = teardown)
{
	run_cases(false);
}

Test(wasi_sandbox, open_with_component_walk, .init = setup, .fini = teardown)
{
	run_cases(true);
}

Test(wasi_sandbox, o_path_nofollow_gets_the_link_itself, .init = setup, .fini = teardown)
{
	for (int walk = 0; walk < 2; walk++) {
		struct stat sb;
		int fd;

		sb_force_walk(walk);
		fd = sb_open(box, "l_abs", O_PATH | O_NOFOLLOW, 0);
		cr_assert_geq(fd, 0);
		cr_expect_eq(fstat(fd, &sb), 0);
		cr_expect(S_ISLNK(sb.st_mode));
		close(fd);
		fd = sb_open(box, "l_d/", O_PATH | O_NOFOLLOW, 0);
		cr_assert_geq(fd, 0, "a trailing slash follows even with O_NOFOLLOW");
		cr_expect_eq(fstat(fd, &sb), 0);
		cr_expect(S_ISDIR(sb.st_mode));
		close(fd);
	}
}

Test(wasi_sandbox, parent_split, .init = setup, .fini = teardown)
{
	struct { const char *in; const char *name; bool slash; int err; } rows[] = {
		{ "file", "file", false, 0 },
		{ "d/f", "f", false, 0 },
		{ "d/e/", "e", true, 0 },
		{ "d//e//", "e", true, 0 },
		{ "d/..", "..", false, 0 },
		{ "l_d/f", "f", false, 0 },
		{ "missing/f", NULL, false, -ENOENT },
		{ "file/x", NULL, false, -ENOTDIR },
		{ "../x", NULL, false, -SB_ESCAPE },
		{ "..", NULL, false, -SB_ESCAPE },
		{ "d/../..", NULL, false, -SB_ESCAPE },
		{ "/abs", NULL, false, -SB_ESCAPE },
		{ "l_parent/x", NULL, false, -SB_ESCAPE },
		{ "", NULL, false, -ENOENT },
	};

	for (int walk = 0; walk < 2; walk++) {
		sb_force_walk(walk);
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			char *p = strdup(rows[i].in);
			struct sb_name n;
			int r = sb_parent(box, p, &n);

			if (rows[i].err) {
				cr_expect_eq(r, rows[i].err, "'%s': %d", rows[i].in, r);
			} else {
				cr_expect_eq(r, 0, "'%s': %d", rows[i].in, r);
				cr_expect_str_eq(n.name, rows[i].name);
				cr_expect_eq(n.trailing_slash, rows[i].slash, "'%s'", rows[i].in);
				cr_expect_geq(n.parent, 0);
			}
			sb_name_done(&n);
			free(p);
		}
	}
}

/* openat2 answers EAGAIN for a ".." lookup that any rename on the system overlapped (the
 * kernel cannot prove it stayed beneath).  On a busy machine a run of such failures
 * reached the guest as EAGAIN from path_open/path_create_directory (the WASI campaign's
 * four runs of a seed disagreed); sb_open now walks once its retries are spent.  A
 * thread renames in a loop while long ".." paths are opened. */
static atomic_bool renaming;

static void *rename_loop(void *arg)
{
	char a[512], b[512];

	(void)arg;
	snprintf(a, sizeof(a), "%s/out/r1", root);
	snprintf(b, sizeof(b), "%s/out/r2", root);
	while (atomic_load(&renaming)) {
		rename(a, b);
		rename(b, a);
	}
	return NULL;
}

Test(wasi_sandbox, dotdot_racing_renames_is_never_eagain, .init = setup, .fini = teardown)
{
	static char path[3600];
	pthread_t t;
	size_t n = 0;
	int eagain = 0, wrong = 0;

	put("out/r1", "r");
	while (n + 16 < sizeof(path))
		n += (size_t)sprintf(path + n, "d/e/../../");
	strcpy(path + n, "file");
	atomic_store(&renaming, true);
	cr_assert_eq(pthread_create(&t, NULL, rename_loop, NULL), 0);
	for (int i = 0; i < 3000; i++) {
		int fd = sb_open(box, path, O_RDONLY, 0);
		char buf[8] = { 0 };

		if (fd == -EAGAIN) {
			eagain++;
			continue;
		}
		if (fd < 0 || read(fd, buf, sizeof(buf) - 1) != 4 || strcmp(buf, "file"))
			wrong++;
		if (fd >= 0)
			close(fd);
	}
	atomic_store(&renaming, false);
	pthread_join(t, NULL);
	cr_expect_eq(eagain, 0, "%d of 3000 opens answered EAGAIN", eagain);
	cr_expect_eq(wrong, 0, "%d of 3000 opens failed or read the wrong file", wrong);
}
