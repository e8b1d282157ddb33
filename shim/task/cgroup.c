/* shim/task/cgroup.c - cgroup v1/v2 plumbing for one task, by plain file I/O on cgroupfs.
 *
 * v1: one directory per mounted hierarchy (memory, cpu, cpuacct, pids, freezer, ... and named
 * ones), found in /proc/self/mountinfo.  v2: one directory under the unified mount, with the
 * controllers enabled in every ancestor's cgroup.subtree_control.  Metrics use containerd's
 * io.containerd.cgroups.v1/v2.Metrics messages so `ctr task metrics` can print them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "spec.h"
#include "cgroups/metrics_v1.pb-c.h"
#include "cgroups/metrics_v2.pb-c.h"

#define CGROUP2_MAGIC 0x63677270
#define MAX_HIER 16

enum ctl { CTL_MEMORY = 1, CTL_CPU = 2, CTL_CPUACCT = 4, CTL_PIDS = 8, CTL_FREEZER = 16,
	   CTL_CPUSET = 32 };

struct hier {
	char *dir;       /* mountpoint + cgroup path */
	size_t root_len; /* length of the mountpoint prefix of dir */
	unsigned ctls;   /* enum ctl bits this hierarchy carries */
};

struct cgroup {
	int version;
	int n;
	struct hier h[MAX_HIER];
};

/* ---- small file helpers --------------------------------------------------------------- */

static int write_file(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX];
	int fd, rc = 0;
	size_t n = strlen(val);

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, val, n) != (ssize_t)n)
		rc = -1;
	close(fd);
	return rc;
}

static int read_file(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	int fd;
	ssize_t r;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = 0;
	return 0;
}

/* A single number; "max" reads as UINT64_MAX (unlimited). */
static uint64_t read_u64(const char *dir, const char *file)
{
	char buf[64];

	if (!dir || read_file(dir, file, buf, sizeof(buf)))
		return 0;
	if (strncmp(buf, "max", 3) == 0)
		return UINT64_MAX;
	return strtoull(buf, NULL, 10);
}

/* The value of `key` in a flat-keyed file ("key value\n" lines). */
static uint64_t keyed(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
			return strtoull(p + kl + 1, NULL, 10);
	return 0;
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

/* ---- discovery ------------------------------------------------------------------------ */

static unsigned ctl_bits(const char *superopts)
{
	static const struct { const char *name; unsigned bit; } map[] = {
		{ "memory", CTL_MEMORY }, { "cpu", CTL_CPU }, { "cpuacct", CTL_CPUACCT },
		{ "pids", CTL_PIDS }, { "freezer", CTL_FREEZER }, { "cpuset", CTL_CPUSET },
	};
	char buf[512], *save = NULL;
	unsigned bits = 0;

	snprintf(buf, sizeof(buf), "%s", superopts);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcmp(t, map[i].name) == 0)
				bits |= map[i].bit;
	return bits;
}

/* linux.cgroupsPath -> an absolute path inside each hierarchy. */
static void normalize(const char *in, char *out, size_t len)
{
	const char *c1 = strchr(in, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (c1 && c2) {
		/* systemd "slice:prefix:name" -> /slice/prefix-name.scope */
		snprintf(out, len, "/%.*s/%.*s-%s.scope", (int)(c1 - in), in,
			 (int)(c2 - c1 - 1), c1 + 1, c2 + 1);
		return;
	}
	snprintf(out, len, "%s%s", in[0] == '/' ? "" : "/", in);
}

/* A new v1 cpuset group starts with empty cpus/mems and refuses members (ENOSPC) until they
 * are set; copy them down from the nearest ancestor, as runc does. */
static void cpuset_fill(const char *dir, size_t root_len)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char parent[PATH_MAX], val[4096];
	const char *slash = strrchr(dir, '/');

	if (!slash || (size_t)(slash - dir) < root_len)
		return;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - dir), dir);
	cpuset_fill(parent, root_len);
	for (int i = 0; i < 2; i++) {
		if (read_file(dir, files[i], val, sizeof(val)) == 0 && val[0] != '\n' && val[0])
			continue;
		if (read_file(parent, files[i], val, sizeof(val)) == 0)
			(void)write_file(dir, files[i], val);
	}
}

