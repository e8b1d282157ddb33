/* shim/bootstrap_test.c - containerd 2.3's BootstrapParams told apart from <= 2.2's stdin. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bootstrap.h"
#include "containerd/bootstrap.pb-c.h"
#include "google/protobuf/any.pb-c.h"

static unsigned char *pack_params(const char *id, const char *ns, int level, size_t *len)
{
	Containerd__Runtime__Bootstrap__V1__BootstrapParams p =
		CONTAINERD__RUNTIME__BOOTSTRAP__V1__BOOTSTRAP_PARAMS__INIT;
	unsigned char *buf;

	p.instance_id = (char *)id;
	p.namespace_ = (char *)ns;
	p.log_level = level;
	p.containerd_version = "v2.3.0";
	p.containerd_ttrpc_address = "unix:///run/containerd/containerd.sock.ttrpc";
	p.containerd_grpc_address = "unix:///run/containerd/containerd.sock";
	p.containerd_binary = "/usr/bin/containerd";
	*len = containerd__runtime__bootstrap__v1__bootstrap_params__get_packed_size(&p);
	buf = malloc(*len);
	cr_assert_not_null(buf);
	containerd__runtime__bootstrap__v1__bootstrap_params__pack(&p, buf);
	return buf;
}

Test(bootstrap, params_for_this_shim_are_used)
{
	struct shim_bootstrap b;
	size_t len;
	unsigned char *buf = pack_params("c1", "k8s.io", -4, &len);

	cr_assert_eq(shim_bootstrap_parse(buf, len, "c1", "k8s.io", &b), 0);
	cr_assert_eq(b.used, 1);
	cr_assert_str_eq(b.id, "c1");
	cr_assert_str_eq(b.ns, "k8s.io");
	cr_assert_str_eq(b.grpc_address, "/run/containerd/containerd.sock");
	cr_assert_str_eq(b.ttrpc_address, "/run/containerd/containerd.sock.ttrpc");
	cr_assert_str_eq(b.containerd_binary, "/usr/bin/containerd");
	cr_assert_eq(b.debug, 1);
	shim_bootstrap_free(&b);
	/* No flags at all (a containerd that dropped them): the params alone say who we are. */
	cr_assert_eq(shim_bootstrap_parse(buf, len, NULL, NULL, &b), 0);
	cr_assert_eq(b.used, 1);
	cr_assert_eq(b.debug, 1);
	shim_bootstrap_free(&b);
	free(buf);
	buf = pack_params("c1", "k8s.io", 0, &len);
	cr_assert_eq(shim_bootstrap_parse(buf, len, "c1", NULL, &b), 0);
	cr_assert_eq(b.used, 1);
	cr_assert_eq(b.debug, 0, "log level info is not debug");
	shim_bootstrap_free(&b);
	free(buf);
}

Test(bootstrap, params_for_another_identity_are_not)
{
	struct shim_bootstrap b;
	size_t len;
	unsigned char *buf = pack_params("c2", "k8s.io", 0, &len);

	cr_assert_eq(shim_bootstrap_parse(buf, len, "c1", "k8s.io", &b), 0);
	cr_assert_eq(b.used, 0);
	cr_assert_null(b.id);
	cr_assert_eq(shim_bootstrap_parse(buf, len, "c2", "default", &b), 0);
	cr_assert_eq(b.used, 0);
	free(buf);
}

/* containerd <= 2.2 writes the runtime options as a google.protobuf.Any: fields 1 and 2 are
 * length-delimited as in BootstrapParams, so it decodes; it must not be taken for params. */
