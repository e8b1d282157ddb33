/* shim/ttrpc/ttrpc.h - ttrpc (containerd's RPC over unix sockets): framing, dispatch, server, client.
 *
 * Transport only: frames, stream ids, the Request/Response envelope and a method table of
 * {service, method, handler}.  Nothing here knows what a task is; handlers get raw payload bytes
 * and return raw payload bytes or a gRPC status.
 *
 * Wire format (containerd/ttrpc 1.1, channel.go), one frame:
 *
 *   0        4          8      9      10
 *   +--------+----------+------+------+---------------------------+
 *   | length | streamid | type | flags| payload (length bytes)    |
 *   +--------+----------+------+------+---------------------------+
 *     u32 BE   u32 BE     u8     u8     ttrpc.Request / .Response
 *
 * Requests use odd stream ids chosen by the client; the response reuses the id, and responses
 * may come back in any order (a Wait may stay open while State calls are answered).
 */
#ifndef CHIBI_TTRPC_H
#define CHIBI_TTRPC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#define TTRPC_HDR_LEN 10
#define TTRPC_MAX_MSG (4u << 20) /* ttrpc's messageLengthMax; larger frames are refused */

enum ttrpc_msg_type {
	TTRPC_REQUEST = 1,
	TTRPC_RESPONSE = 2,
};

/* gRPC status codes, as containerd's errdefs.FromGRPC maps them back to errors. */
enum ttrpc_code {
	TTRPC_OK = 0,
	TTRPC_CANCELED = 1,
	TTRPC_UNKNOWN = 2,
	TTRPC_INVALID_ARGUMENT = 3,
	TTRPC_DEADLINE_EXCEEDED = 4,
	TTRPC_NOT_FOUND = 5,
	TTRPC_ALREADY_EXISTS = 6,
	TTRPC_PERMISSION_DENIED = 7,
	TTRPC_RESOURCE_EXHAUSTED = 8,
	TTRPC_FAILED_PRECONDITION = 9,
	TTRPC_ABORTED = 10,
	TTRPC_OUT_OF_RANGE = 11,
	TTRPC_UNIMPLEMENTED = 12,
	TTRPC_INTERNAL = 13,
	TTRPC_UNAVAILABLE = 14,
};

struct ttrpc_hdr {
	uint32_t length;    /* payload bytes, header excluded */
	uint32_t stream_id;
	uint8_t type;       /* enum ttrpc_msg_type; other values are ignored by servers */
	uint8_t flags;      /* reserved, 0 */
};

/* ---- framing (frame.c) ------------------------------------------------------------- */

/* Serialize / parse the 10-byte header (big-endian fields).  Never fail. */
void ttrpc_hdr_pack(const struct ttrpc_hdr *h, uint8_t out[TTRPC_HDR_LEN]);
void ttrpc_hdr_unpack(const uint8_t in[TTRPC_HDR_LEN], struct ttrpc_hdr *out);

enum ttrpc_rd {
	TTRPC_RD_OK = 0,   /* *payload holds h->length bytes (malloc'd, NULL when length is 0) */
	TTRPC_RD_EOF,      /* clean end of stream before a header started */
	TTRPC_RD_TOOBIG,   /* length > TTRPC_MAX_MSG: the payload was read and dropped */
	TTRPC_RD_ERROR,    /* I/O error, truncated frame or out of memory: drop the connection */
};

/* Read one frame from stream socket fd (blocking, EINTR retried).  On TTRPC_RD_OK and
 * TTRPC_RD_TOOBIG *h is valid; only TTRPC_RD_OK sets *payload, owned by the caller (free). */
enum ttrpc_rd ttrpc_read_frame(int fd, struct ttrpc_hdr *h, uint8_t **payload);

/* Write header + payload as one frame (full write, EINTR retried, MSG_NOSIGNAL).  The caller
 * serializes writers on the same fd.  Returns 0, or -1 with errno set. */
int ttrpc_write_frame(int fd, uint32_t stream_id, uint8_t type, const void *payload,
		      size_t len);

/* Parse a containerd shim/ttrpc address: "unix:///abs/path", "/abs/path", or any other string
 * meaning an abstract socket ("\0" + string), as Go's net.Dial("unix") treats it.  Returns 0
 * with *out and *out_len filled, or -1 (ENAMETOOLONG / EINVAL) if it does not fit sun_path. */
int ttrpc_addr_parse(const char *address, struct sockaddr_un *out, socklen_t *out_len);

