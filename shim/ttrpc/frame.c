/* shim/ttrpc/frame.c - ttrpc frame headers, whole-frame socket I/O and address parsing.
 *
 * Knows bytes and sockets only; envelopes are dispatch.c's business.  A truncated or
 * oversized frame never reaches a handler: the reader reports it and the caller decides
 * whether the connection survives (oversized: yes, ttrpc answers ResourceExhausted).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ttrpc.h"

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Header -> 10 big-endian bytes. */
void ttrpc_hdr_pack(const struct ttrpc_hdr *h, uint8_t out[TTRPC_HDR_LEN])
{
	put_be32(out, h->length);
	put_be32(out + 4, h->stream_id);
	out[8] = h->type;
	out[9] = h->flags;
}

/* 10 big-endian bytes -> header. */
void ttrpc_hdr_unpack(const uint8_t in[TTRPC_HDR_LEN], struct ttrpc_hdr *out)
{
	out->length = get_be32(in);
	out->stream_id = get_be32(in + 4);
	out->type = in[8];
	out->flags = in[9];
}

/* Read exactly n bytes.  Returns n, 0 on EOF before the first byte, -1 on error or EOF
 * in the middle (a truncated frame is an error, not a clean close). */
static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (uint8_t *)buf + got, n - got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0) {
			if (got == 0)
				return 0;
			errno = EPROTO;
			return -1;
		}
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Skip n bytes of an oversized payload without buffering it. */
static int discard(int fd, uint32_t n)
{
	uint8_t sink[4096];

	while (n > 0) {
		size_t chunk = n < sizeof(sink) ? n : sizeof(sink);

		if (read_full(fd, sink, chunk) != (ssize_t)chunk)
			return -1;
		n -= (uint32_t)chunk;
	}
	return 0;
}

/* Read one whole frame; TOOBIG frames are consumed and dropped (ttrpc.h). */
enum ttrpc_rd ttrpc_read_frame(int fd, struct ttrpc_hdr *h, uint8_t **payload)
{
	uint8_t raw[TTRPC_HDR_LEN];
	ssize_t r;
	uint8_t *p = NULL;

	*payload = NULL;
	r = read_full(fd, raw, sizeof(raw));
	if (r == 0)
		return TTRPC_RD_EOF;
	if (r < 0)
		return TTRPC_RD_ERROR;
	ttrpc_hdr_unpack(raw, h);
	if (h->length > TTRPC_MAX_MSG)
		return discard(fd, h->length) ? TTRPC_RD_ERROR : TTRPC_RD_TOOBIG;
	if (h->length == 0)
		return TTRPC_RD_OK;
	p = malloc(h->length);
	if (!p)
		return TTRPC_RD_ERROR;
	if (read_full(fd, p, h->length) != (ssize_t)h->length) {
		free(p);
		return TTRPC_RD_ERROR;
	}
	*payload = p;
	return TTRPC_RD_OK;
}

/* send() everything; MSG_NOSIGNAL so a vanished peer gives EPIPE rather than SIGPIPE. */
static int send_full(int fd, const uint8_t *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write one frame; 0, or -1 with errno (EMSGSIZE over 4 MiB, EPIPE, ...). */
int ttrpc_write_frame(int fd, uint32_t stream_id, uint8_t type, const void *payload,
		      size_t len)
{
	struct ttrpc_hdr h = { .length = (uint32_t)len, .stream_id = stream_id, .type = type };
	uint8_t small[TTRPC_HDR_LEN + 512];

	if (len > TTRPC_MAX_MSG) {
		errno = EMSGSIZE;
		return -1;
	}
	ttrpc_hdr_pack(&h, small);
	/* Most replies are tiny: one send keeps header and payload in one segment. */
	if (len <= sizeof(small) - TTRPC_HDR_LEN) {
		if (len)
			memcpy(small + TTRPC_HDR_LEN, payload, len);
		return send_full(fd, small, TTRPC_HDR_LEN + len);
	}
	if (send_full(fd, small, TTRPC_HDR_LEN))
		return -1;
	return send_full(fd, payload, len);
}

/* unix:// path, absolute path or abstract name -> sockaddr_un; -1 if it does not fit. */
int ttrpc_addr_parse(const char *address, struct sockaddr_un *out, socklen_t *out_len)
{
	const char *path = address;
	size_t n;
	int abstract = 0;

	memset(out, 0, sizeof(*out));
	out->sun_family = AF_UNIX;
	if (!address || !*address) {
		errno = EINVAL;
		return -1;
	}
	if (strncmp(address, "unix://", 7) == 0)
		path = address + 7;
	else if (address[0] != '/')
		abstract = 1;
	n = strlen(path);
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	/* Abstract names take one byte for the leading NUL; paths need their terminator. */
	if (n + 1 > sizeof(out->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (abstract) {
		memcpy(out->sun_path + 1, path, n);
		*out_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	} else {
		memcpy(out->sun_path, path, n + 1);
		*out_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 0;
}
