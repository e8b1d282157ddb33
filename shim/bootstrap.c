/* shim/bootstrap.c - start's two ways in: containerd 2.3's BootstrapParams on stdin, or the
 * flags of <= 2.2 (see bootstrap.h for how they are told apart). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bootstrap.h"
#include "containerd/bootstrap.pb-c.h"

#define BOOTSTRAP_MAX (1u << 20)

/* containerd gives its own addresses as "unix:///path"; the flags and TTRPC_ADDRESS of the
 * older protocol are bare paths, which is what the rest of the shim expects. */
static char *dup_path(const char *addr)
{
	if (!addr || !*addr)
		return NULL;
	if (strncmp(addr, "unix://", 7) == 0)
		addr += 7;
	return strdup(addr);
}

/* A container id or namespace as containerd makes them: no '/' (a type URL has one), no NUL
 * (the Any's value bytes could be anything), not empty. */
static int plausible_name(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (*s == '/' || (unsigned char)*s < 0x21)
			return 0;
	return 1;
}

int shim_bootstrap_parse(const unsigned char *buf, size_t len, const char *flag_id,
			 const char *flag_ns, struct shim_bootstrap *b)
{
	Containerd__Runtime__Bootstrap__V1__BootstrapParams *p;
	int mine;

	memset(b, 0, sizeof(*b));
	if (len == 0)
		return 0;
	p = containerd__runtime__bootstrap__v1__bootstrap_params__unpack(NULL, len, buf);
	if (!p)
		return 0; /* not params: legacy runtime options (the shim reads none) */
	mine = plausible_name(p->instance_id) && plausible_name(p->namespace_) &&
	       (!flag_id || strcmp(flag_id, p->instance_id) == 0) &&
	       (!flag_ns || strcmp(flag_ns, p->namespace_) == 0);
	if (mine) {
		b->id = strdup(p->instance_id);
		b->ns = strdup(p->namespace_);
		b->grpc_address = dup_path(p->containerd_grpc_address);
		b->ttrpc_address = dup_path(p->containerd_ttrpc_address);
		b->containerd_binary = p->containerd_binary && *p->containerd_binary ?
				       strdup(p->containerd_binary) : NULL;
		b->containerd_version = p->containerd_version && *p->containerd_version ?
					strdup(p->containerd_version) : NULL;
		b->debug = p->log_level <= -4;
		b->used = b->id && b->ns;
		if (!b->used)
			shim_bootstrap_free(b); /* out of memory: carry on with the flags */
	}
	containerd__runtime__bootstrap__v1__bootstrap_params__free_unpacked(p, NULL);
	return 0;
}

int shim_bootstrap_read(int fd, const char *flag_id, const char *flag_ns, struct shim_bootstrap *b,
			char *err, size_t errlen)
{
	unsigned char *buf;
	size_t len = 0;
	int rc;

	memset(b, 0, sizeof(*b));
	if (isatty(fd))
		return 0; /* run by hand: nothing is coming */
	buf = malloc(BOOTSTRAP_MAX + 1);
	if (!buf) {
		snprintf(err, errlen, "out of memory reading the bootstrap parameters");
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, BOOTSTRAP_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "read stdin: %s", strerror(errno));
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > BOOTSTRAP_MAX) {
			snprintf(err, errlen,
				 "stdin holds more than %u bytes: not bootstrap parameters",
				 BOOTSTRAP_MAX);
			free(buf);
			return -1;
		}
	}
	rc = shim_bootstrap_parse(buf, len, flag_id, flag_ns, b);
	free(buf);
	return rc;
}

int shim_bootstrap_reply(FILE *out, const struct shim_bootstrap *b, const char *address)
{
	Containerd__Runtime__Bootstrap__V1__BootstrapResult r =
		CONTAINERD__RUNTIME__BOOTSTRAP__V1__BOOTSTRAP_RESULT__INIT;
	unsigned char *buf;
	size_t n;
	int rc;

	if (!b || !b->used)
		return fputs(address, out) < 0 ? -1 : 0;
	r.version = 2;
	r.address = (char *)address;
	r.protocol = "ttrpc";
	n = containerd__runtime__bootstrap__v1__bootstrap_result__get_packed_size(&r);
	buf = malloc(n ? n : 1);
	if (!buf)
		return -1;
	containerd__runtime__bootstrap__v1__bootstrap_result__pack(&r, buf);
	rc = fwrite(buf, 1, n, out) == n ? 0 : -1;
	free(buf);
	return rc;
}

void shim_bootstrap_free(struct shim_bootstrap *b)
{
	free(b->id);
	free(b->ns);
	free(b->grpc_address);
	free(b->ttrpc_address);
	free(b->containerd_binary);
	free(b->containerd_version);
	memset(b, 0, sizeof(*b));
}
