/* shim/task/service_test.c - when the daemon exits: never with a reply unwritten, and a failed
 * first Create does not end it before containerd's Shutdown.
 *
 * Each test runs the real Task service over a socketpair, in Criterion's process of its own,
 * and ends when the daemon exits (exit_now's _exit(0)); the on_exit hook checks, at that moment,
 * what the client has received.  The first Create of these daemons fails at once (its bundle
 * asks for a bind mount of a missing file), as the e2e test "missing mount source is a clean
 * create error" does, which 1 run in 5 answered "ttrpc: closed" (shim/tests/createfail.sh).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "task.h"
#include "../ttrpc/ttrpc.h"
#include "containerd/shim.pb-c.h"
#include "ttrpc.pb-c.h"

#define CREATE_STREAM 1001u /* after the stallers' 1, 3, ... 511 */
#define SHUTDOWN_STREAM 1003u
#define STALLERS 256 /* unread replies ahead of the Create's: more than a send buffer holds */

static int client_fd = -1;
static char bundle[64];

/* What the client has received so far (rx_drain). */
static pthread_mutex_t rx_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t rx[1 << 16];
static size_t rx_len;
static int replies;
static bool got_create;
static char create_error[512];
static atomic_bool shutdown_sent;

/* Read what has arrived (never blocks) and take complete frames off the buffer; the reply
 * on CREATE_STREAM is kept.  The test thread and the on_exit hook both call it. */
static void rx_drain(void)
{
	pthread_mutex_lock(&rx_lock);
	for (;;) {
		ssize_t n = recv(client_fd, rx + rx_len, sizeof(rx) - rx_len, MSG_DONTWAIT);

		if (n <= 0)
			break;
		rx_len += (size_t)n;
	}
	while (rx_len >= TTRPC_HDR_LEN) {
		struct ttrpc_hdr h;
		size_t whole;

		ttrpc_hdr_unpack(rx, &h);
		whole = TTRPC_HDR_LEN + h.length;
		if (rx_len < whole)
			break;
		replies++;
		if (h.stream_id == CREATE_STREAM) {
			Ttrpc__Response *r = ttrpc__response__unpack(NULL, h.length,
								      rx + TTRPC_HDR_LEN);

			got_create = true;
			if (r && r->status && r->status->message)
				snprintf(create_error, sizeof(create_error), "%s", r->status->message);
			ttrpc__response__free_unpacked(r, NULL);
		}
		memmove(rx, rx + whole, rx_len - whole);
		rx_len -= whole;
	}
	pthread_mutex_unlock(&rx_lock);
}

/* A ttrpc request frame for Task.method on stream id. */
static void send_call(uint32_t id, const char *method, const ProtobufCMessage *m)
{
	Ttrpc__Request r = TTRPC__REQUEST__INIT;
	uint8_t body[1024], frame[2048];
	size_t n;

	r.service = "containerd.task.v2.Task";
	r.method = (char *)method;
	r.payload.len = protobuf_c_message_pack(m, body);
	r.payload.data = body;
	n = ttrpc__request__get_packed_size(&r);
	cr_assert_lt(n, sizeof(body));
	ttrpc__request__pack(&r, frame);
	cr_assert_eq(ttrpc_write_frame(client_fd, id, TTRPC_REQUEST, frame, n), 0);
}

static void send_create(void)
{
	Containerd__Task__V2__CreateTaskRequest req =
		CONTAINERD__TASK__V2__CREATE_TASK_REQUEST__INIT;

	req.id = "t1";
	req.bundle = bundle;
	req.stdin = req.stdout = req.stderr = "";
	send_call(CREATE_STREAM, "Create", &req.base);
}

/* The daemon is exiting: the failed Create must have been answered with its own error. */
static void check_create_answered(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	unlink(path);
	rmdir(bundle);
	rx_drain();
	if (!got_create) {
		fprintf(stderr, "the daemon exited with the Create reply unwritten (%d replies in)\n",
			replies);
		_exit(3);
	}
	if (!strstr(create_error, "mount source")) {
		fprintf(stderr, "Create answered \"%s\", not the mount error\n", create_error);
		_exit(4);
	}
}

static void *serve(void *arg)
{
	ttrpc_serve_conn(task_service_table(), (int)(intptr_t)arg);
	return NULL;
}

/* A bundle whose Create fails (a missing bind mount source), a daemon for its task t1 whose
 * first Create may take grace_ms, and the client's end of its connection in client_fd.
 * small_buffers makes the daemon's replies stall until the client reads. */
static void daemon_up(const char *grace_ms, bool small_buffers, void (*on_exit)(void))
{
	struct task_opts o = { .ns = "test", .id = "t1", .on_exit = on_exit };
	char path[128];
	pthread_t th;
	int sv[2], one = 1;
	FILE *f;

	/* Each of these tests fails by hanging: SIGALRM ends it as a crash after 20 s.  Not
	 * Criterion's .timeout, whose watchdog thread can deadlock Criterion 2.4.1's runner
	 * ("Criterion's timeouts" in docs/RATIONALE.md). */
	alarm(20);
	strcpy(bundle, "/tmp/service_test.XXXXXX");
	cr_assert_not_null(mkdtemp(bundle));
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "{\"process\":{\"args\":[\"/a.wasm\"]},\"root\":{\"path\":\"rootfs\"},"
		"\"mounts\":[{\"destination\":\"/etc/x\",\"type\":\"bind\","
		"\"source\":\"%s/missing\",\"options\":[\"rbind\",\"ro\"]}]}", bundle);
	fclose(f);
	cr_assert_eq(setenv("CHIBI_SHIM_CREATE_WAIT_MS", grace_ms, 1), 0);
	cr_assert_eq(task_service_init(&o), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	/* The kernel's smallest send buffer holds a handful of replies: the rest of the
	 * daemon's writers then block until the client reads. */
	if (small_buffers)
		cr_assert_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one)), 0);
	client_fd = sv[1];
	cr_assert_eq(pthread_create(&th, NULL, serve, (void *)(intptr_t)sv[0]), 0);
	pthread_detach(th);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The client reads everything the daemon sends, until the daemon exits (the test ends). */
