/* shim/task/spec.h - the parts of an OCI runtime spec (bundle/config.json) a wasm task uses.
 *
 * process.{args,env,cwd,user,terminal}, root.{path,readonly}, bind mounts (which become WASI
 * preopens), linux.cgroupsPath and linux.resources.  Everything else in the spec (namespaces,
 * capabilities, masked paths) has no meaning for a WASI guest and is ignored.
 */
#ifndef CHIBI_SHIM_SPEC_H
#define CHIBI_SHIM_SPEC_H

#include <stdbool.h>
#include <stdint.h>

struct json;

/* linux.resources values chibi applies; -1 = not set. */
struct task_resources {
	int64_t memory_limit;  /* bytes: cgroup limit and the cap on wasm linear memory */
	int64_t memory_swap;   /* bytes: memory+swap (v1 memsw / v2 swap.max = swap - limit) */
	int64_t cpu_shares;    /* v1 cpu.shares; v2 cpu.weight derived from it */
	int64_t cpu_quota;     /* microseconds per period, -1 unlimited */
	int64_t cpu_period;    /* microseconds */
	int64_t pids_limit;
};

struct task_mount {
	char *dest;            /* absolute path the guest sees */
	char *source;          /* host path */
	bool readonly;
};

struct task_spec {
	int nargs;
	char **args;           /* process.args (NULL-terminated) */
	int nenv;
	char **env;            /* process.env (NULL-terminated) */
	char *cwd;             /* process.cwd ("/" when absent) */
	uint32_t uid, gid;     /* process.user */
	int ngroups;
	uint32_t *groups;      /* process.user.additionalGids */
	bool terminal;
	bool sandbox;          /* CRI pod sandbox (io.kubernetes.cri.container-type) */
	char *root;            /* absolute host path of the root filesystem */
	bool root_readonly;
	int nmounts;
	struct task_mount *mounts; /* bind mounts only, in spec order */
	char *cgroups_path;    /* linux.cgroupsPath, or NULL */
	struct task_resources res;
};

/* Read bundle/config.json into *out (zeroed first; strings owned by *out).  Returns 0, or -1
 * with a message in err (unreadable file, bad JSON, missing process.args). */
int spec_load(const char *bundle, struct task_spec *out, char *err, size_t errlen);

/* Annotations that put containers into one shim daemon, strongest first: chibi's own group
 * label (for ctr users: `ctr run --annotation io.containerd.chibi.v1.group=NAME`), runc's
 * (accepted so that tooling written for containerd-shim-runc-v2 groups the same way), and
 * CRI's sandbox id, which every container of a pod carries, the sandbox itself included. */
#define SPEC_GROUP_CHIBI "io.containerd.chibi.v1.group"
#define SPEC_GROUP_RUNC "io.containerd.runc.v2.group"
#define SPEC_GROUP_SANDBOX "io.kubernetes.cri.sandbox-id"

/* The shim group of the container in bundle (its config.json annotations, above): a
 * malloc'd name in *out, or NULL when it names none (the container gets a shim of its own).
 * Returns 0, or -1 with a message in err when config.json cannot be read or parsed (*out
 * NULL).  An empty annotation counts as absent. */
int spec_group(const char *bundle, char **out, char *err, size_t errlen);

/* Free everything spec_load allocated; safe on a zeroed or partly filled spec. */
void spec_free(struct task_spec *s);

/* Fill *out from an OCI LinuxResources object (config.json linux.resources, or the JSON an
 * Update call carries).  Absent values stay -1.  NULL j gives all -1. */
void spec_resources(const struct json *j, struct task_resources *out);

#endif
