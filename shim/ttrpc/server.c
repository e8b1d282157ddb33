/* shim/ttrpc/server.c - the ttrpc server: accept loop, a reader per connection, a worker per
 * request.
 *
 * Threads rather than an event loop because handlers block (Wait until the task exits, Delete
 * until it is reaped) and the request rate of a shim is a few calls per second.  A connection
 * is reference-counted: the reader holds one reference, each in-flight request another, so
 * replies to a client that already hung up are dropped without touching freed memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ttrpc.h"

struct conn {
	int fd;
	const struct ttrpc_table *table;
	pthread_mutex_t wlock; /* one frame at a time on the wire */
	pthread_mutex_t rlock; /* guards refs */
	int refs;
};

struct job {
	struct conn *c;
	uint32_t stream_id;
	uint8_t *payload;
	size_t len;
};

static void conn_put(struct conn *c)
{
	int last;

	pthread_mutex_lock(&c->rlock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->rlock);
	if (!last)
		return;
	close(c->fd);
	pthread_mutex_destroy(&c->wlock);
	pthread_mutex_destroy(&c->rlock);
	free(c);
}

static void conn_get(struct conn *c)
{
	pthread_mutex_lock(&c->rlock);
	c->refs++;
	pthread_mutex_unlock(&c->rlock);
}

/* Send reply on stream_id.  Failures mean the peer left; nothing else to do about them. */
static void send_reply(struct conn *c, uint32_t stream_id, const struct ttrpc_reply *reply)
{
	uint8_t *buf;
	size_t len;
	struct ttrpc_reply oom = { .code = TTRPC_RESOURCE_EXHAUSTED };

	if (ttrpc_response_pack(reply, &buf, &len)) {
		strcpy(oom.message, "out of memory encoding the response");
		if (ttrpc_response_pack(&oom, &buf, &len))
			return;
	}
	pthread_mutex_lock(&c->wlock);
	(void)ttrpc_write_frame(c->fd, stream_id, TTRPC_RESPONSE, buf, len);
	pthread_mutex_unlock(&c->wlock);
	free(buf);
}

static void send_status(struct conn *c, uint32_t stream_id, int code, const char *msg)
{
	struct ttrpc_reply r = { .code = code };

	strncpy(r.message, msg, sizeof(r.message) - 1);
	send_reply(c, stream_id, &r);
}

static void *worker(void *arg)
{
	struct job *j = arg;
	const struct ttrpc_table *t = j->c->table;
	struct ttrpc_reply reply;

	if (t->request_begin)
		t->request_begin(t->ctx);
	ttrpc_dispatch(t, j->payload, j->len, &reply);
	send_reply(j->c, j->stream_id, &reply);
	ttrpc_reply_release(&reply);
	if (t->request_end)
		t->request_end(t->ctx);
	if (reply.after)
		reply.after(reply.after_arg);
	free(j->payload);
	conn_put(j->c);
	free(j);
	return NULL;
}

/* Run fn(arg) on a new detached thread with a small stack.  Returns 0 or an errno. */
static int spawn(void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	pthread_t t;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	err = pthread_create(&t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return err;
}

static void handle_frame(struct conn *c, const struct ttrpc_hdr *h, uint8_t *payload)
{
	struct job *j;

	if (h->type != TTRPC_REQUEST) {
		/* Go's server ignores other types for forward compatibility. */
		free(payload);
		return;
	}
	if (h->stream_id % 2 != 1) {
		free(payload);
		send_status(c, h->stream_id, TTRPC_INVALID_ARGUMENT,
			    "StreamID must be odd for client initiated streams");
		return;
	}
	j = malloc(sizeof(*j));
	if (!j) {
		free(payload);
		send_status(c, h->stream_id, TTRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	*j = (struct job){ .c = c, .stream_id = h->stream_id, .payload = payload,
			   .len = h->length };
	conn_get(c);
	if (spawn(worker, j)) {
		conn_put(c);
		free(payload);
		free(j);
		send_status(c, h->stream_id, TTRPC_RESOURCE_EXHAUSTED, "cannot start a thread");
	}
}

static void conn_loop(struct conn *c)
{
	for (;;) {
		struct ttrpc_hdr h;
		uint8_t *payload;
		enum ttrpc_rd rd = ttrpc_read_frame(c->fd, &h, &payload);

		if (rd == TTRPC_RD_TOOBIG) {
			send_status(c, h.stream_id, TTRPC_RESOURCE_EXHAUSTED,
				    "message length exceeds maximum message size of 4194304");
			continue;
		}
		if (rd != TTRPC_RD_OK)
			break;
		handle_frame(c, &h, payload);
	}
	/* Wake nothing: in-flight workers finish and their replies fail harmlessly.  Shut the
	 * read side so the peer sees the close even while workers still hold the fd. */
	shutdown(c->fd, SHUT_RD);
	conn_put(c);
}

static struct conn *conn_new(const struct ttrpc_table *table, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->table = table;
	c->refs = 1;
	pthread_mutex_init(&c->wlock, NULL);
	pthread_mutex_init(&c->rlock, NULL);
	return c;
}

/* Serve one connected socket until it closes; takes fd. */
void ttrpc_serve_conn(const struct ttrpc_table *table, int fd)
{
	struct conn *c = conn_new(table, fd);

	if (!c) {
		close(fd);
		return;
	}
	conn_loop(c);
}

static void *reader(void *arg)
{
	conn_loop(arg);
	return NULL;
}

/* Only the shim's own uid (root for containerd) may talk to it, as Go shims enforce. */
static int peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return 0;
	return cred.uid == geteuid();
}

/* Accept loop; returns -1 only on a fatal accept error (ttrpc.h). */
int ttrpc_serve(const struct ttrpc_table *table, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0) {
			/* Transient: signals, aborted handshakes, fd/memory pressure. */
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				if (errno != EINTR && errno != ECONNABORTED)
					usleep(100 * 1000);
				continue;
			}
			return -1;
		}
		if (!peer_allowed(fd)) {
			close(fd);
			continue;
		}
		c = conn_new(table, fd);
		if (!c) {
			close(fd);
			continue;
		}
		if (spawn(reader, c))
			conn_put(c);
	}
}
