/* shim/bootstrap.h - how `start` learns who it is: containerd 2.3's bootstrap protocol, or the
 * flags and environment of containerd <= 2.2.
 *
 * From 2.3 containerd writes a protobuf BootstrapParams (shim/proto/containerd/bootstrap.proto)
 * to start's stdin and reads a protobuf BootstrapResult from its stdout; it still passes the old
 * flags and TTRPC_ADDRESS beside it.  Up to 2.2 stdin holds the runtime options as a
 * google.protobuf.Any, or nothing, and stdout is the bare address.  An Any decodes as a
 * BootstrapParams too (fields 1 and 2 are strings in both), so the two are told apart by
 * identity: params count only when their instance id and namespace are this shim's.
 */
#ifndef CHIBI_SHIM_BOOTSTRAP_H
#define CHIBI_SHIM_BOOTSTRAP_H

#include <stdio.h>

struct shim_bootstrap {
	int used;          /* 1: containerd spoke the bootstrap protocol: answer in kind */
	char *id, *ns;     /* owned; NULL when not used */
	/* containerd's sockets as bare paths (no unix://), its binary and version; NULL if absent */
	char *grpc_address, *ttrpc_address, *containerd_binary, *containerd_version;
	int debug;         /* log level debug or trace asked for */
};

/* Read stdin (fd, to EOF, at most 1 MiB; a terminal is not read) and fill b.  flag_id and
 * flag_ns are what the flags said (NULL if absent); without them, params with a plausible id
 * and namespace are taken.  Returns 0 (b->used says which protocol), -1 with err on a read
 * error or oversized input. */
int shim_bootstrap_read(int fd, const char *flag_id, const char *flag_ns, struct shim_bootstrap *b,
			char *err, size_t errlen);

/* Decide from a buffer already read (what shim_bootstrap_read does after reading). */
int shim_bootstrap_parse(const unsigned char *buf, size_t len, const char *flag_id,
			 const char *flag_ns, struct shim_bootstrap *b);

/* Write start's answer for address ("unix:///..."): a BootstrapResult (version 2, ttrpc) when
 * b->used, else the bare address.  0, or -1 on a write error. */
int shim_bootstrap_reply(FILE *out, const struct shim_bootstrap *b, const char *address);

void shim_bootstrap_free(struct shim_bootstrap *b);

#endif