/* Enable the available controllers along the path so the leaf gets memory/cpu/pids files. */
static void v2_enable(const char *mnt, const char *rel)
{
	char dir[PATH_MAX], avail[512], req[512];
	const char *want[] = { "memory", "cpu", "pids", "io" };
	size_t dl;

	snprintf(dir, sizeof(dir), "%s", mnt);
	for (const char *p = rel;;) {
		req[0] = 0;
		if (read_file(dir, "cgroup.controllers", avail, sizeof(avail)) == 0) {
			for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
				char *hit = strstr(avail, want[i]);
				size_t wl = strlen(want[i]);

				if (hit && (hit[wl] == ' ' || hit[wl] == '\n' || hit[wl] == 0) &&
				    strlen(req) + wl + 3 < sizeof(req)) {
					strcat(req, "+");
					strcat(req, want[i]);
					strcat(req, " ");
				}
			}
		}
		while (*p == '/')
			p++;
		if (!*p)
			break;
		if (req[0])
			(void)write_file(dir, "cgroup.subtree_control", req);
		dl = strlen(dir);
		const char *slash = strchr(p, '/');
		size_t seg = slash ? (size_t)(slash - p) : strlen(p);

		if (dl + 1 + seg >= sizeof(dir))
			break;
		dir[dl] = '/';
		memcpy(dir + dl + 1, p, seg);
		dir[dl + 1 + seg] = 0;
		p += seg;
		if (!slash)
			break;
	}
}

/* Find (and with create, make) the task cgroup in every hierarchy (cgroup.h). */
struct cgroup *cg_open(const char *path, bool create, char *err, size_t errlen)
{
	struct cgroup *cg = calloc(1, sizeof(*cg));
	char rel[PATH_MAX], line[4096];
	struct statfs sfs;
	FILE *mi;

	if (!cg) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	normalize(path, rel, sizeof(rel));
	if (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_MAGIC) {
		cg->version = 2;
		cg->h[0].ctls = CTL_MEMORY | CTL_CPU | CTL_CPUACCT | CTL_PIDS | CTL_FREEZER;
		if (asprintf(&cg->h[0].dir, "/sys/fs/cgroup%s", rel) < 0)
			goto nomem;
		cg->n = 1;
		if (create)
			v2_enable("/sys/fs/cgroup", rel);
	} else {
		cg->version = 1;
		mi = fopen("/proc/self/mountinfo", "re");
		if (!mi) {
			snprintf(err, errlen, "mountinfo: %s", strerror(errno));
			goto fail;
		}
		while (fgets(line, sizeof(line), mi) && cg->n < MAX_HIER) {
			/* id parent maj:min root mountpoint opts [optional...] - fstype src superopts */
			char *sep = strstr(line, " - ");
			char mnt[PATH_MAX], fstype[32], src[64], sopts[512];

			if (!sep || sscanf(sep + 3, "%31s %63s %511s", fstype, src, sopts) != 3 ||
			    strcmp(fstype, "cgroup") != 0)
				continue;
			if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
				continue;
			if (asprintf(&cg->h[cg->n].dir, "%s%s", mnt, rel) < 0)
				break;
			cg->h[cg->n].ctls = ctl_bits(sopts);
			cg->h[cg->n].root_len = strlen(mnt);
			cg->n++;
		}
		fclose(mi);
		if (cg->n == 0) {
			snprintf(err, errlen, "no cgroup hierarchy mounted");
			goto fail;
		}
	}
	for (int i = 0; create && i < cg->n; i++) {
		if (mkdir_p(cg->h[i].dir)) {
			snprintf(err, errlen, "mkdir %s: %s", cg->h[i].dir, strerror(errno));
			goto fail;
		}
		if (cg->h[i].ctls & CTL_CPUSET)
			cpuset_fill(cg->h[i].dir, cg->h[i].root_len);
	}
	return cg;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	cg_free(cg);
	return NULL;
}

/* Which cgroup version cg lives on (1 or 2). */
int cg_version(const struct cgroup *cg)
{
	return cg->version;
}

