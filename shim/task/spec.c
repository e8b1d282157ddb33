/* shim/task/spec.c - OCI config.json -> struct task_spec.
 *
 * Lenient where the runtime spec allows omissions (no cwd, no user, no mounts) and strict only
 * where a wasm task cannot run without a value (process.args).  Only bind mounts are kept:
 * proc, sysfs, tmpfs, devpts and friends have no WASI equivalent.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../util/json.h" /* the tree's one JSON reader */
#include "spec.h"

#define SPEC_MAX_BYTES (16u << 20) /* containerd writes a few KiB; refuse absurd files */

static char *read_file(const char *path, size_t *out_len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || st.st_size < 0 || (uint64_t)st.st_size > SPEC_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a readable spec file", path);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = 0;
	*out_len = got;
	return buf;
}

static int64_t get_int(const struct json *obj, const char *key, int64_t fallback)
{
	const struct json *v = json_get(obj, key);

	if (!v || v->type != JSON_NUMBER || v->u.num != v->u.num)
		return fallback;
	if (v->u.num >= 9.2e18)
		return INT64_MAX;
	if (v->u.num <= -9.2e18)
		return INT64_MIN;
	return (int64_t)v->u.num;
}

static bool get_bool(const struct json *obj, const char *key, bool fallback)
{
	const struct json *v = json_get(obj, key);

	return v && v->type == JSON_BOOL ? v->u.b : fallback;
}

static const char *get_str(const struct json *obj, const char *key, const char *fallback)
{
	const char *s = json_get_str(obj, key);

	return s ? s : fallback;
}

/* Copy a JSON array of strings into a NULL-terminated vector.  Non-strings are an error. */
static int str_array(const struct json *a, char ***out, int *out_n)
{
	char **v;

	*out = NULL;
	*out_n = 0;
	if (!a)
		return 0;
	if (a->type != JSON_ARRAY)
		return -1;
	v = calloc(json_count(a) + 1, sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < json_count(a); i++) {
		const char *str = json_str(json_at(a, i));

		if (!str || !(v[i] = strdup(str))) {
			for (size_t k = 0; k < i; k++)
				free(v[k]);
			free(v);
			return -1;
		}
	}
	*out = v;
	*out_n = (int)json_count(a);
	return 0;
}

/* OCI LinuxResources JSON -> struct task_resources (-1 = unset). */
void spec_resources(const struct json *j, struct task_resources *out)
{
	const struct json *mem = json_get(j, "memory");
	const struct json *cpu = json_get(j, "cpu");
	const struct json *pids = json_get(j, "pids");

	out->memory_limit = get_int(mem, "limit", -1);
	out->memory_swap = get_int(mem, "swap", -1);
	out->cpu_shares = get_int(cpu, "shares", -1);
	out->cpu_quota = get_int(cpu, "quota", -1);
	out->cpu_period = get_int(cpu, "period", -1);
	out->pids_limit = get_int(pids, "limit", -1);
	/* runtime-spec: 0 means "unset" for memory and period; negative values mean unlimited,
	 * which is also what leaving them unset gives. */
	if (out->memory_limit <= 0)
		out->memory_limit = -1;
	if (out->memory_swap == 0)
		out->memory_swap = -1;
	if (out->cpu_period <= 0)
		out->cpu_period = -1;
	if (out->cpu_shares <= 0)
		out->cpu_shares = -1;
	if (out->pids_limit == 0)
		out->pids_limit = -1;
}

static int has_option(const struct json *opts, const char *name)
{
	for (size_t i = 0; i < json_count(opts); i++) {
		const char *o = json_str(json_at(opts, i));

		if (o && strcmp(o, name) == 0)
			return 1;
	}
	return 0;
}

static int load_mounts(const struct json *mounts, struct task_spec *s)
{
	if (!mounts || mounts->type != JSON_ARRAY)
		return 0;
	s->mounts = calloc(json_count(mounts) + 1, sizeof(*s->mounts));
	if (!s->mounts)
		return -1;
	for (size_t i = 0; i < json_count(mounts); i++) {
		const struct json *m = json_at(mounts, i);
		const struct json *opts = json_get(m, "options");
		const char *type = get_str(m, "type", "");
		const char *dest = get_str(m, "destination", NULL);
		const char *src = get_str(m, "source", NULL);
		struct task_mount *tm;

		if (!dest || !src || dest[0] != '/')
			continue;
		if (strcmp(type, "bind") != 0 && !has_option(opts, "bind") &&
		    !has_option(opts, "rbind"))
			continue;
		tm = &s->mounts[s->nmounts];
		tm->dest = strdup(dest);
		tm->source = strdup(src);
		tm->readonly = has_option(opts, "ro");
		if (!tm->dest || !tm->source) {
			free(tm->dest);
			free(tm->source);
			return -1;
		}
		s->nmounts++;
	}
	return 0;
}

