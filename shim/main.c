/* shim/main.c - containerd-shim-chibi-v1: the start / delete / serve entry points.
 *
 * containerd runs `BIN -namespace NS -address ADDR -publish-binary B -id ID [-debug] start`
 * (print the ttrpc address, leave a daemon serving it), `BIN ... -bundle DIR delete` (clean up,
 * print a DeleteResponse), and the daemon is our own `BIN -namespace NS -id ID -address ADDR`
 * with the listening socket on fd 3.  Tasks run in containerd-shim-chibi-v1-task (shim/runner.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "bootstrap.h"
#include "chibi.h"
#include "flags.h"
#include "log.h"
#include "task/spec.h"
#include "task/task.h"
#include "ttrpc/ttrpc.h"
#include "containerd/shim.pb-c.h"

#define LISTEN_FD 3

static void usage(void)
{
	fprintf(stderr,
		"usage: containerd-shim-chibi-v1 -namespace NS -id ID -address ADDR "
		"[-publish-binary BIN] [-bundle DIR] [-debug] [start|delete]\n"
		"  runs WebAssembly (WASI) containers for containerd (runtime io.containerd.chibi.v1)\n");
}

/* ---- start ------------------------------------------------------------------------------ */

/* FNV-1a: a short stable name per (containerd, namespace, group); not a security boundary,
 * the socket is 0600 root-only anyway. */
static uint64_t fnv1a(const char *s, uint64_t h)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/* unix socket path for this shim: beside containerd's socket in "s/", like Go shims use
 * /run/containerd/s, so a private containerd keeps its shims to itself.  group is the
 * container's shim group (spec_group), or its own id: the containers of one group share the
 * path, hence the daemon, as containerd-shim-runc-v2 does.  A group named like a container
 * id is that container's shim, which is what CRI wants (the sandbox's id is the pod's
 * group). */
static int socket_path(const struct shim_flags *f, const char *group, char *out, size_t len)
{
	char dir[PATH_MAX];
	const char *addr = f->address;
	const char *slash;
	uint64_t h = 0xcbf29ce484222325ull;

	if (strncmp(addr, "unix://", 7) == 0)
		addr += 7;
	h = fnv1a(addr, h);
	h = fnv1a("/", h);
	h = fnv1a(f->ns, h);
	h = fnv1a("/", h);
	h = fnv1a(group, h);
	slash = strrchr(addr, '/');
	if (slash && slash != addr)
		snprintf(dir, sizeof(dir), "%.*s/s", (int)(slash - addr), addr);
	else
		snprintf(dir, sizeof(dir), "/run/containerd/s");
	/* sun_path is 108 bytes; fall back to the conventional dir when ours is too deep. */
	if (strlen(dir) + 1 + 16 + 1 > sizeof(((struct sockaddr_un *)0)->sun_path))
		snprintf(dir, sizeof(dir), "/run/containerd/s");
	if (mkdir(dir, 0700) && errno != EEXIST) {
		char parent[PATH_MAX];

		snprintf(parent, sizeof(parent), "%s", dir);
		*strrchr(parent, '/') = 0;
		if (mkdir(parent, 0711) && errno != EEXIST)
			return -1;
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -1;
	}
	if (snprintf(out, len, "%s/%016llx", dir, (unsigned long long)h) >= (int)len)
		return -1;
	return 0;
}