static const char *dir_for(const struct cgroup *cg, unsigned ctl)
{
	for (int i = 0; i < cg->n; i++)
		if (cg->h[i].ctls & ctl)
			return cg->h[i].dir;
	return NULL;
}

/* Free cg without touching cgroupfs; NULL is a no-op. */
void cg_free(struct cgroup *cg)
{
	if (!cg)
		return;
	for (int i = 0; i < cg->n; i++)
		free(cg->h[i].dir);
	free(cg);
}

/* ---- limits ----------------------------------------------------------------------------- */

static int set(const char *dir, const char *file, int64_t v, char *err, size_t errlen)
{
	char buf[32];

	if (v == -2)
		snprintf(buf, sizeof(buf), "max");
	else
		snprintf(buf, sizeof(buf), "%lld", (long long)v);
	if (!dir || write_file(dir, file, buf) == 0)
		return 0;
	snprintf(err, errlen, "write %s/%s = %s: %s", dir, file, buf, strerror(errno));
	return -1;
}

/* Write the resource limits that are set; -1 with a message on the first failure. */
int cg_apply(struct cgroup *cg, const struct task_resources *r, char *err, size_t errlen)
{
	const char *mem = dir_for(cg, CTL_MEMORY), *cpu = dir_for(cg, CTL_CPU);
	const char *pids = dir_for(cg, CTL_PIDS);

	if (cg->version == 1) {
		/* The kernel keeps memsw >= limit at every write (EINVAL otherwise).  Shrinking,
		 * the limit goes first; growing (CRI's Update from 64 to 96 MiB with swap = limit),
		 * memsw must go first.  memsw is written after the limit in both cases: that write
		 * is the one that counts when the first one could not be done. */
		int grow = r->memory_swap > 0 && r->memory_limit > 0 &&
			   (uint64_t)r->memory_limit > read_u64(mem, "memory.limit_in_bytes");

		if (grow)
			(void)set(mem, "memory.memsw.limit_in_bytes", r->memory_swap, err, errlen);
		if (r->memory_limit > 0 && set(mem, "memory.limit_in_bytes", r->memory_limit, err,
					       errlen))
			return -1;
		if (r->memory_swap > 0)
			(void)set(mem, "memory.memsw.limit_in_bytes", r->memory_swap, err, errlen);
		if (r->cpu_shares > 0 && set(cpu, "cpu.shares", r->cpu_shares, err, errlen))
			return -1;
		if (r->cpu_period > 0 && set(cpu, "cpu.cfs_period_us", r->cpu_period, err, errlen))
			return -1;
		if (r->cpu_quota != -1 && r->cpu_quota != 0 &&
		    set(cpu, "cpu.cfs_quota_us", r->cpu_quota, err, errlen))
			return -1;
		if (r->pids_limit != -1 &&
		    set(pids, "pids.max", r->pids_limit < 0 ? -2 : r->pids_limit, err, errlen))
			return -1;
		return 0;
	}
	if (r->memory_limit > 0 && set(mem, "memory.max", r->memory_limit, err, errlen))
		return -1;
	if (r->memory_swap > 0 && r->memory_limit > 0 && r->memory_swap >= r->memory_limit)
		(void)set(mem, "memory.swap.max", r->memory_swap - r->memory_limit, err, errlen);
	if (r->cpu_shares > 0) {
		/* The OCI/runc conversion from shares [2, 262144] to weight [1, 10000]. */
		int64_t w = 1 + ((r->cpu_shares - 2) * 9999) / 262142;

		if (set(cpu, "cpu.weight", w, err, errlen))
			return -1;
	}
	if (r->cpu_quota != -1 || r->cpu_period > 0) {
		long long period = r->cpu_period > 0 ? r->cpu_period : 100000;
		char buf[64];

		/* cpu.max is "QUOTA PERIOD" with QUOTA "max" for unlimited. */
		if (r->cpu_quota > 0)
			snprintf(buf, sizeof(buf), "%lld %lld", (long long)r->cpu_quota, period);
		else
			snprintf(buf, sizeof(buf), "max %lld", period);
		if (write_file(cpu, "cpu.max", buf)) {
			snprintf(err, errlen, "write cpu.max: %s", strerror(errno));
			return -1;
		}
	}
	if (r->pids_limit != -1 &&
	    set(pids, "pids.max", r->pids_limit < 0 ? -2 : r->pids_limit, err, errlen))
		return -1;
	return 0;
}

