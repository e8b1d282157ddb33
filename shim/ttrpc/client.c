/* shim/ttrpc/client.c - a minimal synchronous ttrpc client.
 *
 * Used to publish events to containerd (Events/Forward on $TTRPC_ADDRESS) and by tests.  One
 * call in flight per client: the shim publishes from a single thread, so multiplexing would
 * buy nothing.  Responses for other stream ids (never expected) are skipped.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ttrpc.h"
#include "ttrpc.pb-c.h"

struct ttrpc_client {
	int fd;
	uint32_t next_id;
	pthread_mutex_t lock;
};

/* Connect a client; NULL with err filled on failure (ttrpc.h). */
struct ttrpc_client *ttrpc_client_dial(const char *address, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	socklen_t salen;
	struct ttrpc_client *c;
	int fd;

	if (ttrpc_addr_parse(address, &sa, &salen)) {
		snprintf(err, errlen, "bad ttrpc address %s: %s", address ? address : "(null)",
			 strerror(errno));
		return NULL;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	if (connect(fd, (struct sockaddr *)&sa, salen)) {
		snprintf(err, errlen, "connect %s: %s", address, strerror(errno));
		close(fd);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	c->fd = fd;
	c->next_id = 1;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

/* Close and free a client; NULL is a no-op. */
void ttrpc_client_close(struct ttrpc_client *c)
{
	if (!c)
		return;
	close(c->fd);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is readable or the deadline (ms, monotonic; <0 = none) passes. */
static int wait_readable(int fd, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int timeout = -1, r;

		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			timeout = left > 60000 ? 60000 : (int)left;
		}
		r = poll(&p, 1, timeout);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int call_locked(struct ttrpc_client *c, const char *service, const char *method,
		       const uint8_t *req, size_t len, int64_t timeout_nano,
		       const char *meta_key, const char *meta_val, int *out_code,
		       uint8_t **out, size_t *out_len, char *msg, size_t msglen)
{
	Ttrpc__Request r = TTRPC__REQUEST__INIT;
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	Ttrpc__KeyValue *kvs[1] = { &kv };
	uint32_t id = c->next_id;
	int64_t deadline = timeout_nano > 0 ? now_ms() + timeout_nano / 1000000 : -1;
	uint8_t *buf;
	size_t n;

	c->next_id += 2;
	r.service = (char *)service;
	r.method = (char *)method;
	r.payload.data = (uint8_t *)req;
	r.payload.len = len;
	r.timeout_nano = timeout_nano;
	if (meta_key) {
		kv.key = (char *)meta_key;
		kv.value = (char *)(meta_val ? meta_val : "");
		r.n_metadata = 1;
		r.metadata = kvs;
	}
	n = ttrpc__request__get_packed_size(&r);
	buf = malloc(n ? n : 1);
	if (!buf) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	ttrpc__request__pack(&r, buf);
	if (ttrpc_write_frame(c->fd, id, TTRPC_REQUEST, buf, n)) {
		snprintf(msg, msglen, "write: %s", strerror(errno));
		free(buf);
		return -1;
	}
	free(buf);
	for (;;) {
		struct ttrpc_hdr h;
		uint8_t *p;
		enum ttrpc_rd rd;
		Ttrpc__Response *resp;

		if (wait_readable(c->fd, deadline)) {
			snprintf(msg, msglen, "waiting for response: %s", strerror(errno));
			return -1;
		}
		rd = ttrpc_read_frame(c->fd, &h, &p);
		if (rd == TTRPC_RD_TOOBIG && h.stream_id == id) {
			snprintf(msg, msglen, "response too large");
			return -1;
		}
		if (rd == TTRPC_RD_TOOBIG)
			continue;
		if (rd != TTRPC_RD_OK) {
			snprintf(msg, msglen, "connection closed");
			return -1;
		}
		if (h.type != TTRPC_RESPONSE || h.stream_id != id) {
			free(p);
			continue;
		}
		resp = ttrpc__response__unpack(NULL, h.length, p);
		free(p);
		if (!resp) {
			snprintf(msg, msglen, "malformed ttrpc.Response");
			return -1;
		}
		*out = NULL;
		*out_len = 0;
		*out_code = resp->status ? resp->status->code : TTRPC_OK;
		if (msglen)
			msg[0] = 0;
		if (resp->status && resp->status->message)
			snprintf(msg, msglen, "%s", resp->status->message);
		if (*out_code == TTRPC_OK && resp->payload.len) {
			*out = malloc(resp->payload.len);
			if (!*out) {
				ttrpc__response__free_unpacked(resp, NULL);
				snprintf(msg, msglen, "out of memory");
				return -1;
			}
			memcpy(*out, resp->payload.data, resp->payload.len);
			*out_len = resp->payload.len;
		}
		ttrpc__response__free_unpacked(resp, NULL);
		return 0;
	}
}

/* One call, serialized per client; 0 when a response arrived, -1 on transport failure (ttrpc.h). */
int ttrpc_client_call(struct ttrpc_client *c, const char *service, const char *method,
		      const uint8_t *req, size_t len, int64_t timeout_nano,
		      const char *meta_key, const char *meta_val,
		      int *out_code, uint8_t **out, size_t *out_len, char *msg, size_t msglen)
{
	int r;

	pthread_mutex_lock(&c->lock);
	r = call_locked(c, service, method, req, len, timeout_nano, meta_key, meta_val,
			out_code, out, out_len, msg, msglen);
	pthread_mutex_unlock(&c->lock);
	return r;
}
