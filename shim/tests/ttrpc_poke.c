/* shim/tests/ttrpc_poke.c - talk ttrpc to a live shim from e2e.sh, where ctr cannot.
 *
 *   ttrpc_poke ADDRESS state ID          print the task status and pid
 *   ttrpc_poke ADDRESS update ID JSON    Update with OCI LinuxResources JSON (ctr 1.6 has no
 *                                        `task update`)
 *   ttrpc_poke ADDRESS abuse ID          malformed, truncated, oversized and misdirected
 *                                        frames; then State must still answer
 * Exit status 0 when every answer is what a well-behaved ttrpc server gives.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ttrpc/ttrpc.h"
#include "containerd/shim.pb-c.h"
#include "ttrpc.pb-c.h"

#define TASK "containerd.task.v2.Task"

static int dial(const char *addr)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd;

	if (ttrpc_addr_parse(addr, &sa, &len))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len)) {
		perror("connect");
		exit(2);
	}
	return fd;
}

static int state(const char *addr, const char *id, int quiet)
{
	char err[256], msg[256];
	struct ttrpc_client *c = ttrpc_client_dial(addr, err, sizeof(err));
	Containerd__Task__V2__StateRequest req = CONTAINERD__TASK__V2__STATE_REQUEST__INIT;
	Containerd__Task__V2__StateResponse *resp;
	uint8_t buf[512], *out;
	size_t n, out_len;
	int code;

	if (!c) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	req.id = (char *)id;
	n = containerd__task__v2__state_request__pack(&req, buf);
	if (ttrpc_client_call(c, TASK, "State", buf, n, 2000000000, NULL, NULL, &code, &out,
			      &out_len, msg, sizeof(msg)) || code) {
		fprintf(stderr, "State: code %d %s\n", code, msg);
		ttrpc_client_close(c);
		return 1;
	}
	resp = containerd__task__v2__state_response__unpack(NULL, out_len, out);
	if (resp && !quiet)
		printf("status=%d pid=%u\n", resp->status, resp->pid);
	containerd__task__v2__state_response__free_unpacked(resp, NULL);
	free(out);
	ttrpc_client_close(c);
	return resp ? 0 : 1;
}

static int update(const char *addr, const char *id, const char *json)
{
	char err[256], msg[256];
	struct ttrpc_client *c = ttrpc_client_dial(addr, err, sizeof(err));
	Containerd__Task__V2__UpdateTaskRequest req = CONTAINERD__TASK__V2__UPDATE_TASK_REQUEST__INIT;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	uint8_t *buf, *out;
	size_t n, out_len;
	int code;

	if (!c) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	any.type_url = "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources";
	any.value.data = (uint8_t *)json;
	any.value.len = strlen(json);
	req.id = (char *)id;
	req.resources = &any;
	n = containerd__task__v2__update_task_request__get_packed_size(&req);
	buf = malloc(n);
	containerd__task__v2__update_task_request__pack(&req, buf);
	if (ttrpc_client_call(c, TASK, "Update", buf, n, 0, NULL, NULL, &code, &out, &out_len,
			      msg, sizeof(msg))) {
		fprintf(stderr, "Update: %s\n", msg);
		return 1;
	}
	printf("Update: code %d %s\n", code, msg);
	free(buf);
	free(out);
	ttrpc_client_close(c);
	return code != 0;
}

/* Send one raw frame and read one response; returns its status code (0 OK), -1 if none. */
static int raw(int fd, uint32_t sid, uint8_t type, const void *p, size_t len, uint32_t fake_len)
{
	uint8_t hdr[TTRPC_HDR_LEN];
	struct ttrpc_hdr h = { .length = fake_len ? fake_len : (uint32_t)len, .stream_id = sid,
			       .type = type };
	uint8_t *resp;
	Ttrpc__Response *r;
	int code;

	ttrpc_hdr_pack(&h, hdr);
	if (write(fd, hdr, sizeof(hdr)) != sizeof(hdr) || (len && write(fd, p, len) != (ssize_t)len))
		return -1;
	if (ttrpc_read_frame(fd, &h, &resp) != TTRPC_RD_OK || h.stream_id != sid)
		return -1;
	r = ttrpc__response__unpack(NULL, h.length, resp);
	free(resp);
	if (!r)
		return -1;
	code = r->status ? r->status->code : 0;
	ttrpc__response__free_unpacked(r, NULL);
	return code;
}

static size_t request(const char *svc, const char *method, uint8_t *buf)
{
	Ttrpc__Request r = TTRPC__REQUEST__INIT;

	r.service = (char *)svc;
	r.method = (char *)method;
	return ttrpc__request__pack(&r, buf);
}

static int expect(const char *what, int got, int want)
{
	printf("%-44s code %d (want %d) %s\n", what, got, want, got == want ? "ok" : "WRONG");
	return got != want;
}

static int abuse(const char *addr, const char *id)
{
	uint8_t buf[256], junk[64];
	static uint8_t big[(4u << 20) + 16];
	int fd, bad = 0;
	size_t n;

	memset(junk, 0xff, sizeof(junk));
	fd = dial(addr);
	n = request("nope.Service", "X", buf);
	bad |= expect("unknown service", raw(fd, 1, TTRPC_REQUEST, buf, n, 0), TTRPC_UNIMPLEMENTED);
	n = request(TASK, "Nope", buf);
	bad |= expect("unknown method", raw(fd, 3, TTRPC_REQUEST, buf, n, 0), TTRPC_UNIMPLEMENTED);
	bad |= expect("garbage envelope", raw(fd, 5, TTRPC_REQUEST, junk, sizeof(junk), 0),
		      TTRPC_INVALID_ARGUMENT);
	n = request(TASK, "State", buf);
	bad |= expect("even stream id", raw(fd, 6, TTRPC_REQUEST, buf, n, 0),
		      TTRPC_INVALID_ARGUMENT);
	bad |= expect("oversized frame (discarded)",
		      raw(fd, 7, TTRPC_REQUEST, big, sizeof(big), 0), TTRPC_RESOURCE_EXHAUSTED);
	{
		/* A well-formed envelope whose payload is not a StateRequest. */
		Ttrpc__Request r = TTRPC__REQUEST__INIT;

		r.service = TASK;
		r.method = "State";
		r.payload.data = junk;
		r.payload.len = sizeof(junk);
		n = ttrpc__request__pack(&r, buf);
		bad |= expect("garbage request payload", raw(fd, 9, TTRPC_REQUEST, buf, n, 0),
			      TTRPC_INVALID_ARGUMENT);
	}
	close(fd);
	/* Truncated frames: a header promising more than arrives, then hang up. */
	fd = dial(addr);
	if (write(fd, "\0\0\0\x50\0\0\0\x01\x01\0abc", 13) < 0)
		bad = 1;
	close(fd);
	fd = dial(addr);
	if (write(fd, "\0\0", 2) < 0)
		bad = 1;
	close(fd);
	bad |= expect("State still answers afterwards", state(addr, id, 1), 0);
	return bad;
}

/* state | update | abuse, see the header; 0 when every answer was right. */
int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[2], "state"))
		return state(argv[1], argv[3], 0);
	if (argc >= 5 && !strcmp(argv[2], "update"))
		return update(argv[1], argv[3], argv[4]);
	if (argc >= 4 && !strcmp(argv[2], "abuse"))
		return abuse(argv[1], argv[3]);
	fprintf(stderr, "usage: ttrpc_poke ADDRESS state|update|abuse ID [JSON]\n");
	return 2;
}