/* ---- dispatch (dispatch.c) --------------------------------------------------------- */

/* One decoded request, as a handler sees it.  All pointers are valid during the call only. */
struct ttrpc_call {
	const char *service;
	const char *method;
	const uint8_t *payload;
	size_t len;
	int64_t timeout_nano;  /* 0: none */
	const void *envelope;  /* the decoded ttrpc.Request, for ttrpc_call_meta() */
};

/* What a handler answers.  Start state: code TTRPC_OK, no payload (an Empty reply). */
struct ttrpc_reply {
	int code;              /* enum ttrpc_code */
	char message[512];     /* error text when code != OK; reaches the user verbatim */
	uint8_t *payload;      /* malloc'd serialized response message, freed by the transport */
	size_t len;
	void (*after)(void *arg); /* if set, run once the reply has been written (e.g. exit) */
	void *after_arg;
};

typedef void (*ttrpc_handler_fn)(void *ctx, const struct ttrpc_call *call,
				 struct ttrpc_reply *reply);

struct ttrpc_method {
	const char *service;   /* "containerd.task.v2.Task" */
	const char *method;    /* "Create" */
	ttrpc_handler_fn fn;
};

struct ttrpc_table {
	const struct ttrpc_method *methods;
	size_t n;
	void *ctx;             /* passed to every handler */
	/* Optional, on the request's worker thread: request_begin before the request is
	 * dispatched, request_end once its reply has been written (or failed to be), before
	 * reply.after runs.  The task service counts the requests in flight with them: it must
	 * not exit while a reply is still unwritten. */
	void (*request_begin)(void *ctx);
	void (*request_end)(void *ctx);
};

/* Set reply to an error status with a printf-style message; drops any payload. */
void ttrpc_reply_error(struct ttrpc_reply *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Value of metadata `key` in the call's envelope, or NULL. */
const char *ttrpc_call_meta(const struct ttrpc_call *call, const char *key);

/* Decode a Request payload, look the method up and run its handler.  Malformed envelopes
 * give INVALID_ARGUMENT, unknown services/methods UNIMPLEMENTED ("service X" / "method X"),
 * as Go's ttrpc server answers.  *reply is initialised here. */
void ttrpc_dispatch(const struct ttrpc_table *t, const uint8_t *req, size_t len,
		    struct ttrpc_reply *reply);

/* Serialize reply as a ttrpc.Response: status absent on OK, payload absent on error.
 * Returns 0 with a malloc'd buffer (*out may be NULL when *out_len is 0), -1 on ENOMEM. */
int ttrpc_response_pack(const struct ttrpc_reply *reply, uint8_t **out, size_t *out_len);

/* Free reply's payload (idempotent). */
void ttrpc_reply_release(struct ttrpc_reply *reply);

/* ---- server (server.c) ------------------------------------------------------------- */

/* Serve table on listening socket lfd until accept fails fatally (returns -1, errno set).
 * One reader thread per connection, one worker thread per request, so a blocked Wait never
 * delays other calls.  Peers with another uid are refused (SO_PEERCRED).  A broken peer only
 * ever loses its own connection. */
int ttrpc_serve(const struct ttrpc_table *table, int lfd);

/* Serve one already-connected socket on the calling thread until it closes (tests use it with
 * a socketpair).  Takes ownership of fd. */
void ttrpc_serve_conn(const struct ttrpc_table *table, int fd);

/* ---- client (client.c) ------------------------------------------------------------- */

struct ttrpc_client;

/* Connect to address (see ttrpc_addr_parse).  NULL with a message in err on failure. */
struct ttrpc_client *ttrpc_client_dial(const char *address, char *err, size_t errlen);

/* One synchronous call (calls on one client are serialized internally).  meta_key/meta_val
 * add one metadata pair when non-NULL.  Returns 0 when a response arrived: *out_code is its
 * status and *out, *out_len its payload (malloc'd, caller frees) or msg its error text.
 * Returns -1 on transport failure (connection unusable: close and redial), msg says why.
 * timeout_nano bounds the wait for the response (0 = no bound). */
int ttrpc_client_call(struct ttrpc_client *c, const char *service, const char *method,
		      const uint8_t *req, size_t len, int64_t timeout_nano,
		      const char *meta_key, const char *meta_val,
		      int *out_code, uint8_t **out, size_t *out_len, char *msg, size_t msglen);

/* Close and free; NULL is a no-op. */
void ttrpc_client_close(struct ttrpc_client *c);

#endif