/* The group annotation of bundle/config.json, or NULL (spec.h). */
int spec_group(const char *bundle, char **out, char *err, size_t errlen)
{
	static const char *const keys[] = { SPEC_GROUP_CHIBI, SPEC_GROUP_RUNC,
					    SPEC_GROUP_SANDBOX };
	char path[PATH_MAX], jerr[160];
	const struct json *ann;
	struct json *doc;
	size_t len;
	char *text;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	text = read_file(path, &len, err, errlen);
	if (!text)
		return -1;
	doc = json_parse(text, len, jerr, sizeof(jerr));
	free(text);
	if (!doc) {
		snprintf(err, errlen, "%s: %s", path, jerr);
		return -1;
	}
	ann = json_get(doc, "annotations");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !*out; i++) {
		const char *g = get_str(ann, keys[i], "");

		if (*g && !(*out = strdup(g))) {
			snprintf(err, errlen, "out of memory");
			json_free(doc);
			return -1;
		}
	}
	json_free(doc);
	return 0;
}

/* bundle/config.json -> *out; -1 with a message in err (spec.h). */
int spec_load(const char *bundle, struct task_spec *out, char *err, size_t errlen)
{
	char path[PATH_MAX], jerr[160];
	size_t len;
	char *text;
	struct json *doc;
	const struct json *proc, *user, *root, *linux_, *gids;
	const char *rootpath;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	spec_resources(NULL, &out->res);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	text = read_file(path, &len, err, errlen);
	if (!text)
		return -1;
	doc = json_parse(text, len, jerr, sizeof(jerr));
	free(text);
	if (!doc) {
		snprintf(err, errlen, "%s: %s", path, jerr);
		return -1;
	}
	proc = json_get(doc, "process");
	if (str_array(json_get(proc, "args"), &out->args, &out->nargs) || out->nargs == 0) {
		snprintf(err, errlen, "config.json: process.args must name the wasm module");
		goto out;
	}
	if (str_array(json_get(proc, "env"), &out->env, &out->nenv)) {
		snprintf(err, errlen, "config.json: process.env must be an array of strings");
		goto out;
	}
	out->cwd = strdup(get_str(proc, "cwd", "/"));
	out->terminal = get_bool(proc, "terminal", false);
	user = json_get(proc, "user");
	out->uid = (uint32_t)get_int(user, "uid", 0);
	out->gid = (uint32_t)get_int(user, "gid", 0);
	gids = json_get(user, "additionalGids");
	if (json_count(gids) && gids->type == JSON_ARRAY) {
		out->groups = calloc(json_count(gids), sizeof(*out->groups));
		if (!out->groups)
			goto nomem;
		for (size_t i = 0; i < json_count(gids); i++) {
			const struct json *g = json_at(gids, i);

			if (g->type == JSON_NUMBER && g->u.num >= 0 && g->u.num <= UINT32_MAX)
				out->groups[out->ngroups++] = (uint32_t)g->u.num;
		}
	}
	root = json_get(doc, "root");
	rootpath = get_str(root, "path", "rootfs");
	out->root_readonly = get_bool(root, "readonly", false);
	if (rootpath[0] == '/') {
		out->root = strdup(rootpath);
	} else {
		snprintf(path, sizeof(path), "%s/%s", bundle, rootpath);
		out->root = strdup(path);
	}
	if (!out->cwd || !out->root || load_mounts(json_get(doc, "mounts"), out))
		goto nomem;
	/* With a RuntimeClass, CRI runs the pod's sandbox ("pause") container through this shim
	 * too; it gets an idle process instead of a module. */
	out->sandbox = strcmp(get_str(json_get(doc, "annotations"),
				      "io.kubernetes.cri.container-type", ""), "sandbox") == 0;
	linux_ = json_get(doc, "linux");
	if (get_str(linux_, "cgroupsPath", NULL) && *get_str(linux_, "cgroupsPath", NULL)) {
		out->cgroups_path = strdup(get_str(linux_, "cgroupsPath", NULL));
		if (!out->cgroups_path)
			goto nomem;
	}
	spec_resources(json_get(linux_, "resources"), &out->res);
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory reading config.json");
out:
	json_free(doc);
	if (rc)
		spec_free(out);
	return rc;
}

/* Free a spec; safe on zeroed or partial specs. */
void spec_free(struct task_spec *s)
{
	for (int i = 0; s->args && i < s->nargs; i++)
		free(s->args[i]);
	for (int i = 0; s->env && i < s->nenv; i++)
		free(s->env[i]);
	for (int i = 0; s->mounts && i < s->nmounts; i++) {
		free(s->mounts[i].dest);
		free(s->mounts[i].source);
	}
	free(s->args);
	free(s->env);
	free(s->mounts);
	free(s->groups);
	free(s->cwd);
	free(s->root);
	free(s->cgroups_path);
	memset(s, 0, sizeof(*s));
	spec_resources(NULL, &s->res);
}
