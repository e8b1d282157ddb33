/* shim/task/events.c - the event publisher: queue + one sender thread + ttrpc client.
 *
 * containerd requires a non-zero envelope timestamp, a valid namespace and a bare type_url;
 * everything else about the envelope is fixed here.  An event that containerd refuses (a
 * status reply) is logged and dropped; a transport failure keeps it queued and retries.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "../log.h"
#include "../ttrpc/ttrpc.h"
#include "containerd/forward.pb-c.h"

#define FORWARD_TIMEOUT_NS (5ll * 1000 * 1000 * 1000)
#define MAX_ATTEMPTS 40 /* with the backoff below: about a minute of containerd downtime */

struct event {
	struct event *next;
	uint8_t *req;     /* serialized ForwardRequest */
	size_t len;
	char topic[48];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static pthread_cond_t drained = PTHREAD_COND_INITIALIZER;
static struct event *head, *tail;
static int busy;              /* the sender holds an event outside the queue */
static char *addr, *ns_name;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Deliver one event, redialling as needed.  Returns when delivered or given up. */
static void deliver(struct ttrpc_client **c, struct event *e)
{
	for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		char msg[256];
		int code;
		uint8_t *out;
		size_t out_len;

		if (!*c) {
			*c = ttrpc_client_dial(addr, msg, sizeof(msg));
			if (!*c) {
				if (attempt == 0)
					log_warn("publish %s: %s (retrying)", e->topic, msg);
				sleep_ms(attempt < 5 ? 100 << attempt : 2000);
				continue;
			}
		}
		if (ttrpc_client_call(*c, "containerd.services.events.ttrpc.v1.Events", "Forward",
				      e->req, e->len, FORWARD_TIMEOUT_NS,
				      "containerd-namespace-ttrpc", ns_name, &code, &out, &out_len,
				      msg, sizeof(msg))) {
			log_warn("publish %s: %s (reconnecting)", e->topic, msg);
			ttrpc_client_close(*c);
			*c = NULL;
			continue;
		}
		free(out);
		if (code != TTRPC_OK)
			log_error("containerd refused event %s: %s", e->topic, msg);
		else
			log_debug("published %s", e->topic);
		return;
	}
	log_error("dropping event %s: containerd unreachable at %s", e->topic, addr);
}

static void *sender(void *arg)
{
	struct ttrpc_client *c = NULL;

	(void)arg;
	for (;;) {
		struct event *e;

		pthread_mutex_lock(&lock);
		while (!head)
			pthread_cond_wait(&more, &lock);
		e = head;
		head = e->next;
		if (!head)
			tail = NULL;
		busy = 1;
		pthread_mutex_unlock(&lock);

		deliver(&c, e);
		free(e->req);
		free(e);

		pthread_mutex_lock(&lock);
		busy = 0;
		if (!head)
			pthread_cond_broadcast(&drained);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

/* Start the publisher thread (events.h). */
int events_start(const char *address, const char *ns)
{
	pthread_t t;

	if (!address || !*address) {
		log_warn("TTRPC_ADDRESS not set: task events will not reach containerd");
		return 0;
	}
	addr = strdup(address);
	ns_name = strdup(ns);
	if (!addr || !ns_name || pthread_create(&t, NULL, sender, NULL))
		return -1;
	pthread_detach(t);
	return 0;
}

/* Queue one event for containerd; never blocks on containerd. */
void events_publish(const char *topic, const ProtobufCMessage *msg)
{
	Containerd__Services__Events__Ttrpc__V1__ForwardRequest fr =
		CONTAINERD__SERVICES__EVENTS__TTRPC__V1__FORWARD_REQUEST__INIT;
	Containerd__Services__Events__Ttrpc__V1__Envelope env =
		CONTAINERD__SERVICES__EVENTS__TTRPC__V1__ENVELOPE__INIT;
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	struct timespec now;
	struct event *e;
	size_t n;

	if (!addr)
		return;
	e = calloc(1, sizeof(*e));
	if (!e)
		goto nomem;
	clock_gettime(CLOCK_REALTIME, &now);
	ts.seconds = now.tv_sec;
	ts.nanos = (int32_t)now.tv_nsec;
	n = protobuf_c_message_get_packed_size(msg);
	any.type_url = (char *)msg->descriptor->name;
	any.value.len = n;
	any.value.data = malloc(n ? n : 1);
	if (!any.value.data)
		goto nomem;
	protobuf_c_message_pack(msg, any.value.data);
	env.timestamp = &ts;
	env.namespace_ = (char *)ns_name;
	env.topic = (char *)topic;
	env.event = &any;
	fr.envelope = &env;
	e->len = containerd__services__events__ttrpc__v1__forward_request__get_packed_size(&fr);
	e->req = malloc(e->len);
	if (!e->req) {
		free(any.value.data);
		goto nomem;
	}
	containerd__services__events__ttrpc__v1__forward_request__pack(&fr, e->req);
	free(any.value.data);
	strncpy(e->topic, topic, sizeof(e->topic) - 1);

	pthread_mutex_lock(&lock);
	if (tail)
		tail->next = e;
	else
		head = e;
	tail = e;
	pthread_cond_signal(&more);
	pthread_mutex_unlock(&lock);
	return;
nomem:
	free(e);
	log_error("out of memory: event %s dropped", topic);
}

/* Wait (bounded) until every queued event was delivered or dropped. */
void events_flush(int timeout_ms)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&lock);
	while ((head || busy) && pthread_cond_timedwait(&drained, &lock, &dl) == 0)
		;
	pthread_mutex_unlock(&lock);
}
