/* shim/task/spec_test.c - config.json -> struct task_spec, and runtime-spec resources. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../util/json.h"
#include "spec.h"

static char dir[64];

static void write_spec(const char *json)
{
	char path[128];
	FILE *f;

	strcpy(dir, "/tmp/spec_test.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	fputs(json, f);
	fclose(f);
}

static void cleanup(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/config.json", dir);
	unlink(path);
	rmdir(dir);
}

TestSuite(spec, .fini = cleanup);

Test(spec, containerd_style_config)
{
	struct task_spec s;
	char err[256], want_root[128];

	write_spec("{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"user\":{\"uid\":1000,\"gid\":100,"
		   "\"additionalGids\":[10,20]},\"args\":[\"/app.wasm\",\"x\"],\"env\":[\"A=1\","
		   "\"B=two\"],\"cwd\":\"/data\"},\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
		   "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		   "{\"destination\":\"/mnt\",\"type\":\"bind\",\"source\":\"/srv\",\"options\":"
		   "[\"rbind\",\"ro\"]},{\"destination\":\"/w\",\"source\":\"/w\",\"options\":"
		   "[\"bind\"]}],\"linux\":{\"cgroupsPath\":\"/ns/id\",\"resources\":{\"memory\":"
		   "{\"limit\":33554432},\"pids\":{\"limit\":10}}}}");
	cr_assert_eq(spec_load(dir, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(s.nargs, 2);
	cr_assert_str_eq(s.args[0], "/app.wasm");
	cr_assert_null(s.args[2]);
	cr_assert_eq(s.nenv, 2);
	cr_assert_str_eq(s.env[1], "B=two");
	cr_assert_str_eq(s.cwd, "/data");
	cr_assert_eq(s.uid, 1000);
	cr_assert_eq(s.gid, 100);
	cr_assert_eq(s.ngroups, 2);
	snprintf(want_root, sizeof(want_root), "%s/rootfs", dir);
	cr_assert_str_eq(s.root, want_root);
	cr_assert(s.root_readonly);
	cr_assert_eq(s.nmounts, 2, "proc is not a bind mount");
	cr_assert_str_eq(s.mounts[0].dest, "/mnt");
	cr_assert(s.mounts[0].readonly);
	cr_assert_not(s.mounts[1].readonly);
	cr_assert_str_eq(s.cgroups_path, "/ns/id");
	cr_assert_eq(s.res.memory_limit, 33554432);
	cr_assert_eq(s.res.pids_limit, 10);
	cr_assert_eq(s.res.cpu_shares, -1);
	spec_free(&s);
}

Test(spec, defaults_and_errors)
{
	struct task_spec s;
	char err[256];

	write_spec("{\"process\":{\"args\":[\"a.wasm\"]}}");
	cr_assert_eq(spec_load(dir, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(s.cwd, "/");
	cr_assert_eq(s.nenv, 0);
	cr_assert_null(s.cgroups_path);
	cr_assert_eq(s.res.memory_limit, -1);
	spec_free(&s);
	cleanup();

	write_spec("{\"process\":{\"args\":[]}}");
	cr_assert_eq(spec_load(dir, &s, err, sizeof(err)), -1);
	cr_assert(strstr(err, "process.args"));
	cleanup();

	write_spec("{\"process\":");
	cr_assert_eq(spec_load(dir, &s, err, sizeof(err)), -1);
	cleanup();

	write_spec("{\"process\":{\"args\":[1]}}");
	cr_assert_eq(spec_load(dir, &s, err, sizeof(err)), -1);
}

Test(spec, missing_file)
{
	struct task_spec s;
	char err[256];

	strcpy(dir, "/nonexistent-bundle");
	cr_assert_eq(spec_load(dir, &s, err, sizeof(err)), -1);
	cr_assert(strstr(err, "config.json"));
	dir[0] = 0;
}

Test(spec, update_resources_json)
{
	const char *text = "{\"memory\":{\"limit\":100663296,\"swap\":0},\"cpu\":{\"shares\":512,"
			   "\"quota\":50000,\"period\":100000}}";
	struct json *j = json_parse(text, strlen(text), NULL, 0);
	struct task_resources r;

	cr_assert_not_null(j);
	spec_resources(j, &r);
	cr_assert_eq(r.memory_limit, 100663296);
	cr_assert_eq(r.memory_swap, -1);
	cr_assert_eq(r.cpu_shares, 512);
	cr_assert_eq(r.cpu_quota, 50000);
	cr_assert_eq(r.cpu_period, 100000);
	cr_assert_eq(r.pids_limit, -1);
	json_free(j);
}

/* The shim group: chibi's label over runc's over CRI's sandbox id; none, or empty, is no group. */
static char *group_of(const char *json)
{
	char err[256], *g = (char *)"unset";

	write_spec(json);
	cr_assert_eq(spec_group(dir, &g, err, sizeof(err)), 0, "%s", err);
	cleanup();
	return g;
}

Test(spec, group_annotations)
{
	char *g;

	cr_assert_null(group_of("{\"process\":{\"args\":[\"/a.wasm\"]}}"));
	cr_assert_null(group_of("{\"annotations\":{\"io.kubernetes.cri.container-type\":\"x\"}}"));
	cr_assert_null(group_of("{\"annotations\":{\"io.containerd.chibi.v1.group\":\"\"}}"));
	cr_assert_null(group_of("{\"annotations\":{\"io.containerd.chibi.v1.group\":7}}"));
	g = group_of("{\"annotations\":{\"io.kubernetes.cri.sandbox-id\":\"pod1\"}}");
	cr_assert_str_eq(g, "pod1");
	free(g);
	g = group_of("{\"annotations\":{\"io.kubernetes.cri.sandbox-id\":\"pod1\","
		     "\"io.containerd.runc.v2.group\":\"r\"}}");
	cr_assert_str_eq(g, "r");
	free(g);
	g = group_of("{\"annotations\":{\"io.containerd.runc.v2.group\":\"r\","
		     "\"io.containerd.chibi.v1.group\":\"c\",\"io.kubernetes.cri.sandbox-id\":\"p\"}}");
	cr_assert_str_eq(g, "c");
	free(g);
}

Test(spec, group_unreadable_config)
{
	char err[256], *g = (char *)"unset";

	cr_assert_eq(spec_group("/nonexistent-bundle", &g, err, sizeof(err)), -1);
	cr_assert_null(g);
	cr_assert(strstr(err, "config.json"));
	write_spec("{\"annotations\":");
	cr_assert_eq(spec_group(dir, &g, err, sizeof(err)), -1);
	cr_assert_null(g);
}
