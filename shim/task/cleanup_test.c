/* shim/task/cleanup_test.c - `shim delete` and the shim socket: a grouped daemon that still
 * answers keeps its socket; a dead one's is removed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "task.h"
#include "containerd/shim.pb-c.h"

static char dir[64], sock[128];

/* A bundle whose address file names dir/sock, and a socket bound there (listening or not). */
static int make_bundle(bool listening)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[160];
	FILE *f;
	int fd;

	strcpy(dir, "/tmp/cleanup_test.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("{\"process\":{\"args\":[\"/a.wasm\"]},\"root\":{\"path\":\"rootfs\"}}", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/address", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "unix://%s", sock);
	fclose(f);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listening)
		cr_assert_eq(listen(fd, 4), 0);
	return fd;
}

static void remove_bundle(void)
{
	char path[160];

	unlink(sock);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/address", dir);
	unlink(path);
	rmdir(dir);
}

static void cleanup_and_check_reply(void)
{
	Containerd__Task__V2__DeleteResponse *r;
	uint8_t *out = NULL;
	size_t len = 0;

	cr_assert_eq(task_cleanup_bundle(dir, &out, &len), 0);
	r = containerd__task__v2__delete_response__unpack(NULL, len, out);
	cr_assert_not_null(r);
	cr_assert_eq(r->exit_status, 137);
	containerd__task__v2__delete_response__free_unpacked(r, NULL);
	free(out);
}

TestSuite(cleanup, .fini = remove_bundle);

Test(cleanup, live_grouped_shim_keeps_its_socket)
{
	struct stat st;
	int fd = make_bundle(true);

	cleanup_and_check_reply();
	cr_assert_eq(stat(sock, &st), 0, "a socket a daemon still serves must stay");
	close(fd);
}

Test(cleanup, dead_shim_socket_is_removed)
{
	struct stat st;
	int fd = make_bundle(false); /* bound, nobody accepting: connect is refused */

	close(fd);
	cleanup_and_check_reply();
	cr_assert_neq(stat(sock, &st), 0, "a dead shim's socket must go");
}
