/* shim/ttrpc/frame_test.c - ttrpc framing: header layout, whole, empty, truncated and oversized
 * frames over a real socket pair, and address parsing.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ttrpc.h"

static int sp[2];

static void pair_up(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
}

static void pair_down(void)
{
	close(sp[0]);
	close(sp[1]);
}

TestSuite(ttrpc_frame, .init = pair_up, .fini = pair_down);

Test(ttrpc_frame, header_is_big_endian_10_bytes)
{
	struct ttrpc_hdr h = { .length = 0x01020304, .stream_id = 0x0a0b0c0d, .type = 2,
			       .flags = 0 }, back;
	uint8_t raw[TTRPC_HDR_LEN];
	const uint8_t want[TTRPC_HDR_LEN] = { 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, 2, 0 };

	ttrpc_hdr_pack(&h, raw);
	cr_assert_arr_eq(raw, want, sizeof(want));
	ttrpc_hdr_unpack(raw, &back);
	cr_assert_eq(back.length, h.length);
	cr_assert_eq(back.stream_id, h.stream_id);
	cr_assert_eq(back.type, 2);
}

Test(ttrpc_frame, round_trip)
{
	struct ttrpc_hdr h;
	uint8_t *p;

	cr_assert_eq(ttrpc_write_frame(sp[0], 7, TTRPC_REQUEST, "hello", 5), 0);
	cr_assert_eq(ttrpc_read_frame(sp[1], &h, &p), TTRPC_RD_OK);
	cr_assert_eq(h.length, 5);
	cr_assert_eq(h.stream_id, 7);
	cr_assert_eq(h.type, TTRPC_REQUEST);
	cr_assert_arr_eq(p, "hello", 5);
	free(p);
}

Test(ttrpc_frame, empty_payload_is_header_only)
{
	struct ttrpc_hdr h;
	uint8_t *p = (uint8_t *)1, raw[TTRPC_HDR_LEN + 1];

	cr_assert_eq(ttrpc_write_frame(sp[0], 3, TTRPC_RESPONSE, NULL, 0), 0);
	cr_assert_eq(read(sp[1], raw, sizeof(raw)), TTRPC_HDR_LEN);
	cr_assert_eq(ttrpc_write_frame(sp[0], 3, TTRPC_RESPONSE, NULL, 0), 0);
	cr_assert_eq(ttrpc_read_frame(sp[1], &h, &p), TTRPC_RD_OK);
	cr_assert_eq(h.length, 0);
	cr_assert_null(p);
}

Test(ttrpc_frame, clean_eof_before_a_header)
{
	struct ttrpc_hdr h;
	uint8_t *p;

	close(sp[0]);
	sp[0] = -1;
	cr_assert_eq(ttrpc_read_frame(sp[1], &h, &p), TTRPC_RD_EOF);
}

Test(ttrpc_frame, truncated_header_is_an_error)
{
	struct ttrpc_hdr h;
	uint8_t *p;

	cr_assert_eq(write(sp[0], "\0\0\0\5\0", 5), 5);
	close(sp[0]);
	sp[0] = -1;
	cr_assert_eq(ttrpc_read_frame(sp[1], &h, &p), TTRPC_RD_ERROR);
}

Test(ttrpc_frame, truncated_payload_is_an_error)
{
	struct ttrpc_hdr h = { .length = 100, .stream_id = 1, .type = 1 };
	uint8_t raw[TTRPC_HDR_LEN], *p;

	ttrpc_hdr_pack(&h, raw);
	cr_assert_eq(write(sp[0], raw, sizeof(raw)), (ssize_t)sizeof(raw));
	cr_assert_eq(write(sp[0], "short", 5), 5);
	close(sp[0]);
	sp[0] = -1;
	cr_assert_eq(ttrpc_read_frame(sp[1], &h, &p), TTRPC_RD_ERROR);
	cr_assert_null(p);
}

struct big_writer {
	int fd;
	size_t n;
};

static void *write_big(void *arg)
{
	struct big_writer *w = arg;
	struct ttrpc_hdr h = { .length = (uint32_t)w->n, .stream_id = 9, .type = 1 };
	uint8_t raw[TTRPC_HDR_LEN];
	uint8_t *junk = calloc(1, w->n);

	ttrpc_hdr_pack(&h, raw);
	(void)!write(w->fd, raw, sizeof(raw));
	for (size_t off = 0; off < w->n;) {
		ssize_t r = write(w->fd, junk + off, w->n - off);

		if (r <= 0)
			break;
		off += (size_t)r;
	}
	free(junk);
	ttrpc_write_frame(w->fd, 11, TTRPC_REQUEST, "after", 5);
	return NULL;
}

Test(ttrpc_frame, oversized_is_skipped_and_the_stream_stays_usable)
{
	struct big_writer w = { .fd = sp[0], .n = TTRPC_MAX_MSG + 1 };
	struct ttrpc_hdr h;
	pthread_t t;
	uint8_t *p;

	pthread_create(&t, NULL, write_big, &w);
	cr_assert_eq(ttrpc_read_frame(sp[1], &h, &p), TTRPC_RD_TOOBIG);
	cr_assert_eq(h.stream_id, 9);
	cr_assert_eq(ttrpc_read_frame(sp[1], &h, &p), TTRPC_RD_OK);
	cr_assert_eq(h.stream_id, 11);
	cr_assert_arr_eq(p, "after", 5);
	free(p);
	pthread_join(t, NULL);
}

Test(ttrpc_frame, write_refuses_oversized)
{
	static uint8_t big[TTRPC_MAX_MSG + 1];

	cr_assert_eq(ttrpc_write_frame(sp[0], 1, TTRPC_REQUEST, big, sizeof(big)), -1);
}

Test(ttrpc_frame, max_size_payload_passes)
{
	struct big_writer w = { .fd = sp[0], .n = TTRPC_MAX_MSG };
	struct ttrpc_hdr h;
	pthread_t t;
	uint8_t *p;

	pthread_create(&t, NULL, write_big, &w);
	cr_assert_eq(ttrpc_read_frame(sp[1], &h, &p), TTRPC_RD_OK);
	cr_assert_eq(h.length, TTRPC_MAX_MSG);
	free(p);
	cr_assert_eq(ttrpc_read_frame(sp[1], &h, &p), TTRPC_RD_OK);
	free(p);
	pthread_join(t, NULL);
}

Test(ttrpc_addr, forms)
{
	struct sockaddr_un sa;
	socklen_t len;

	cr_assert_eq(ttrpc_addr_parse("unix:///run/x.sock", &sa, &len), 0);
	cr_assert_str_eq(sa.sun_path, "/run/x.sock");
	cr_assert_eq(ttrpc_addr_parse("/run/y.sock", &sa, &len), 0);
	cr_assert_str_eq(sa.sun_path, "/run/y.sock");
	cr_assert_eq(ttrpc_addr_parse("abstract-name", &sa, &len), 0);
	cr_assert_eq(sa.sun_path[0], 0);
	cr_assert_arr_eq(sa.sun_path + 1, "abstract-name", 13);
	cr_assert_eq(len, offsetof(struct sockaddr_un, sun_path) + 14);
}

Test(ttrpc_addr, rejects_empty_and_too_long)
{
	struct sockaddr_un sa;
	socklen_t len;
	char longp[300];

	cr_assert_eq(ttrpc_addr_parse("", &sa, &len), -1);
	cr_assert_eq(ttrpc_addr_parse("unix://", &sa, &len), -1);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = 0;
	cr_assert_eq(ttrpc_addr_parse(longp, &sa, &len), -1);
}
