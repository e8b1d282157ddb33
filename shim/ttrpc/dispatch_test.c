/* shim/ttrpc/dispatch_test.c - envelopes and dispatch (unknown service/method, malformed
 * input, metadata), the server over a socket pair (out-of-order replies while a call blocks,
 * survival of garbage), and protobuf round trips of the shim's messages.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ttrpc.h"
#include "ttrpc.pb-c.h"
#include "containerd/events.pb-c.h"
#include "containerd/shim.pb-c.h"

static sem_t release;

static void h_echo(void *ctx, const struct ttrpc_call *c, struct ttrpc_reply *r)
{
	(void)ctx;
	r->payload = malloc(c->len + 1);
	memcpy(r->payload, c->payload, c->len);
	r->len = c->len;
}

static void h_fail(void *ctx, const struct ttrpc_call *c, struct ttrpc_reply *r)
{
	(void)ctx;
	(void)c;
	r->payload = malloc(4); /* dropped by the transport because the call failed */
	r->len = 4;
	ttrpc_reply_error(r, TTRPC_NOT_FOUND, "thing %d: not found", 42);
}

static void h_meta(void *ctx, const struct ttrpc_call *c, struct ttrpc_reply *r)
{
	const char *ns = ttrpc_call_meta(c, "containerd-namespace-ttrpc");

	(void)ctx;
	r->payload = (uint8_t *)strdup(ns ? ns : "-");
	r->len = strlen((char *)r->payload);
}

static void h_block(void *ctx, const struct ttrpc_call *c, struct ttrpc_reply *r)
{
	(void)ctx;
	(void)c;
	(void)r;
	sem_wait(&release);
}

static const struct ttrpc_method methods[] = {
	{ "test.S", "Echo", h_echo },
	{ "test.S", "Fail", h_fail },
	{ "test.S", "Meta", h_meta },
	{ "test.S", "Block", h_block },
};
static const struct ttrpc_table table = { .methods = methods, .n = 4 };

static size_t request(const char *svc, const char *m, const char *payload, uint8_t **out)
{
	Ttrpc__Request r = TTRPC__REQUEST__INIT;
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	Ttrpc__KeyValue *kvs[1] = { &kv };
	size_t n;

	r.service = (char *)svc;
	r.method = (char *)m;
	r.payload.data = (uint8_t *)payload;
	r.payload.len = payload ? strlen(payload) : 0;
	kv.key = "containerd-namespace-ttrpc";
	kv.value = "ns1";
	r.metadata = kvs;
	r.n_metadata = 1;
	n = ttrpc__request__get_packed_size(&r);
	*out = malloc(n);
	ttrpc__request__pack(&r, *out);
	return n;
}

static Ttrpc__Response *roundtrip(const char *svc, const char *m, const char *payload)
{
	struct ttrpc_reply reply;
	uint8_t *req, *resp;
	size_t n = request(svc, m, payload, &req), rn;
	Ttrpc__Response *r;

	ttrpc_dispatch(&table, req, n, &reply);
	cr_assert_eq(ttrpc_response_pack(&reply, &resp, &rn), 0);
	ttrpc_reply_release(&reply);
	r = ttrpc__response__unpack(NULL, rn, resp);
	cr_assert_not_null(r);
	free(req);
	free(resp);
	return r;
}

Test(ttrpc_dispatch, ok_has_no_status)
{
	Ttrpc__Response *r = roundtrip("test.S", "Echo", "abc");

	cr_assert_null(r->status);
	cr_assert_eq(r->payload.len, 3);
	cr_assert_arr_eq(r->payload.data, "abc", 3);
	ttrpc__response__free_unpacked(r, NULL);
}

Test(ttrpc_dispatch, empty_ok_packs_to_nothing)
{
	struct ttrpc_reply reply = { 0 };
	uint8_t *out;
	size_t n;

	cr_assert_eq(ttrpc_response_pack(&reply, &out, &n), 0);
	cr_assert_eq(n, 0);
}

Test(ttrpc_dispatch, error_has_status_and_no_payload)
{
	Ttrpc__Response *r = roundtrip("test.S", "Fail", NULL);

	cr_assert_not_null(r->status);
	cr_assert_eq(r->status->code, TTRPC_NOT_FOUND);
	cr_assert_str_eq(r->status->message, "thing 42: not found");
	cr_assert_eq(r->payload.len, 0);
	ttrpc__response__free_unpacked(r, NULL);
}