Test(bootstrap, legacy_runtime_options_are_not_params)
{
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	struct shim_bootstrap b;
	unsigned char value[] = { 0x0a, 0x04, 'r', 'u', 'n', 'c', 0x10, 0x01 };
	unsigned char *buf;
	size_t len;

	any.type_url = "containerd.runc.v1.Options";
	any.value.data = value;
	any.value.len = sizeof(value);
	len = google__protobuf__any__get_packed_size(&any);
	buf = malloc(len);
	cr_assert_not_null(buf);
	google__protobuf__any__pack(&any, buf);
	cr_assert_eq(shim_bootstrap_parse(buf, len, "c1", "k8s.io", &b), 0);
	cr_assert_eq(b.used, 0);
	cr_assert_eq(shim_bootstrap_parse(buf, len, NULL, NULL, &b), 0);
	cr_assert_eq(b.used, 0, "an Any's value bytes are no namespace");
	free(buf);
	any.type_url = "type.googleapis.com/x.Options";
	len = google__protobuf__any__get_packed_size(&any);
	buf = malloc(len);
	google__protobuf__any__pack(&any, buf);
	cr_assert_eq(shim_bootstrap_parse(buf, len, NULL, NULL, &b), 0);
	cr_assert_eq(b.used, 0, "a type URL is no container id");
	free(buf);
}

Test(bootstrap, empty_and_garbage_stdin_mean_the_old_protocol)
{
	struct shim_bootstrap b;
	unsigned char junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x08 };

	cr_assert_eq(shim_bootstrap_parse(junk, 0, "c1", "k8s.io", &b), 0);
	cr_assert_eq(b.used, 0);
	cr_assert_eq(shim_bootstrap_parse(junk, sizeof(junk), "c1", "k8s.io", &b), 0);
	cr_assert_eq(b.used, 0);
}

Test(bootstrap, read_from_a_pipe_and_refuse_oversized_input)
{
	struct shim_bootstrap b;
	char err[128];
	size_t len, big = (1u << 20) + 10;
	unsigned char *buf = pack_params("c1", "ns", 0, &len);
	char *junk;
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(write(p[1], buf, len), (ssize_t)len);
	close(p[1]);
	cr_assert_eq(shim_bootstrap_read(p[0], "c1", "ns", &b, err, sizeof(err)), 0);
	cr_assert_eq(b.used, 1);
	shim_bootstrap_free(&b);
	close(p[0]);
	free(buf);
	/* More than the limit: refused with a message, not truncated and misread. */
	junk = calloc(1, big);
	cr_assert_not_null(junk);
	cr_assert_eq(pipe(p), 0);
	if (fork() == 0) {
		close(p[0]);
		(void)!write(p[1], junk, big);
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(shim_bootstrap_read(p[0], "c1", "ns", &b, err, sizeof(err)), -1);
	cr_assert(strstr(err, "more than"), "%s", err);
	close(p[0]);
	free(junk);
}

Test(bootstrap, reply_in_the_protocol_containerd_spoke)
{
	struct shim_bootstrap b = { 0 };
	Containerd__Runtime__Bootstrap__V1__BootstrapResult *r;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	cr_assert_eq(shim_bootstrap_reply(f, &b, "unix:///run/s/abc"), 0);
	fclose(f);
	cr_assert_eq(outlen, strlen("unix:///run/s/abc"));
	cr_assert_eq(memcmp(out, "unix:///run/s/abc", outlen), 0, "<= 2.2: the bare address");
	free(out);
	b.used = 1;
	f = open_memstream(&out, &outlen);
	cr_assert_eq(shim_bootstrap_reply(f, &b, "unix:///run/s/abc"), 0);
	fclose(f);
	r = containerd__runtime__bootstrap__v1__bootstrap_result__unpack(NULL, outlen,
									  (unsigned char *)out);
	cr_assert_not_null(r, "2.3: a BootstrapResult");
	cr_assert_eq(r->version, 2);
	cr_assert_str_eq(r->address, "unix:///run/s/abc");
	cr_assert_str_eq(r->protocol, "ttrpc");
	containerd__runtime__bootstrap__v1__bootstrap_result__free_unpacked(r, NULL);
	free(out);
}