static int write_address_file(const char *address)
{
	int fd = open(".address", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t n = strlen(address);
	int rc = -1;

	if (fd < 0)
		return -1;
	if (write(fd, address, n) == (ssize_t)n && fsync(fd) == 0)
		rc = rename(".address", "address");
	close(fd);
	return rc;
}

/* Fill a unix socket address; socket_path() already kept path short enough. */
static void set_path(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	if (n >= sizeof(sa->sun_path))
		n = sizeof(sa->sun_path) - 1;
	memcpy(sa->sun_path, path, n);
	sa->sun_path[n] = 0;
}

/* Is a daemon already serving path?  (start retried for the same task.) */
static int socket_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	set_path(&sa, path);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* containerd 2.3 says who we are in BootstrapParams on stdin, and wants the answer in kind
 * (bootstrap.h).  What the flags leave out comes from there, TTRPC_ADDRESS too (the daemon
 * inherits it for its events). */
static struct shim_bootstrap boot;

static int start_bootstrap(struct shim_flags *f)
{
	char err[256];

	if (shim_bootstrap_read(0, f->id, f->ns, &boot, err, sizeof(err))) {
		fprintf(stderr, "start: %s\n", err);
		return -1;
	}
	if (!boot.used)
		return 0;
	if (!f->id)
		f->id = boot.id;
	if (!f->ns)
		f->ns = boot.ns;
	if (!f->address)
		f->address = boot.grpc_address;
	if (!f->publish_binary)
		f->publish_binary = boot.containerd_binary;
	if (boot.debug)
		f->debug = shim_log_debug = 1;
	if (boot.ttrpc_address && !getenv("TTRPC_ADDRESS"))
		setenv("TTRPC_ADDRESS", boot.ttrpc_address, 1);
	return 0;
}

/* Tell the running daemon at address that task id is about to be created on it: a Connect
 * for an id it does not know yet holds off its exit (service.c) should its last task be
 * deleted before our containerd's Create arrives.  0, or -1 when it does not answer (it is
 * exiting: start another). */
static int announce_join(const char *address, const char *id)
{
	Containerd__Task__V2__ConnectRequest req = CONTAINERD__TASK__V2__CONNECT_REQUEST__INIT;
	struct ttrpc_client *c;
	uint8_t buf[512], *out = NULL;
	size_t out_len = 0, n;
	char msg[256];
	int code = -1, rc;

	req.id = (char *)id;
	n = containerd__task__v2__connect_request__get_packed_size(&req);
	if (n > sizeof(buf))
		return -1;
	containerd__task__v2__connect_request__pack(&req, buf);
	c = ttrpc_client_dial(address, msg, sizeof(msg));
	if (!c)
		return -1;
	rc = ttrpc_client_call(c, "containerd.task.v2.Task", "Connect", buf, n,
			       2000000000ll, JOIN_META_KEY, "1", &code, &out, &out_len, msg,
			       sizeof(msg));
	free(out);
	ttrpc_client_close(c);
	return rc == 0 && code == 0 ? 0 : -1;
}

/* Take the exclusive flock of the directory holding the socket path (closed = released; the
 * daemon does not inherit it: O_CLOEXEC, and start closes it before the fork).  -1 when it
 * cannot be had: start goes on unlocked, as it did before grouping. */
static int start_lock(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = 0;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* With -debug, start's steps go to containerd's log as the daemon's do (start's stdout and
 * stderr are the address containerd reads): the bundle's log fifo, which containerd opened
 * before running start, in start's working directory.  shim/tests/startpath.sh reads them. */
static void start_trace(const char *id)
{
	int fd = open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return;
	shim_log_fd = fd;
	log_debug("trace %s start", id ? id : "");
}

static int do_start(const struct shim_flags *f, char **argv)
{
	char path[PATH_MAX], address[PATH_MAX + 8], err[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *dargv[12], *group = NULL;
	int n = 0, fd, lock;
	pid_t pid;

	/* containerd runs start in the bundle; without a readable config.json (a bare start by
	 * hand) the container simply gets a shim of its own. */
	if (spec_group(f->bundle && *f->bundle ? f->bundle : ".", &group, err, sizeof(err)))
		group = NULL;
	if (socket_path(f, group ? group : f->id, path, sizeof(path))) {
		fprintf(stderr, "cannot make the socket directory for %s\n", path);
		free(group);
		return 1;
	}
	free(group);
	snprintf(address, sizeof(address), "unix://%s", path);
	/* Starts of one group may run at once (a pod's containers, parallel ctr runs): without a
	 * lock both would find no daemon, and the second's unlink + bind would orphan the first's
	 * daemon.  The socket directory's flock covers look-up to listen (a millisecond). */
	lock = start_lock(path);
	if (socket_alive(path) && announce_join(address, f->id) == 0) {
		/* The daemon of this task's group (or of this task, start retried) runs: hand
		 * containerd its address. */
		if (lock >= 0)
			close(lock);
		log_debug("trace %s joined", f->id);
		if (write_address_file(address))
			return 1;
		return shim_bootstrap_reply(stdout, &boot, address) ? 1 : 0;
	}
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	set_path(&sa, path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) ||
	    listen(fd, 64)) {
		fprintf(stderr, "listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (lock >= 0)
		close(lock); /* listening: a concurrent start now finds us */
	log_debug("trace %s listening", f->id);
	if (write_address_file(address)) {
		fprintf(stderr, "write address file: %s\n", strerror(errno));
		unlink(path);
		return 1;
	}
	dargv[n++] = argv[0];
	dargv[n++] = "-namespace";
	dargv[n++] = (char *)f->ns;
	dargv[n++] = "-id";
	dargv[n++] = (char *)f->id;
	dargv[n++] = "-address";
	dargv[n++] = (char *)f->address;
	if (f->publish_binary) {
		dargv[n++] = "-publish-binary";
		dargv[n++] = (char *)f->publish_binary;
	}
	if (f->debug)
		dargv[n++] = "-debug";
	dargv[n] = NULL;

	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fork: %s\n", strerror(errno));
		unlink(path);
		return 1;
	}
	if (pid == 0) {
		/* The daemon: own session, no tie to start's stdout (containerd reads that pipe
		 * to EOF), the socket on fd 3. */
		int null = open("/dev/null", O_RDWR);

		setsid();
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(1);
		/* dup2 onto itself would keep FD_CLOEXEC, so clear it explicitly then. */
		if (fd == LISTEN_FD ? fcntl(fd, F_SETFD, 0) : dup2(fd, LISTEN_FD) < 0)
			_exit(1);
		syscall(SYS_close_range, LISTEN_FD + 1u, ~0u, 0u);
#ifdef SHIM_PROFILING
		/* tools/link-order.sh runs the shim under valgrind, which follows an exec of the
		 * binary's path but not one of /proc/self/exe (the valgrind tool itself). */
		{
			static char self[PATH_MAX];
			ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

			if (len > 0) {
				self[len] = '\0';
				execv(self, dargv);
			}
		}
#endif
		execv("/proc/self/exe", dargv);
		_exit(127);
	}
	close(fd);
	log_debug("trace %s forked", f->id);
	return shim_bootstrap_reply(stdout, &boot, address) ? 1 : 0;
}

/* ---- delete ----------------------------------------------------------------------------- */

static int do_delete(const struct shim_flags *f)
{
	char cwd[PATH_MAX];
	const char *bundle = f->bundle;
	uint8_t *out = NULL;
	size_t len = 0;

	if (!bundle || !*bundle)
		bundle = getcwd(cwd, sizeof(cwd));
	if (!bundle) {
		fprintf(stderr, "no bundle\n");
		return 1;
	}
	task_cleanup_bundle(bundle, &out, &len);
	if (len && fwrite(out, 1, len, stdout) != len)
		return 1;
	free(out);
	return fflush(stdout) ? 1 : 0;
}

/* ---- daemon ----------------------------------------------------------------------------- */

static char listen_path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
static struct stat listen_stat; /* the socket file we serve, to tell it from a successor's */

/* Remove our socket file, unless a successor daemon of the same group already bound a new
 * one at the path (its start found us exiting). */
static void remove_socket(void)
{
	struct stat st;

	if (listen_path[0] && stat(listen_path, &st) == 0 && st.st_ino == listen_stat.st_ino &&
	    st.st_dev == listen_stat.st_dev)
		unlink(listen_path);
}

static int do_serve(const struct shim_flags *f)
{
	struct task_opts o = {
		.ns = f->ns, .id = f->id, .address = f->address,
		.ttrpc_address = getenv("TTRPC_ADDRESS"), .on_exit = remove_socket,
	};
	struct sockaddr_un sa;
	socklen_t salen = sizeof(sa);
	int logfd;

	/* One malloc arena for all threads: glibc gives each thread that allocates its own
	 * (the ttrpc connection thread, the event sender, the reaper), each a 132 KiB heap of
	 * which 4-48 KiB stayed resident per shim; the daemon's threads are never busy at once
	 * (docs/RATIONALE.md, memory per task). */
	mallopt(M_ARENA_MAX, 1);

	/* containerd opened bundle/log for reading and copies it into its own log.  Non-blocking:
	 * a log line is worth less than a stalled shim when nobody reads. */
	logfd = open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (logfd >= 0) {
		dup2(logfd, 2);
		close(logfd);
	}
	signal(SIGPIPE, SIG_IGN);
	if (fcntl(LISTEN_FD, F_SETFD, FD_CLOEXEC) ||
	    getsockname(LISTEN_FD, (struct sockaddr *)&sa, &salen)) {
		log_error("fd %d is not the listening socket: %s", LISTEN_FD, strerror(errno));
		return 1;
	}
	if (sa.sun_path[0] && stat(sa.sun_path, &listen_stat) == 0)
		snprintf(listen_path, sizeof(listen_path), "%s", sa.sun_path);
	if (task_service_init(&o))
		return 1;
	log_info("chibi shim %s serving %s/%s on %s", CHIBI_VERSION, f->ns, f->id, listen_path);
	log_debug("trace %s serving", f->id);
	ttrpc_serve(task_service_table(), LISTEN_FD);
	log_error("accept: %s", strerror(errno));
	return 1;
}

/* Dispatch: start, delete, or the daemon.  Returns the process exit status. */
int main(int argc, char **argv)
{
	struct shim_flags f;

	if (shim_parse_flags(argc, argv, &f)) {
		usage();
		return 2;
	}
	if (f.version) {
		printf("containerd-shim-chibi-v1 %s\n", CHIBI_VERSION);
		return 0;
	}
	shim_log_debug = f.debug;
	/* (containerd 2.3 says -debug in the bootstrap parameters: traced from there) */
	if (f.action && strcmp(f.action, "start") == 0 && shim_log_debug)
		start_trace(f.id);
	if (f.action && strcmp(f.action, "start") == 0 && start_bootstrap(&f))
		return 1;
	if (f.action && strcmp(f.action, "start") == 0 && shim_log_debug) {
		if (shim_log_fd == 2)
			start_trace(f.id);
		log_debug("trace %s bootstrap", f.id ? f.id : "");
	}
	if (!f.ns || !*f.ns) {
		fprintf(stderr, "shim namespace cannot be empty\n");
		return 1;
	}
	if (f.action && strcmp(f.action, "start") == 0) {
		if (!f.id || !f.address) {
			fprintf(stderr, "start needs -id and -address\n");
			return 1;
		}
		return do_start(&f, argv);
	}
	if (f.action && strcmp(f.action, "delete") == 0)
		return do_delete(&f);
	if (f.action) {
		fprintf(stderr, "unknown action %s\n", f.action);
		usage();
		return 2;
	}
	if (!f.id)
		f.id = "";
	return do_serve(&f);
}