Test(ttrpc_dispatch, unknown_service_and_method_as_go_words_them)
{
	Ttrpc__Response *r = roundtrip("other.S", "Echo", NULL);

	cr_assert_eq(r->status->code, TTRPC_UNIMPLEMENTED);
	cr_assert_str_eq(r->status->message, "service other.S");
	ttrpc__response__free_unpacked(r, NULL);
	r = roundtrip("test.S", "Nope", NULL);
	cr_assert_eq(r->status->code, TTRPC_UNIMPLEMENTED);
	cr_assert_str_eq(r->status->message, "method Nope");
	ttrpc__response__free_unpacked(r, NULL);
}

Test(ttrpc_dispatch, metadata_reaches_the_handler)
{
	Ttrpc__Response *r = roundtrip("test.S", "Meta", NULL);

	cr_assert_eq(r->payload.len, 3);
	cr_assert_arr_eq(r->payload.data, "ns1", 3);
	ttrpc__response__free_unpacked(r, NULL);
}

Test(ttrpc_dispatch, malformed_envelopes_are_invalid_argument)
{
	/* Table of hostile inputs: truncated varint, bad wire type, length past the end. */
	static const struct { const char *what; uint8_t bytes[8]; size_t n; } rows[] = {
		{ "truncated varint", { 0x0a, 0xff }, 2 },
		{ "length past end", { 0x0a, 0x7f, 'a' }, 3 },
		{ "wire type 7", { 0x0f, 0x00 }, 2 },
		{ "field 0", { 0x00, 0x01 }, 2 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ttrpc_reply reply;

		ttrpc_dispatch(&table, rows[i].bytes, rows[i].n, &reply);
		cr_expect_eq(reply.code, TTRPC_INVALID_ARGUMENT, "%s", rows[i].what);
		ttrpc_reply_release(&reply);
	}
}

Test(ttrpc_dispatch, empty_request_is_an_unknown_service)
{
	struct ttrpc_reply reply;

	ttrpc_dispatch(&table, NULL, 0, &reply);
	cr_assert_eq(reply.code, TTRPC_UNIMPLEMENTED);
}

/* ---- server over a socket pair -------------------------------------------------------- */

struct served {
	int fd;
};

static void *serve(void *arg)
{
	ttrpc_serve_conn(&table, ((struct served *)arg)->fd);
	return NULL;
}

static void send_req(int fd, uint32_t sid, const char *m, const char *payload)
{
	uint8_t *req;
	size_t n = request("test.S", m, payload, &req);

	cr_assert_eq(ttrpc_write_frame(fd, sid, TTRPC_REQUEST, req, n), 0);
	free(req);
}

static uint32_t recv_sid(int fd, int *code)
{
	struct ttrpc_hdr h;
	uint8_t *p;
	Ttrpc__Response *r;

	cr_assert_eq(ttrpc_read_frame(fd, &h, &p), TTRPC_RD_OK);
	cr_assert_eq(h.type, TTRPC_RESPONSE);
	r = ttrpc__response__unpack(NULL, h.length, p);
	cr_assert_not_null(r);
	*code = r->status ? r->status->code : 0;
	ttrpc__response__free_unpacked(r, NULL);
	free(p);
	return h.stream_id;
}

Test(ttrpc_server, replies_out_of_order_while_a_call_blocks)
{
	int sp[2], code;
	struct served s;
	pthread_t t;

	sem_init(&release, 0, 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	s.fd = sp[1];
	pthread_create(&t, NULL, serve, &s);
	send_req(sp[0], 1, "Block", NULL);
	send_req(sp[0], 3, "Echo", "x");
	cr_assert_eq(recv_sid(sp[0], &code), 3); /* Echo overtakes the blocked call */
	cr_assert_eq(code, 0);
	sem_post(&release);
	cr_assert_eq(recv_sid(sp[0], &code), 1);
	close(sp[0]);
	pthread_join(t, NULL);
}

Test(ttrpc_server, survives_garbage_and_answers_on_the_bad_stream)
{
	int sp[2], code;
	struct served s;
	pthread_t t;
	uint8_t junk[16];

	memset(junk, 0xee, sizeof(junk));
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	s.fd = sp[1];
	pthread_create(&t, NULL, serve, &s);
	cr_assert_eq(ttrpc_write_frame(sp[0], 5, TTRPC_REQUEST, junk, sizeof(junk)), 0);
	cr_assert_eq(recv_sid(sp[0], &code), 5);
	cr_assert_eq(code, TTRPC_INVALID_ARGUMENT);
	send_req(sp[0], 4, "Echo", "x"); /* even id: refused */
	cr_assert_eq(recv_sid(sp[0], &code), 4);
	cr_assert_eq(code, TTRPC_INVALID_ARGUMENT);
	cr_assert_eq(ttrpc_write_frame(sp[0], 7, 9, junk, 4), 0); /* unknown type: ignored */
	send_req(sp[0], 9, "Echo", "y");
	cr_assert_eq(recv_sid(sp[0], &code), 9);
	cr_assert_eq(code, 0);
	/* A truncated frame ends the connection, and only it. */
	cr_assert_eq(write(sp[0], "\0\0\0\x20\0\0\0\x0b\x01\0abc", 13), 13);
	shutdown(sp[0], SHUT_WR);
	pthread_join(t, NULL);
	close(sp[0]);
}

/* ---- protobuf round trips -------------------------------------------------------------- */

Test(shim_proto, delete_response_captured_from_runc_shim)
{
	/* Bytes containerd got from `containerd-shim-runc-v2 delete` (notes, 4a). */
	static const uint8_t bytes[] = { 0x08, 0x81, 0xba, 0x01, 0x10, 0x89, 0x01, 0x1a, 0x0c,
					 0x08, 0xf8, 0x93, 0x91, 0xd8, 0x06, 0x10, 0xd1, 0xba,
					 0x8a, 0xa2, 0x03 };
	Containerd__Task__V2__DeleteResponse *d =
		containerd__task__v2__delete_response__unpack(NULL, sizeof(bytes), bytes);

	cr_assert_not_null(d);
	cr_assert_eq(d->pid, 23809);
	cr_assert_eq(d->exit_status, 137);
	cr_assert_eq(d->exited_at->seconds, 1795443192);
	cr_assert_eq(d->exited_at->nanos, 876780881);
	containerd__task__v2__delete_response__free_unpacked(d, NULL);
}

Test(shim_proto, create_request_round_trip)
{
	Containerd__Task__V2__CreateTaskRequest c = CONTAINERD__TASK__V2__CREATE_TASK_REQUEST__INIT;
	Containerd__Types__Mount m = CONTAINERD__TYPES__MOUNT__INIT;
	Containerd__Types__Mount *ms[1] = { &m };
	char *opts[2] = { "index=off", "lowerdir=/a:/b" };
	Containerd__Task__V2__CreateTaskRequest *back;
	uint8_t buf[512];
	size_t n;

	m.type = "overlay";
	m.source = "overlay";
	m.options = opts;
	m.n_options = 2;
	c.id = "t1";
	c.bundle = "/run/b/t1";
	c.rootfs = ms;
	c.n_rootfs = 1;
	c.stdin = "/fifo/in";
	c.terminal = 1;
	n = containerd__task__v2__create_task_request__pack(&c, buf);
	back = containerd__task__v2__create_task_request__unpack(NULL, n, buf);
	cr_assert_not_null(back);
	cr_assert_str_eq(back->id, "t1");
	cr_assert_eq(back->n_rootfs, 1);
	cr_assert_str_eq(back->rootfs[0]->options[1], "lowerdir=/a:/b");
	cr_assert_str_eq(back->stdin, "/fifo/in");
	cr_assert_eq(back->terminal, 1);
	containerd__task__v2__create_task_request__free_unpacked(back, NULL);
	/* Field numbers as containerd's: id is field 1 (0x0a), bundle 2 (0x12). */
	cr_assert_eq(buf[0], 0x0a);
	cr_assert_eq(buf[4], 0x12);
}

Test(shim_proto, task_exit_event_fields)
{
	Containerd__Events__TaskExit e = CONTAINERD__EVENTS__TASK_EXIT__INIT;
	Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	uint8_t buf[128];
	size_t n;

	e.container_id = "c";
	e.id = "c";
	e.pid = 5;
	e.exit_status = 143;
	ts.seconds = 1;
	e.exited_at = &ts;
	n = containerd__events__task_exit__pack(&e, buf);
	/* 0a 01 'c' | 12 01 'c' | 18 05 | 20 8f 01 | 2a 02 08 01 */
	const uint8_t want[] = { 0x0a, 1, 'c', 0x12, 1, 'c', 0x18, 5, 0x20, 0x8f, 0x01, 0x2a,
				 2, 0x08, 1 };

	cr_assert_eq(n, sizeof(want));
	cr_assert_arr_eq(buf, want, sizeof(want));
	cr_assert_str_eq(e.base.descriptor->name, "containerd.events.TaskExit");
}
