/* shim/task/cleanup.c - `containerd-shim-chibi-v1 delete`: clean up after a shim that is gone.
 *
 * containerd runs this after every shim disconnect, including clean ones, so everything here
 * is idempotent and checks before it acts: the pid in init.pid is only signalled if it is
 * still our task child (a recycled pid belongs to someone else).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "rootfs.h"
#include "spec.h"
#include "task.h"
#include "containerd/shim.pb-c.h"

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = 0;
	return (int)r;
}

/* True if pid runs `containerd-shim-chibi-v1-task __chibi_task ...` (cmdline is NUL-separated). */
static int is_task_child(pid_t pid)
{
	char path[64], buf[256];
	int n;
	const char *arg1;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_small(path, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	arg1 = memchr(buf, 0, (size_t)n);
	return arg1 && arg1 + 1 < buf + n && strcmp(arg1 + 1, TASK_CHILD_ARG) == 0;
}

/* Gone or a zombie (dead, waiting for whoever inherited it to reap it). */
static int is_dead(pid_t pid)
{
	char path[64], buf[512], *rp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return 1;
	rp = strrchr(buf, ')');
	return !rp || rp[1] == 0 || rp[2] == 'Z' || rp[2] == 'X';
}

/* Does a daemon accept connections on the unix socket path? */
static int socket_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ok;

	if (strlen(path) >= sizeof(sa.sun_path))
		return 0;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };

	nanosleep(&ts, NULL);
}

/* `shim delete`: best-effort, idempotent cleanup of bundle; always 0 (task.h). */
int task_cleanup_bundle(const char *bundle, uint8_t **out, size_t *out_len)
{
	Containerd__Task__V2__DeleteResponse resp = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	struct task_spec spec;
	struct cgroup *cg = NULL;
	char path[PATH_MAX], buf[256], err[256];
	struct timespec now;
	pid_t pid = 0;
	int have_spec;

	have_spec = spec_load(bundle, &spec, err, sizeof(err)) == 0;
	snprintf(path, sizeof(path), "%s/init.pid", bundle);
	if (read_small(path, buf, sizeof(buf)) > 0)
		pid = (pid_t)atoi(buf);
	if (pid > 0 && is_task_child(pid)) {
		kill(pid, SIGKILL);
		for (int i = 0; i < 100 && !is_dead(pid); i++)
			sleep_ms(10);
	}
	if (have_spec && spec.cgroups_path)
		cg = cg_open(spec.cgroups_path, false, err, sizeof(err));
	if (cg) {
		/* A thawed group lets SIGKILL land; then wait for the members to leave. */
		(void)cg_freeze(cg, false, err, sizeof(err));
		for (int i = 0; i < 100 && cg_kill_all(cg, SIGKILL) > 0; i++)
			sleep_ms(10);
		if (cg_destroy(cg))
			fprintf(stderr, "cgroup %s not fully removed\n", spec.cgroups_path);
	}
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	rootfs_unmount(have_spec ? spec.root : path);
	snprintf(path, sizeof(path), "%s/address", bundle);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		const char *sock = strncmp(buf, "unix://", 7) == 0 ? buf + 7 : buf;

		/* With grouping, the daemon at this address may still serve other containers
		 * of the pod: remove the socket only when nobody answers on it. */
		if (sock[0] == '/' && !socket_alive(sock))
			unlink(sock);
	}
	if (have_spec)
		spec_free(&spec);

	clock_gettime(CLOCK_REALTIME, &now);
	ts.seconds = now.tv_sec;
	ts.nanos = (int32_t)now.tv_nsec;
	resp.pid = (uint32_t)(pid > 0 ? pid : 0);
	resp.exit_status = 128 + SIGKILL;
	resp.exited_at = &ts;
	*out_len = containerd__task__v2__delete_response__get_packed_size(&resp);
	*out = malloc(*out_len);
	if (!*out) {
		*out_len = 0; /* an empty reply also parses, as a zero DeleteResponse */
		return 0;
	}
	containerd__task__v2__delete_response__pack(&resp, *out);
	return 0;
}
