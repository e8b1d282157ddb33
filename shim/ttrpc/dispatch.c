/* shim/ttrpc/dispatch.c - ttrpc envelopes: Request -> method table -> Response.
 *
 * Pure functions over byte buffers (no sockets), so the unit tests drive them directly.
 * Error wording follows Go's ttrpc server, because containerd shows it to users verbatim.
 * Entry points: ttrpc_dispatch(), ttrpc_response_pack(), ttrpc_reply_error().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ttrpc.h"
#include "ttrpc.pb-c.h"

/* Turn reply into an error status; any payload is dropped (ttrpc.h). */
void ttrpc_reply_error(struct ttrpc_reply *r, int code, const char *fmt, ...)
{
	va_list ap;

	ttrpc_reply_release(r);
	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

/* Free the reply payload; idempotent. */
void ttrpc_reply_release(struct ttrpc_reply *reply)
{
	free(reply->payload);
	reply->payload = NULL;
	reply->len = 0;
}

/* Metadata value for key from the request envelope, or NULL. */
const char *ttrpc_call_meta(const struct ttrpc_call *call, const char *key)
{
	const Ttrpc__Request *req = call->envelope;

	if (!req)
		return NULL;
	for (size_t i = 0; i < req->n_metadata; i++)
		if (req->metadata[i]->key && strcmp(req->metadata[i]->key, key) == 0)
			return req->metadata[i]->value;
	return NULL;
}

/* Request bytes -> handler -> *reply; never fails (errors become statuses, ttrpc.h). */
void ttrpc_dispatch(const struct ttrpc_table *t, const uint8_t *req, size_t len,
		    struct ttrpc_reply *reply)
{
	Ttrpc__Request *r;
	const struct ttrpc_method *m = NULL;
	int known_service = 0;
	struct ttrpc_call call;

	memset(reply, 0, sizeof(*reply));
	r = ttrpc__request__unpack(NULL, len, req);
	if (!r) {
		ttrpc_reply_error(reply, TTRPC_INVALID_ARGUMENT,
				  "unmarshal request error: malformed ttrpc.Request");
		return;
	}
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(t->methods[i].service, r->service) != 0)
			continue;
		known_service = 1;
		if (strcmp(t->methods[i].method, r->method) == 0) {
			m = &t->methods[i];
			break;
		}
	}
	if (!known_service) {
		ttrpc_reply_error(reply, TTRPC_UNIMPLEMENTED, "service %s", r->service);
	} else if (!m) {
		ttrpc_reply_error(reply, TTRPC_UNIMPLEMENTED, "method %s", r->method);
	} else {
		call = (struct ttrpc_call){
			.service = r->service,
			.method = r->method,
			.payload = r->payload.data,
			.len = r->payload.len,
			.timeout_nano = r->timeout_nano,
			.envelope = r,
		};
		m->fn(t->ctx, &call, reply);
		if (reply->code != TTRPC_OK)
			ttrpc_reply_release(reply);
	}
	ttrpc__request__free_unpacked(r, NULL);
}

/* Serialize reply as ttrpc.Response; 0, or -1 on ENOMEM (ttrpc.h). */
int ttrpc_response_pack(const struct ttrpc_reply *reply, uint8_t **out, size_t *out_len)
{
	Ttrpc__Response resp = TTRPC__RESPONSE__INIT;
	Ttrpc__Status st = TTRPC__STATUS__INIT;
	size_t n;

	if (reply->code != TTRPC_OK) {
		st.code = reply->code;
		st.message = (char *)reply->message;
		resp.status = &st;
	} else if (reply->len) {
		resp.payload.data = reply->payload;
		resp.payload.len = reply->len;
	}
	n = ttrpc__response__get_packed_size(&resp);
	*out = NULL;
	*out_len = n;
	if (n == 0)
		return 0; /* OK with an Empty result: a header-only frame */
	*out = malloc(n);
	if (!*out)
		return -1;
	ttrpc__response__pack(&resp, *out);
	return 0;
}