/* Move pid into the cgroup everywhere; -1 with a message on failure. */
int cg_add(struct cgroup *cg, pid_t pid, char *err, size_t errlen)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (int i = 0; i < cg->n; i++) {
		if (write_file(cg->h[i].dir, "cgroup.procs", buf)) {
			snprintf(err, errlen, "join %s: %s", cg->h[i].dir, strerror(errno));
			return -1;
		}
	}
	return 0;
}

size_t cg_v1_self_join_files(const struct cgroup *cg, char *buf, size_t len)
{
	size_t used = 0;

	if (cg->version != 1 || cg->n < 1)
		return 0;
	for (int i = 0; i < cg->n; i++) {
		int n = snprintf(buf + used, len - used, "%s/tasks", cg->h[i].dir);

		if (n < 0 || (size_t)n + 1 >= len - used)
			return 0;
		used += (size_t)n + 1;
	}
	buf[used++] = '\0';
	return used;
}

int cg_v2_dir_fd(const struct cgroup *cg)
{
	if (cg->version != 2 || cg->n < 1)
		return -1;
	return open(cg->h[0].dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* ---- freezer ---------------------------------------------------------------------------- */

static int frozen_now(const struct cgroup *cg)
{
	char buf[256];

	if (cg->version == 1) {
		if (read_file(dir_for(cg, CTL_FREEZER), "freezer.state", buf, sizeof(buf)))
			return -1;
		return strncmp(buf, "FROZEN", 6) == 0;
	}
	if (read_file(cg->h[0].dir, "cgroup.events", buf, sizeof(buf)))
		return -1;
	return keyed(buf, "frozen") == 1;
}

/* Freeze or thaw and wait for the state to settle (about 1 s at most). */
int cg_freeze(struct cgroup *cg, bool frozen, char *err, size_t errlen)
{
	const char *dir = cg->version == 1 ? dir_for(cg, CTL_FREEZER) : cg->h[0].dir;
	const char *file = cg->version == 1 ? "freezer.state" : "cgroup.freeze";
	const char *val = cg->version == 1 ? (frozen ? "FROZEN" : "THAWED") : (frozen ? "1" : "0");

	if (!dir) {
		snprintf(err, errlen, "no freezer cgroup");
		return -1;
	}
	/* v1 may report FREEZING for a while; rewriting the state nudges stragglers. */
	for (int i = 0; i < 200; i++) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		if (write_file(dir, file, val)) {
			snprintf(err, errlen, "write %s/%s: %s", dir, file, strerror(errno));
			return -1;
		}
		if (frozen_now(cg) == (int)frozen)
			return 0;
		nanosleep(&ts, NULL);
	}
	snprintf(err, errlen, "cgroup did not reach state %s", val);
	return -1;
}

/* ---- members ---------------------------------------------------------------------------- */

/* Member pids; the count, or -1. */
int cg_pids(struct cgroup *cg, pid_t **out)
{
	const char *dir = dir_for(cg, CTL_PIDS) ? dir_for(cg, CTL_PIDS) : cg->h[0].dir;
	char path[PATH_MAX];
	FILE *f;
	pid_t *v = NULL;
	int n = 0, cap = 0, pid;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fscanf(f, "%d", &pid) == 1) {
		if (n == cap) {
			pid_t *nv = realloc(v, (size_t)(cap = cap ? cap * 2 : 8) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		v[n++] = pid;
	}
	fclose(f);
	*out = v;
	return n;
}

/* Signal every member; returns how many were signalled. */
int cg_kill_all(struct cgroup *cg, int sig)
{
	pid_t *pids;
	int n = cg_pids(cg, &pids), killed = 0;

	for (int i = 0; i < n; i++)
		if (kill(pids[i], sig) == 0)
			killed++;
	free(pids);
	return killed;
}

/* OOM-killer count of the cgroup (0 when unknown). */
uint64_t cg_oom_kills(struct cgroup *cg)
{
	char buf[1024];

	if (cg->version == 1) {
		if (read_file(dir_for(cg, CTL_MEMORY), "memory.oom_control", buf, sizeof(buf)))
			return 0;
		return keyed(buf, "oom_kill");
	}
	if (read_file(cg->h[0].dir, "memory.events", buf, sizeof(buf)))
		return 0;
	return keyed(buf, "oom_kill");
}

/* rmdir every directory (retrying while members exit), then free cg. */
int cg_destroy(struct cgroup *cg)
{
	int rc = 0;

	if (!cg)
		return 0;
	/* Children first would matter for nested groups; the task never creates any. */
	for (int i = 0; i < cg->n; i++) {
		int tries = 0;

		while (rmdir(cg->h[i].dir) && errno == EBUSY && tries++ < 50) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		if (access(cg->h[i].dir, F_OK) == 0)
			rc = -1;
	}
	cg_free(cg);
	return rc;
}

/* ---- metrics ---------------------------------------------------------------------------- */

static int stats_v1(struct cgroup *cg, uint8_t **out, size_t *out_len)
{
	Io__Containerd__Cgroups__V1__Metrics m = IO__CONTAINERD__CGROUPS__V1__METRICS__INIT;
	Io__Containerd__Cgroups__V1__PidsStat pids = IO__CONTAINERD__CGROUPS__V1__PIDS_STAT__INIT;
	Io__Containerd__Cgroups__V1__CPUStat cpu = IO__CONTAINERD__CGROUPS__V1__CPUSTAT__INIT;
	Io__Containerd__Cgroups__V1__CPUUsage usage = IO__CONTAINERD__CGROUPS__V1__CPUUSAGE__INIT;
	Io__Containerd__Cgroups__V1__Throttle thr = IO__CONTAINERD__CGROUPS__V1__THROTTLE__INIT;
	Io__Containerd__Cgroups__V1__MemoryStat mem = IO__CONTAINERD__CGROUPS__V1__MEMORY_STAT__INIT;
	Io__Containerd__Cgroups__V1__MemoryEntry mu = IO__CONTAINERD__CGROUPS__V1__MEMORY_ENTRY__INIT;
	Io__Containerd__Cgroups__V1__MemoryEntry ms = IO__CONTAINERD__CGROUPS__V1__MEMORY_ENTRY__INIT;
	Io__Containerd__Cgroups__V1__MemoryEntry mk = IO__CONTAINERD__CGROUPS__V1__MEMORY_ENTRY__INIT;
	Io__Containerd__Cgroups__V1__MemoryOomControl oom =
		IO__CONTAINERD__CGROUPS__V1__MEMORY_OOM_CONTROL__INIT;
	const char *md = dir_for(cg, CTL_MEMORY), *ad = dir_for(cg, CTL_CPUACCT);
	const char *cd = dir_for(cg, CTL_CPU), *pd = dir_for(cg, CTL_PIDS);
	char text[8192];
	uint64_t percpu[256];
	size_t ncpu = 0;
	long hz = sysconf(_SC_CLK_TCK);

	if (pd) {
		pids.current = read_u64(pd, "pids.current");
		pids.limit = read_u64(pd, "pids.max");
		if (pids.limit == UINT64_MAX)
			pids.limit = 0; /* containerd's convention for "max" */
		m.pids = &pids;
	}
	if (ad) {
		usage.total = read_u64(ad, "cpuacct.usage");
		if (read_file(ad, "cpuacct.usage_percpu", text, sizeof(text)) == 0) {
			char *p = text, *end;

			while (ncpu < sizeof(percpu) / sizeof(percpu[0])) {
				uint64_t v = strtoull(p, &end, 10);

				if (end == p)
					break;
				percpu[ncpu++] = v;
				p = end;
			}
		}
		usage.per_cpu = percpu;
		usage.n_per_cpu = ncpu;
		if (read_file(ad, "cpuacct.stat", text, sizeof(text)) == 0 && hz > 0) {
			usage.user = keyed(text, "user") * (1000000000ull / (uint64_t)hz);
			usage.kernel = keyed(text, "system") * (1000000000ull / (uint64_t)hz);
		}
		cpu.usage = &usage;
		m.cpu = &cpu;
	}
	if (cd && read_file(cd, "cpu.stat", text, sizeof(text)) == 0) {
		thr.periods = keyed(text, "nr_periods");
		thr.throttled_periods = keyed(text, "nr_throttled");
		thr.throttled_time = keyed(text, "throttled_time");
		cpu.throttling = &thr;
		m.cpu = &cpu;
	}
	if (md) {
		if (read_file(md, "memory.stat", text, sizeof(text)) == 0) {
			mem.cache = keyed(text, "cache");
			mem.rss = keyed(text, "rss");
			mem.rss_huge = keyed(text, "rss_huge");
			mem.mapped_file = keyed(text, "mapped_file");
			mem.dirty = keyed(text, "dirty");
			mem.writeback = keyed(text, "writeback");
			mem.pg_pg_in = keyed(text, "pgpgin");
			mem.pg_pg_out = keyed(text, "pgpgout");
			mem.pg_fault = keyed(text, "pgfault");
			mem.pg_maj_fault = keyed(text, "pgmajfault");
			mem.inactive_anon = keyed(text, "inactive_anon");
			mem.active_anon = keyed(text, "active_anon");
			mem.inactive_file = keyed(text, "inactive_file");
			mem.active_file = keyed(text, "active_file");
			mem.unevictable = keyed(text, "unevictable");
			mem.hierarchical_memory_limit = keyed(text, "hierarchical_memory_limit");
			mem.hierarchical_swap_limit = keyed(text, "hierarchical_memsw_limit");
			mem.total_cache = keyed(text, "total_cache");
			mem.total_rss = keyed(text, "total_rss");
			mem.total_rss_huge = keyed(text, "total_rss_huge");
			mem.total_mapped_file = keyed(text, "total_mapped_file");
			mem.total_dirty = keyed(text, "total_dirty");
			mem.total_writeback = keyed(text, "total_writeback");
			mem.total_pg_pg_in = keyed(text, "total_pgpgin");
			mem.total_pg_pg_out = keyed(text, "total_pgpgout");
			mem.total_pg_fault = keyed(text, "total_pgfault");
			mem.total_pg_maj_fault = keyed(text, "total_pgmajfault");
			mem.total_inactive_anon = keyed(text, "total_inactive_anon");
			mem.total_active_anon = keyed(text, "total_active_anon");
			mem.total_inactive_file = keyed(text, "total_inactive_file");
			mem.total_active_file = keyed(text, "total_active_file");
			mem.total_unevictable = keyed(text, "total_unevictable");
		}
		mu.usage = read_u64(md, "memory.usage_in_bytes");
		mu.max = read_u64(md, "memory.max_usage_in_bytes");
		mu.limit = read_u64(md, "memory.limit_in_bytes");
		mu.failcnt = read_u64(md, "memory.failcnt");
		ms.usage = read_u64(md, "memory.memsw.usage_in_bytes");
		ms.max = read_u64(md, "memory.memsw.max_usage_in_bytes");
		ms.limit = read_u64(md, "memory.memsw.limit_in_bytes");
		ms.failcnt = read_u64(md, "memory.memsw.failcnt");
		mk.usage = read_u64(md, "memory.kmem.usage_in_bytes");
		mk.max = read_u64(md, "memory.kmem.max_usage_in_bytes");
		mk.limit = read_u64(md, "memory.kmem.limit_in_bytes");
		mk.failcnt = read_u64(md, "memory.kmem.failcnt");
		mem.usage = &mu;
		mem.swap = &ms;
		mem.kernel = &mk;
		m.memory = &mem;
		if (read_file(md, "memory.oom_control", text, sizeof(text)) == 0) {
			oom.oom_kill_disable = keyed(text, "oom_kill_disable");
			oom.under_oom = keyed(text, "under_oom");
			oom.oom_kill = keyed(text, "oom_kill");
			m.memory_oom_control = &oom;
		}
	}
	*out_len = io__containerd__cgroups__v1__metrics__get_packed_size(&m);
	*out = malloc(*out_len ? *out_len : 1);
	if (!*out)
		return -1;
	io__containerd__cgroups__v1__metrics__pack(&m, *out);
	return 0;
}

static int stats_v2(struct cgroup *cg, uint8_t **out, size_t *out_len)
{
	Io__Containerd__Cgroups__V2__Metrics m = IO__CONTAINERD__CGROUPS__V2__METRICS__INIT;
	Io__Containerd__Cgroups__V2__PidsStat pids = IO__CONTAINERD__CGROUPS__V2__PIDS_STAT__INIT;
	Io__Containerd__Cgroups__V2__CPUStat cpu = IO__CONTAINERD__CGROUPS__V2__CPUSTAT__INIT;
	Io__Containerd__Cgroups__V2__MemoryStat mem = IO__CONTAINERD__CGROUPS__V2__MEMORY_STAT__INIT;
	Io__Containerd__Cgroups__V2__MemoryEvents ev =
		IO__CONTAINERD__CGROUPS__V2__MEMORY_EVENTS__INIT;
	const char *d = cg->h[0].dir;
	char text[8192];

	pids.current = read_u64(d, "pids.current");
	pids.limit = read_u64(d, "pids.max");
	if (pids.limit == UINT64_MAX)
		pids.limit = 0;
	m.pids = &pids;
	if (read_file(d, "cpu.stat", text, sizeof(text)) == 0) {
		cpu.usage_usec = keyed(text, "usage_usec");
		cpu.user_usec = keyed(text, "user_usec");
		cpu.system_usec = keyed(text, "system_usec");
		cpu.nr_periods = keyed(text, "nr_periods");
		cpu.nr_throttled = keyed(text, "nr_throttled");
		cpu.throttled_usec = keyed(text, "throttled_usec");
		m.cpu = &cpu;
	}
	if (read_file(d, "memory.stat", text, sizeof(text)) == 0) {
		mem.anon = keyed(text, "anon");
		mem.file = keyed(text, "file");
		mem.kernel_stack = keyed(text, "kernel_stack");
		mem.slab = keyed(text, "slab");
		mem.sock = keyed(text, "sock");
		mem.shmem = keyed(text, "shmem");
		mem.file_mapped = keyed(text, "file_mapped");
		mem.file_dirty = keyed(text, "file_dirty");
		mem.file_writeback = keyed(text, "file_writeback");
		mem.anon_thp = keyed(text, "anon_thp");
		mem.inactive_anon = keyed(text, "inactive_anon");
		mem.active_anon = keyed(text, "active_anon");
		mem.inactive_file = keyed(text, "inactive_file");
		mem.active_file = keyed(text, "active_file");
		mem.unevictable = keyed(text, "unevictable");
		mem.slab_reclaimable = keyed(text, "slab_reclaimable");
		mem.slab_unreclaimable = keyed(text, "slab_unreclaimable");
		mem.pgfault = keyed(text, "pgfault");
		mem.pgmajfault = keyed(text, "pgmajfault");
	}
	mem.usage = read_u64(d, "memory.current");
	mem.usage_limit = read_u64(d, "memory.max");
	mem.swap_usage = read_u64(d, "memory.swap.current");
	mem.swap_limit = read_u64(d, "memory.swap.max");
	m.memory = &mem;
	if (read_file(d, "memory.events", text, sizeof(text)) == 0) {
		ev.low = keyed(text, "low");
		ev.high = keyed(text, "high");
		ev.max = keyed(text, "max");
		ev.oom = keyed(text, "oom");
		ev.oom_kill = keyed(text, "oom_kill");
		m.memory_events = &ev;
	}
	*out_len = io__containerd__cgroups__v2__metrics__get_packed_size(&m);
	*out = malloc(*out_len ? *out_len : 1);
	if (!*out)
		return -1;
	io__containerd__cgroups__v2__metrics__pack(&m, *out);
	return 0;
}

/* Serialized containerd cgroups v1/v2 Metrics for the cgroup (cgroup.h). */
int cg_stats(struct cgroup *cg, const char **type_url, uint8_t **out, size_t *out_len)
{
	if (cg->version == 1) {
		*type_url = "io.containerd.cgroups.v1.Metrics";
		return stats_v1(cg, out, out_len);
	}
	*type_url = "io.containerd.cgroups.v2.Metrics";
	return stats_v2(cg, out, out_len);
}