static void read_until_exit(void)
{
	for (;;) {
		struct pollfd p = { .fd = client_fd, .events = POLLIN };

		poll(&p, 1, 100);
		rx_drain();
	}
}

/* Wait until the daemon's replies stop coming with some still unsent (the send buffer is full
 * and its other writers block): 500 ms without a new byte. */
static int wait_stalled(void)
{
	int queued = -1, same = 0;

	while (same < 10) {
		int n = 0;

		sleep_ms(50);
		cr_assert_eq(ioctl(client_fd, FIONREAD, &n), 0);
		same = n > 0 && n == queued ? same + 1 : 0;
		queued = n;
	}
	return queued;
}

/* The race itself, made certain: the Create's reply is held up behind unread replies (as a
 * worker thread not yet scheduled holds it up on a busy machine) while the first Create's
 * wait runs out.  The daemon used to exit right there, the Create's error never sent; now it
 * exits once every reply is out. */
Test(service, no_exit_with_a_reply_unwritten, .exit_code = 0)
{
	Containerd__Task__V2__StateRequest st = CONTAINERD__TASK__V2__STATE_REQUEST__INIT;
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	daemon_up("1500", true, check_create_answered);
	st.id = "nobody";
	for (uint32_t i = 0; i < STALLERS; i++)
		send_call(2 * i + 1, "State", &st.base);
	/* Each NotFound reply is more than 20 bytes: fewer queued means writers block. */
	cr_assert_lt(wait_stalled(), STALLERS * 20, "the daemon's replies did not stall");
	send_create();
	clock_gettime(CLOCK_MONOTONIC, &now);
	cr_assert_lt(now.tv_sec - t0.tv_sec, 2, "too slow to test the race: the Create came "
		     "after the daemon's wait for it");
	/* Well past the 1.5 s, with the replies still unread.  (Scheduled later than that, the
	 * daemon's wait merely ends after the reads below: the test passes without having
	 * tested the race, and never fails for it.) */
	sleep_ms(3000 - (now.tv_sec - t0.tv_sec) * 1000 - (now.tv_nsec - t0.tv_nsec) / 1000000);
	read_until_exit();
}

/* The first Create came and failed: containerd sends Delete and Shutdown next, and the daemon
 * stays up for them (the failed Create keeps its container's join until the Shutdown for its
 * id).  The thread that ends a daemon whose first Create never comes used to look as soon as
 * it first ran, which on a busy machine could be after the Create, and saw nothing left. */
static void check_exit_after_shutdown(void)
{
	check_create_answered();
	if (!atomic_load(&shutdown_sent)) {
		fprintf(stderr, "the daemon exited after the failed Create, before Shutdown\n");
		_exit(5);
	}
}

Test(service, failed_first_create_waits_for_shutdown, .exit_code = 0)
{
	Containerd__Task__V2__ShutdownRequest sd = CONTAINERD__TASK__V2__SHUTDOWN_REQUEST__INIT;

	daemon_up("2000", false, check_exit_after_shutdown);
	send_create();
	while (!got_create) {
		struct pollfd p = { .fd = client_fd, .events = POLLIN };

		poll(&p, 1, 100);
		rx_drain();
	}
	cr_assert(strstr(create_error, "mount source"), "Create answered: %s", create_error);
	sleep_ms(300);
	atomic_store(&shutdown_sent, true);
	sd.id = "t1";
	send_call(SHUTDOWN_STREAM, "Shutdown", &sd.base);
	read_until_exit();
}

/* containerd restarted after `shim start` (or after a Delete, before its Shutdown) and
 * reloads the container: its Connect, for an id the daemon does not have and with no
 * announcement of `shim start`, means no Create and no Shutdown will come.  The daemon leaves
 * within seconds (not after the 60 s wait for a first Create), its reply out first. */
static atomic_bool connected;

static void check_connect_answered(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	unlink(path);
	rmdir(bundle);
	rx_drain();
	if (!atomic_load(&connected) || replies != 1) {
		fprintf(stderr, "the daemon exited before its Connect reply (%d replies in)\n",
			replies);
		_exit(3);
	}
}

Test(service, containerd_reconnecting_to_a_container_never_created, .exit_code = 0)
{
	Containerd__Task__V2__ConnectRequest c = CONTAINERD__TASK__V2__CONNECT_REQUEST__INIT;

	daemon_up("60000", false, check_connect_answered);
	atomic_store(&connected, true);
	c.id = "t1";
	send_call(1, "Connect", &c.base);
	read_until_exit(); /* daemon_up's 20 s alarm fails the test if the daemon stays */
}
