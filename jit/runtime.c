/* jit/runtime.c - the JIT's run-time side: per-store state, entering and leaving JIT code,
 * lazy compilation, the guard-page signal handler, the stack limit, and the C helpers that
 * JIT code calls for the rare instructions.
 *
 * It does not generate code (lower.c and the back end do) and knows no instruction set:
 * thunks come from be_build_thunks(), the faulting pc from be_fault_pc().
 * Entry points: engine_jit (the table vm/ calls through, at the end of the file), jit_rt_*
 * (called by JIT code and thunks), jit_h_*.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "jit_int.h"
#include "../vm/alloc.h"
#include "../vm/interp_num.h"

/* One reservation per store: data (jit_func records) below, code above, all within
 * +-2 GiB so code reaches everything pc-relatively. */
#define ARENA_BYTES ((size_t)1 << 30)
#define ARENA_DATA ((size_t)64 << 20)
/* Native stack left below the JIT's limit for C code (helpers, host functions, the
 * interpreter, signal delivery).  JIT frames up to 64 KiB are checked against the limit
 * alone, so this must exceed that plus what C needs. */
#define STACK_MARGIN ((size_t)256 << 10)
#define DEFAULT_STACK_BUDGET ((size_t)8 << 20)

/* ---- registry of code arenas, for the signal handler ---- */

#define MAX_ARENAS 256

/* Written under reg_lock, read lock-free by the handler (a store's own thread). */
static struct {
	_Atomic(uintptr_t) start, end;
	_Atomic(struct jit_store *) js;
} arenas[MAX_ARENAS];
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;

static bool registry_add(struct jit_store *js)
{
	bool ok = false;

	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < MAX_ARENAS && !ok; i++) {
		if (atomic_load(&arenas[i].js))
			continue;
		atomic_store(&arenas[i].start, (uintptr_t)js->arena.base);
		atomic_store(&arenas[i].end, (uintptr_t)js->arena.base + js->arena.size);
		atomic_store(&arenas[i].js, js);
		ok = true;
	}
	pthread_mutex_unlock(&reg_lock);
	return ok;
}

static void registry_remove(struct jit_store *js)
{
	pthread_mutex_lock(&reg_lock);
	for (int i = 0; i < MAX_ARENAS; i++)
		if (atomic_load(&arenas[i].js) == js) {
			atomic_store(&arenas[i].js, NULL);
			atomic_store(&arenas[i].start, 0);
			atomic_store(&arenas[i].end, 0);
		}
	pthread_mutex_unlock(&reg_lock);
}

static struct jit_store *registry_find(uintptr_t pc)
{
	for (int i = 0; i < MAX_ARENAS; i++) {
		struct jit_store *js = atomic_load(&arenas[i].js);

		if (js && pc >= atomic_load(&arenas[i].start) && pc < atomic_load(&arenas[i].end))
			return js;
	}
	return NULL;
}

/* The compiled function containing pc (binary search; ranges are sorted). */
static struct jit_func *range_find(const struct jit_store *js, uintptr_t pc)
{
	uint32_t lo = 0, hi = js->nranges;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (pc < js->ranges[mid].start)
			hi = mid;
		else if (pc >= js->ranges[mid].end)
			lo = mid + 1;
		else
			return js->ranges[mid].jf;
	}
	return NULL;
}

bool jit_range_add(struct jit_store *js, struct jit_func *jf)
{
	if (!VM_GROW(js->ranges, js->cap_ranges, (size_t)js->nranges + 1))
		return false;
	js->ranges[js->nranges++] = (struct jit_range){ (uintptr_t)jf->code,
		(uintptr_t)jf->code + jf->code_size, jf };
	return true;
}

/* ---- the guard-page handler ---- */

static struct sigaction old_segv, old_bus;
static pthread_once_t handler_once = PTHREAD_ONCE_INIT;

/* Pass a fault that is not ours to whoever handled it before (ASan, or the default action:
 * reset and return, so the faulting instruction runs again and the process dies of it). */
static void chain(int sig, siginfo_t *si, void *uc)
{
	struct sigaction *old = sig == SIGSEGV ? &old_segv : &old_bus;

	if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
		old->sa_sigaction(sig, si, uc);
		return;
	}
	if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
		old->sa_handler(sig);
		return;
	}
	signal(sig, SIG_DFL);
}

/* A fault in JIT code touching the guard region of one of its instance's memories is an
 * out-of-bounds access: trap (vm_trap siglongjmps to chibi_func_call; its sigsetjmp saved
 * the signal mask, so SIGSEGV is unblocked again).  Anything else is a real crash. */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	uintptr_t pc = be_fault_pc(uc);
	struct jit_store *js = registry_find(pc);
	struct jit_func *jf = js ? range_find(js, pc) : NULL;
	struct chibi_instance *inst = jf && jf->func ? jf->func->inst : NULL;
	uintptr_t a = (uintptr_t)si->si_addr;

	for (uint32_t i = 0; inst && i < inst->mod->nmemories; i++) {
		struct chibi_memory *m = inst->memories[i];
		struct chibi_store *s = js->s;

		if (m && m->reserved && a >= (uintptr_t)m->data &&
		    a < (uintptr_t)m->data + m->reserved && s->trap) {
			s->cur_func_index = jf->func->index;
			s->cur_inst = inst;
			vm_trap(s, CHIBI_TRAP_MEMORY_OOB);
		}
	}
	chain(sig, si, uc);
}

static void install_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
}

/* Per thread: an alternate signal stack (a fault on an exhausted stack still gets handled,
 * as a crash) and the bounds of the native stack. */
static _Thread_local struct {
	bool ready;
	bool main;            /* the process's main thread: its stack grows to RLIMIT_STACK */
	size_t fitted;        /* largest budget fit_main_stack has tried for (once each) */
	uintptr_t stack_lo;
	void *altstack;
} thr;

/* The main thread's lowest stack address, as pthread_getattr_np() reports it (the top of
 * the stack mapping minus RLIMIT_STACK), without its cost: for the main thread glibc reads
 * and parses /proc/self/maps, 50-140 us per process here, more than the JIT spends
 * compiling a small module.  The top is the first unmapped page above sp (mincore() says
 * ENOMEM there; a few calls, as only the environment lies above the frames of chibi's own
 * calls).  Where glibc would also clip the stack at the mapping below it, this checks
 * that nothing is mapped in [lo, sp - 256 KiB): a PROT_NONE MAP_FIXED_NOREPLACE probe
 * mapping of that range, unmapped at once.  0 when unsure (no finite limit, an odd
 * layout, an old kernel): the caller then asks pthread_getattr_np. */
static uintptr_t main_stack_lo(void)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0) & ~(uintptr_t)(ps - 1);
	uintptr_t top = sp, lo, probe_end;
	unsigned char v;
	struct rlimit rl;
	void *p;

	if (getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur > ((rlim_t)1 << 30) || rl.rlim_cur < ((rlim_t)2 << 20))
		return 0;
	for (int i = 0; mincore((void *)top, ps, &v) == 0; i++) {
		if (i == 1024) /* 4 MiB of environment? ask /proc */
			return 0;
		top += ps;
	}
	if (errno != ENOMEM)
		return 0;
	lo = top - ((uintptr_t)rl.rlim_cur & ~(uintptr_t)(ps - 1));
	probe_end = sp - ((uintptr_t)256 << 10);
	if (lo >= probe_end)
		return 0;
#ifdef MAP_FIXED_NOREPLACE
	p = mmap((void *)lo, probe_end - lo, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return 0; /* EEXIST: something lies within the stack's reach */
	munmap(p, probe_end - lo);
	if ((uintptr_t)p != lo) /* a kernel before 4.17 took the flag for a hint */
		return 0;
	return lo;
#else
	(void)p;
	return 0;
#endif
}

static void thread_setup(void)
{
	pthread_attr_t attr;
	stack_t ss, old;

	if (thr.ready)
		return;
	thr.ready = true;
	pthread_once(&handler_once, install_handler);
	if (sigaltstack(NULL, &old) == 0 && (old.ss_flags & SS_DISABLE)) {
		size_t size = 64 << 10;

		thr.altstack = vm_malloc(size);
		if (thr.altstack) {
			ss.ss_sp = thr.altstack;
			ss.ss_size = size;
			ss.ss_flags = 0;
			if (sigaltstack(&ss, NULL) != 0) {
				vm_free(thr.altstack);
				thr.altstack = NULL;
			}
		}
	}
	thr.main = getpid() == (pid_t)syscall(SYS_gettid);
	if (thr.main)
		thr.stack_lo = main_stack_lo();
	if (!thr.stack_lo && pthread_getattr_np(pthread_self(), &attr) == 0) {
		void *addr;
		size_t size;

		if (pthread_attr_getstack(&attr, &addr, &size) == 0)
			thr.stack_lo = (uintptr_t)addr;
		pthread_attr_destroy(&attr);
	}
}

/* Make the main thread's stack reach `budget` (plus the C margin) below sp, so that the
 * JIT honours a stack budget beyond the usual 8 MiB RLIMIT_STACK as the interpreter does.
 * The main thread's stack grows on demand up to the soft RLIMIT_STACK as it is at the time
 * of the fault, and the kernel keeps at least 128 MiB free below it for that whatever the
 * limit was at exec (mmap_base's minimum gap), so raising the soft limit (within the hard
 * one) is enough for budgets up to CHIBI_MAX_STACK_BYTES; the stack end is then measured
 * again (main_stack_lo checks that nothing is mapped within reach).  Other threads keep
 * their fixed stacks, which then bound the JIT's depth. */
static void fit_main_stack(size_t budget)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0), lo;
	size_t need = budget + 2 * STACK_MARGIN, have;
	struct rlimit rl;
	pthread_attr_t attr;

	/* Once per budget: where the stack cannot grow (qemu-user's fixed guest stack) a retry
	 * would only raise the limit again and re-measure on every call. */
	if (!thr.main || !thr.stack_lo || sp <= thr.stack_lo || budget <= thr.fitted)
		return;
	thr.fitted = budget;
	have = sp - thr.stack_lo;
	if (have >= need || getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return;
	rl.rlim_cur += (rlim_t)(((need - have) + ((size_t)1 << 20) - 1) & ~(((size_t)1 << 20) - 1));
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_STACK, &rl) != 0)
		return;
	lo = main_stack_lo();
	if (!lo && pthread_getattr_np(pthread_self(), &attr) == 0) {
		void *addr;
		size_t size;

		if (pthread_attr_getstack(&attr, &addr, &size) == 0)
			lo = (uintptr_t)addr;
		pthread_attr_destroy(&attr);
	}
	if (lo && lo < thr.stack_lo)
		thr.stack_lo = lo;
}

/* The lowest sp JIT prologues accept: the thread's stack end plus a margin for C, and no
 * deeper than the store's stack budget below the outermost entry. */
static uintptr_t stack_limit(const struct chibi_store *s)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	size_t budget = s->cfg.max_stack_bytes ? s->cfg.max_stack_bytes : DEFAULT_STACK_BUDGET;
	uintptr_t lim;

	fit_main_stack(budget);
	lim = thr.stack_lo ? thr.stack_lo + STACK_MARGIN : 0;

	if (sp > budget && sp - budget > lim)
		lim = sp - budget;
	return lim;
}

/* ---- stores ---- */

static bool env_flag(const char *name, const char *value)
{
	const char *e = getenv(name);

	if (!e || !*e)
		return false;
	return value ? !strcmp(e, value) : strcmp(e, "0") != 0;
}

struct jit_store *jit_store_of(struct chibi_store *s)
{
	struct jit_store *js = s->jit;
	struct jit_thunks th;
	uint8_t *code;

	if (js)
		return js;
	js = vm_calloc(1, sizeof(*js));
	if (!js)
		return NULL;
	js->s = s;
	cb_init(&js->cb);
	js->eager = env_flag("CHIBI_JIT_EAGER", NULL);
	js->explicit_bounds = env_flag("CHIBI_JIT_BOUNDS", "explicit");
	js->verbose = env_flag("CHIBI_JIT_VERBOSE", NULL);
	js->only = getenv("CHIBI_JIT_ONLY");
	js->perfmap = env_flag("CHIBI_JIT_PERFMAP", NULL);
	js->hard = env_flag("CHIBI_HARD_JIT", NULL);
	if (!arena_init(&js->arena, ARENA_BYTES, ARENA_DATA))
		goto fail;
	be_build_thunks(&js->cb, &th);
	if (js->cb.oom || !be_validate_code(&js->cb))
		goto fail;
	/* Not sealed here: the thunks become executable with the first batch of compiled code
	 * (seal_batch), before anything can run them, which saves two mprotect calls. */
	code = arena_code_put(&js->arena, js->cb.p, js->cb.len);
	if (!code)
		goto fail;
	js->thunk_enter = code + th.enter;
	js->thunk_exit = code + th.exit;
	js->thunk_lazy = code + th.lazy;
	js->thunk_indirect = code + th.indirect;
	js->thunk_trap = th.trap ? code + th.trap : NULL;
	/* without a registry slot a guard fault could not be attributed: check bounds */
	if (!registry_add(js))
		js->explicit_bounds = true;
	s->jit = js;
	return js;
fail:
	arena_free(&js->arena);
	cb_free(&js->cb);
	vm_free(js);
	return NULL;
}

/* engine_jit.store_free: release everything the JIT holds for s (code, records, maps).
 * Safe when the JIT never ran for s. */
static void jit_store_free(struct chibi_store *s)
{
	struct jit_store *js = s ? s->jit : NULL;

	if (!js)
		return;
	if (js->verbose)
		fprintf(stderr, "chibi jit: %u functions compiled (%llu wasm bytes -> %llu code "
			"bytes, %.3f ms), %u left to the interpreter; SIMD: %s; %u compiled "
			"files used\n",
			js->stats.compiled, (unsigned long long)js->stats.wasm_bytes,
			(unsigned long long)js->stats.code_bytes, js->stats.compile_ns / 1e6,
			js->stats.fallbacks, be_simd_isa() ? be_simd_isa() : "interpreted",
			js->images);
	registry_remove(js);
	while (js->eh_tables) {
		struct jit_eh_table *t = js->eh_tables;

		js->eh_tables = t->next;
		vm_free(t);
	}
	while (js->inspects) {
		struct jit_inspect *i = js->inspects;

		js->inspects = i->next;
		vm_free(i->map);
		vm_free(i->data);
		vm_free(i);
	}
	arena_free(&js->arena);
	cb_free(&js->cb);
	jit_lower_free(js->lower_scratch);
	vm_free(js->ranges);
	vm_free(js);
	s->jit = NULL;
}

/* engine_jit.stats */
static void jit_get_stats(const struct chibi_store *s, struct engine_stats *out)
{
	const struct jit_store *js = s ? s->jit : NULL;

	memset(out, 0, sizeof(*out));
	if (js)
		*out = js->stats;
}

/* Small functions called directly by a function being compiled lazily, compiled in the
 * same batch (compile_lazy): each batch changes the code pages' protection twice (RW, then
 * RX), and in a VM those two system calls take 5-10 us, as long as compiling ~100 bytes of
 * wasm.  Measured on hello.wasm: 48 -> 20 mprotect calls for the same instruction count;
 * on Lua's start-up 544 -> 270, for 3% more instructions (functions compiled and never
 * called).  The compiler reports every direct callee through jit_func_of (op_call), so
 * the queue costs no extra pass over the code.  Per thread: a store compiles on its own. */
#define BATCH_FUNC_BYTES 256   /* larger callees wait for their own first call */
#define BATCH_BYTES 1024       /* wasm body bytes per batch beyond the called function */
#define BATCH_MAX 64

static _Thread_local struct {
	struct jit_store *js;            /* collecting for this store, NULL when not */
	const struct chibi_instance *inst;
	uint32_t n, bytes;
	struct jit_func *q[BATCH_MAX];
} batch_q;

static void batch_note(struct jit_func *jf)
{
	const struct chibi_func *f = jf->func;
	size_t len = f->def->code_len;

	if (f->inst != batch_q.inst || len > BATCH_FUNC_BYTES || batch_q.n == BATCH_MAX ||
	    batch_q.bytes + len > BATCH_BYTES)
		return;
	for (uint32_t i = 0; i < batch_q.n; i++)
		if (batch_q.q[i] == jf)
			return;
	batch_q.q[batch_q.n++] = jf;
	batch_q.bytes += (uint32_t)len;
}

struct jit_func *jit_func_of(struct jit_store *js, struct chibi_func *f)
{
	struct jit_func *jf = f->jit_code;

	if (jf)
		goto out;
	jf = arena_data_alloc(&js->arena, sizeof(*jf));
	if (!jf)
		return NULL;
	jf->func = f;
	if (f->kind == FUNC_WASM) {
		jf->state = JF_LAZY;
		jf->entry = js->thunk_lazy;
	} else {
		jf->state = JF_HOST;
		jf->entry = js->thunk_exit;
	}
	f->jit_code = jf;
out:
	if (batch_q.js == js && jf->state == JF_LAZY)
		batch_note(jf);
	return jf;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	/* thread CPU time: compile speed should not depend on what else the machine runs */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keep what chibi inspect shows: the wasm->code map and the data ranges, or the reason. */
static void keep_inspect(struct jit_store *js, struct jit_func *jf, const char *why)
{
	struct jit_inspect *i = vm_calloc(1, sizeof(*i));
	const struct codebuf *cb = &js->cb;

	if (!i)
		return;
	if (why) {
		snprintf(i->reason, sizeof(i->reason), "%s", why);
	} else {
		i->map = vm_calloc((size_t)cb->nmarks * 2 + 1, sizeof(uint32_t));
		i->data = vm_calloc((size_t)cb->ndata + 1, sizeof(uint32_t));
		if (i->map) {
			for (uint32_t k = 0; k < cb->nmarks; k++) {
				i->map[2 * k] = cb->marks[k].wasm_off;
				i->map[2 * k + 1] = cb->marks[k].code_off;
			}
			i->nmap = cb->nmarks;
		}
		if (i->data && cb->ndata) { /* no ranges: data_ranges may be NULL */
			memcpy(i->data, cb->data_ranges, cb->ndata * sizeof(uint32_t));
			i->ndata = cb->ndata / 2;
		}
	}
	i->next = js->inspects;
	js->inspects = i;
	jf->insp = i;
}

/* CHIBI_HARD_JIT stress switch: compile jf a second time and require the same bytes
 * (relocated fields aside: the copies live at different addresses).  The second copy is
 * the one used.  Catches compiler state leaking from one compilation into the next. */
static bool recompile_same(struct jit_store *js, struct jit_func *jf, char *why)
{
	uint32_t n = jf->code_size;
	uint8_t *first = vm_malloc(n);
	bool ok;

	if (!first)
		return true;
	memcpy(first, jf->code, n);
	ok = jit_compile(js, jf, why);
	if (ok && jf->code_size != n)
		ok = false;
	if (ok) {
		for (uint32_t i = 0; i < js->cb.nrelocs; i++)
			memcpy(first + js->cb.relocs[i].pos, jf->code + js->cb.relocs[i].pos, 4);
		ok = !memcmp(first, jf->code, n);
	}
	if (!ok)
		snprintf(why, 96, "CHIBI_HARD_JIT: a second compilation differs");
	vm_free(first);
	return ok;
}

/* CHIBI_JIT_ONLY=A-B,C,...: is function idx in one of the ranges (or is there no list)? */
static bool jit_only(const struct jit_store *js, uint32_t idx)
{
	const char *p = js->only;

	if (!p || !*p)
		return true;
	while (*p) {
		char *e;
		unsigned long lo = strtoul(p, &e, 10), hi = lo;

		if (*e == '-')
			hi = strtoul(e + 1, &e, 10);
		if (idx >= lo && idx <= hi)
			return true;
		if (*e != ',')
			break;
		p = e + 1;
	}
	return false;
}

/* CHIBI_JIT_PERFMAP=1: name the function in /tmp/perf-PID.map, where `perf report` looks
 * up symbols of JIT code. */
static void perfmap_add(struct jit_store *js, const struct jit_func *jf)
{
	static FILE *map;
	const struct chibi_func *f = jf->func;
	const char *name = f->inst->mod->func_names ? f->inst->mod->func_names[f->index] : NULL;

	if (!map) {
		char path[64];

		snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
		map = fopen(path, "a");
		if (!map) {
			js->perfmap = false;
			return;
		}
		setvbuf(map, NULL, _IOLBF, 0);
	}
	fprintf(map, "%lx %x wasm[%u]%s%s\n", (unsigned long)(uintptr_t)jf->code, jf->code_size,
		f->index, name ? ":" : "", name ? name : "");
}

/* After a batch: make the code executable, or (should mprotect fail) send every function
 * of the batch to the interpreter. */
void jit_seal_batch(struct jit_store *js, struct chibi_instance *inst, bool timed)
{
	const struct module *m = inst->mod;
	uint64_t t0 = timed ? now_ns() : 0;
	bool ok = arena_seal(&js->arena);

	if (timed)
		js->stats.compile_ns += now_ns() - t0;
	if (ok)
		return;
	for (uint32_t i = m->nfunc_imports; i < m->nfuncs_total; i++) {
		struct jit_func *jf = inst->funcs[i]->jit_code;

		if (jf && jf->state == JF_COMPILED && jf->code >= js->arena.base + js->arena.wlo) {
			jf->state = JF_FAILED;
			jf->entry = js->thunk_exit;
			js->stats.fallbacks++;
			js->stats.compiled--;
		}
	}
	/* no code of the batch may be found by the fault handler (ranges are sorted) */
	while (js->nranges &&
	       js->ranges[js->nranges - 1].start >= (uintptr_t)js->arena.base + js->arena.wlo)
		js->nranges--;
}

/* Compile jf now (it is JF_LAZY); afterwards it is JF_COMPILED or JF_FAILED.  The code is
 * not executable before the batch's seal_batch(). */
void jit_compile_one(struct jit_store *js, struct jit_func *jf)
{
	char why[96] = "";
	uint32_t idx = jf->func->index;
	bool ok;

	if (!jit_only(js, idx)) {
		snprintf(why, sizeof(why), "excluded by CHIBI_JIT_ONLY");
		ok = false;
	} else {
		ok = jit_compile(js, jf, why) && (!js->hard || recompile_same(js, jf, why)) &&
		     jit_range_add(js, jf);
		jit_lower_trim(js->lower_scratch);
	}
	if (ok && js->perfmap)
		perfmap_add(js, jf);
	if (ok) {
		jf->state = JF_COMPILED;
		jf->entry = jf->code;
		js->stats.compiled++;
		js->stats.wasm_bytes += jf->func->def->code_len;
		js->stats.code_bytes += jf->code_size;
	} else {
		jf->state = JF_FAILED;
		jf->entry = js->thunk_exit;
		js->stats.fallbacks++;
		if (js->verbose)
			fprintf(stderr, "chibi jit: function %u falls back to the interpreter: %s\n",
				jf->func->index, why[0] ? why : "unknown reason");
	}
	if (js->keep_maps)
		keep_inspect(js, jf, ok ? NULL : (why[0] ? why : "unknown reason"));
}

/* Compile every not-yet-compiled function defined by inst, as one batch: the code pages
 * change protection twice in all, instead of twice per function. */
static void compile_all(struct jit_store *js, struct chibi_instance *inst)
{
	const struct module *m = inst->mod;
	uint64_t t0 = now_ns();

	for (uint32_t i = m->nfunc_imports; i < m->nfuncs_total; i++) {
		struct jit_func *jf = jit_func_of(js, inst->funcs[i]);

		if (jf && jf->state == JF_LAZY)
			jit_compile_one(js, jf);
	}
	js->stats.compile_ns += now_ns() - t0;
	jit_seal_batch(js, inst, true);
}

/* First call of jf (JF_LAZY): compile it and the small functions it calls directly (and
 * theirs, within BATCH_BYTES) that are not compiled yet, then make the batch executable at
 * once.  A lazy compilation is timed only when CHIBI_JIT_VERBOSE will print the time: the
 * thread-CPU clock is a system call, which a short run would pay for nothing. */
static void compile_lazy(struct jit_store *js, struct jit_func *jf)
{
	struct chibi_instance *inst = jf->func->inst;
	uint64_t t0 = js->verbose ? now_ns() : 0;

	batch_q.js = js;
	batch_q.inst = inst;
	batch_q.n = 0;
	batch_q.bytes = 0;
	jit_compile_one(js, jf);
	for (uint32_t i = 0; i < batch_q.n; i++) /* the queue grows while its entries compile */
		if (batch_q.q[i]->state == JF_LAZY)
			jit_compile_one(js, batch_q.q[i]);
	batch_q.js = NULL;
	if (js->verbose)
		js->stats.compile_ns += now_ns() - t0;
	jit_seal_batch(js, inst, js->verbose);
}

/* ---- entering and leaving JIT code ---- */

/* Unpack the JIT convention's argument places into slots (i32/f32 zero-extended). */
static uint64_t norm(uint8_t t, uint64_t v)
{
	return t == VT_I32 || t == VT_F32 ? (uint32_t)v : v;
}

/* engine_jit.invoke: the JIT counterpart of interp_invoke, with the same contract.  f is
 * compiled on first use; a function the JIT cannot compile, and host functions, run
 * through interp_invoke. */
static void jit_invoke(struct chibi_store *s, struct chibi_func *f, uint64_t *slots)
{
	struct jit_store *js = f->kind == FUNC_WASM ? jit_store_of(s) : NULL;
	struct jit_func *jf;
	const struct functype *t = f->type;
	struct jit_regs r;
	uint32_t k[2] = { 0, 0 }, ns = 0, words;
	uint64_t *stack, *saved_top = s->stack_top;
	uintptr_t saved_limit = s->jit_stack_limit;

	if (js && s->image && s->image != js->image_seen)
		jit_image_try(js, f->inst); /* before f's record exists */
	jf = js ? jit_func_of(js, f) : NULL;
	if (!jf) {
		interp_invoke(s, f, slots);
		return;
	}
	if (js->eager)
		compile_all(js, f->inst);
	if (jf->state == JF_LAZY)
		compile_lazy(js, jf);
	if (jf->state != JF_COMPILED) {
		interp_invoke(s, f, slots);
		return;
	}
	thread_setup();
	/* stack arguments / results travel through the value stack above slots */
	words = (jit_stack_words(t) + 1) & ~1u;
	if (words < JIT_TAIL_WORDS) /* room for the tail calls of the callee (jit_int.h) */
		words = JIT_TAIL_WORDS;
	stack = s->stack_top;
	if ((size_t)(s->stack + s->stack_slots - stack) < words)
		vm_trap(s, CHIBI_TRAP_STACK_EXHAUSTED);
	memset(&r, 0, sizeof(r));
	for (uint32_t i = 0, si = 0; i < t->nparams; si += vt_slots(t->params[i]), i++) {
		int cls = vt_class(t->params[i]);
		uint64_t v = norm(t->params[i], slots[si]);

		if (jit_arg_in_reg(t->params[i]) && k[cls] < jit_target.narg[cls]) {
			if (cls == JC_GPR)
				r.gpr[k[cls]++] = v;
			else
				r.fpr[k[cls]++] = v;
		} else {
			stack[ns++] = v;
			if (vt_slots(t->params[i]) == 2)
				stack[ns++] = slots[si + 1];
		}
	}
	r.nstack = words;
	r.stack = stack;
	s->stack_top = stack + words;
	/* the outermost entry sets the native stack limit; nested ones (host -> wasm) keep it */
	if (s->host_depth <= 1 || !s->jit_stack_limit)
		s->jit_stack_limit = stack_limit(s);
	((void (*)(struct jit_regs *, const void *, struct chibi_store *))js->thunk_enter)(
		&r, jf->entry, s);
	s->stack_top = saved_top;
	if (s->host_depth <= 1)
		s->jit_stack_limit = saved_limit;
	if (!jit_results_in_memory(t)) {
		if (t->nresults == 1)
			slots[0] = norm(t->results[0],
					vt_class(t->results[0]) == JC_GPR ? r.gpr[0] : r.fpr[0]);
	} else {
		for (uint32_t i = 0; i < t->nresults; i++) {
			uint32_t w = jit_result_word(t, i);

			slots[w] = norm(t->results[i], stack[w]);
			if (vt_slots(t->results[i]) == 2)
				slots[w + 1] = stack[w + 1];
		}
	}
}

static void jit_unwind(struct chibi_store *s, struct chibi_exn *e, uintptr_t pc, uintptr_t sp);

/* The callee of jit_rt_call_out, arguments at slots (n slots of room). */
static void call_out_callee(struct chibi_store *s, struct chibi_func *f,
			    const struct jit_func *caller, uint64_t *slots, uint32_t n)
{
	if (f->kind == FUNC_HOST) {
		/* called here rather than through interp_invoke, which cannot tell the host
		 * function its caller's instance (WASI needs the caller's memory) */
		struct chibi_caller cl = { .store = s, .inst = caller ? caller->func->inst : NULL };
		enum chibi_trap rc;

		s->stack_top = slots + n;
		rc = f->host_fn(&cl, f->host_env, slots);
		s->stack_top = slots;
		if (rc == CHIBI_TRAP_EXCEPTION && s->trap->info.exn) {
			/* thrown (chibi_caller_throw): to the handlers of this activation */
			struct chibi_exn *e = s->trap->info.exn;

			s->trap->info.exn = NULL;
			vm_throw(s, e);
		}
		if (rc != CHIBI_TRAP_NONE)
			vm_trap(s, rc);
	} else {
		interp_invoke(s, f, slots);
	}
}

/* The catch point's sigsetjmp, apart from call_out_catching so that what vm_throw writes
 * lives in the caller's frame (C11 7.13.2.1p3).  False: an exception came back. */
static __attribute__((noinline)) bool call_out_protected(struct chibi_store *s,
							 struct exn_catch *c,
							 struct chibi_func *f,
							 const struct jit_func *caller,
							 uint64_t *slots, uint32_t n)
{
	if (sigsetjmp(c->jmp, 0)) /* no signal mask: exceptions never leave a signal handler */
		return false;
	call_out_callee(s, f, caller, slots, n);
	return true;
}

/* call_out_callee behind a catch point (a sigsetjmp: paid only by calls out of code of a
 * store with compiled handlers): the exception no frame of the callee took, or NULL. */
static __attribute__((noinline)) struct chibi_exn *
call_out_catching(struct chibi_store *s, struct chibi_func *f, const struct jit_func *caller,
		  uint64_t *slots, uint32_t n)
{
	struct exn_catch c = { .trap = s->trap, .prev = s->exn_catch };

	s->exn_catch = &c;
	if (call_out_protected(s, &c, f, caller, slots, n))
		c.exn = NULL;
	s->exn_catch = c.prev;
	return c.exn;
}

/* JIT code called a host function or a function left to the interpreter. */
void jit_rt_call_out(struct chibi_store *s, struct jit_func *jf, struct jit_regs *r)
{
	struct chibi_func *f = jf->func;
	const struct functype *t = f->type;
	uint32_t np = jit_slots_of(t->params, t->nparams);
	uint32_t nr = jit_slots_of(t->results, t->nresults);
	uint32_t n = np > nr ? np : nr;
	uint32_t k[2] = { 0, 0 }, ns = 0;
	uint64_t *slots = s->stack_top;
	struct jit_store *js = s->jit;
	/* ret_addr - 1: inside the call instruction, even were it the function's last */
	struct jit_func *caller = js ? range_find(js, r->ret_addr - 1) : NULL;

	/* traps of the callee's host code name the calling wasm function */
	if (caller) {
		s->cur_func_index = caller->func->index;
		s->cur_inst = caller->func->inst;
	}
	if ((size_t)(s->stack + s->stack_slots - slots) < (size_t)n + 1)
		vm_trap(s, CHIBI_TRAP_STACK_EXHAUSTED);
	for (uint32_t i = 0, si = 0; i < t->nparams; si += vt_slots(t->params[i]), i++) {
		int cls = vt_class(t->params[i]);
		uint64_t v;

		if (jit_arg_in_reg(t->params[i]) && k[cls] < jit_target.narg[cls]) {
			v = cls == JC_GPR ? r->gpr[k[cls]++] : r->fpr[k[cls]++];
		} else {
			v = r->stack[ns++];
			if (vt_slots(t->params[i]) == 2)
				slots[si + 1] = r->stack[ns++];
		}
		slots[si] = norm(t->params[i], v);
	}
	if (js && js->has_handlers) {
		/* a compiled frame may have a handler for what the callee throws */
		struct chibi_exn *e = call_out_catching(s, f, caller, slots, n);

		if (e) {
			s->stack_top = slots;
			jit_unwind(s, e, (uintptr_t)r->ret_addr, (uintptr_t)r->stack);
			vm_throw(s, e);
		}
	} else {
		call_out_callee(s, f, caller, slots, n);
	}
	if (!jit_results_in_memory(t)) {
		if (t->nresults == 1) {
			uint64_t v = norm(t->results[0], slots[0]);

			if (vt_class(t->results[0]) == JC_GPR)
				r->gpr[0] = v;
			else
				r->fpr[0] = v;
		}
	} else {
		for (uint32_t w = 0; w < nr; w++) /* v128 halves and 64-bit slots alike */
			r->stack[w] = slots[w];
		for (uint32_t i = 0; i < t->nresults; i++) {
			uint32_t w = jit_result_word(t, i);

			r->stack[w] = norm(t->results[i], slots[w]);
		}
	}
}

const void *jit_rt_lazy(struct chibi_store *s, struct jit_func *jf)
{
	struct jit_store *js = s->jit;

	if (jf->state == JF_LAZY) {
		if (js->eager)
			compile_all(js, jf->func->inst);
		if (jf->state == JF_LAZY)
			compile_lazy(js, jf);
	}
	return jf->entry;
}

struct jit_func *jit_rt_func(struct chibi_store *s, struct chibi_func *f)
{
	struct jit_func *jf = jit_func_of(s->jit, f);

	if (!jf) {
		if (s->trap)
			snprintf(s->trap->info.message, sizeof(s->trap->info.message),
				 "out of memory in the JIT");
		vm_trap(s, CHIBI_TRAP_HOST);
	}
	return jf;
}

noreturn void jit_rt_trap(struct chibi_store *s, uint32_t kind, uint32_t func_index,
			  struct chibi_instance *inst)
{
	s->cur_func_index = func_index;
	s->cur_inst = inst;
	if (kind == CHIBI_TRAP_OUT_OF_FUEL)
		s->fuel = 0; /* the poll's decrement wrapped below zero */
	vm_trap(s, (enum chibi_trap)kind);
}

noreturn void jit_rt_trap_pc(struct chibi_store *s, uint32_t kind, uintptr_t pc)
{
	/* pc is the stub's return address: when the stub's call is the function's last
	 * instruction (the shared trap_any stub comes last), it is one past the function's
	 * code, so look up the call instruction itself. */
	struct jit_func *jf = s->jit ? range_find(s->jit, pc - 1) : NULL;

	jit_rt_trap(s, kind, jf ? jf->func->index : UINT32_MAX, jf ? jf->func->inst : NULL);
}

/* ---- inspection ---- */

/* engine_jit.compile_instance */
static uint32_t jit_compile_instance(struct chibi_instance *inst, FILE *log)
{
	struct jit_store *js = jit_store_of(inst->store);
	const struct module *m = inst->mod;
	uint32_t failed = 0;
	uint64_t t0;

	if (!js)
		return m->nfuncs;
	js->keep_maps = true;
	t0 = now_ns();
	for (uint32_t i = m->nfunc_imports; i < m->nfuncs_total; i++) {
		struct jit_func *jf = jit_func_of(js, inst->funcs[i]);

		if (!jf) {
			failed++;
			continue;
		}
		if (jf->state == JF_LAZY)
			jit_compile_one(js, jf);
		if (jf->state != JF_COMPILED) {
			failed++;
			if (log)
				fprintf(log, "function %u: not compiled: %s\n", i,
					jf->insp ? jf->insp->reason : "?");
		}
	}
	js->stats.compile_ns += now_ns() - t0;
	jit_seal_batch(js, inst, true);
	js->keep_maps = false;
	return failed;
}

/* engine_jit.code_info */
static bool jit_code_info(const struct chibi_func *f, struct engine_code_info *out)
{
	const struct jit_func *jf = f->jit_code;

	memset(out, 0, sizeof(*out));
	if (!jf)
		return false;
	if (jf->insp && jf->state != JF_COMPILED)
		out->fail_reason = jf->insp->reason;
	if (jf->state != JF_COMPILED)
		return false;
	out->code = jf->code;
	out->size = jf->code_size;
	if (jf->insp) {
		out->map = jf->insp->map;
		out->nmap = jf->insp->nmap;
		out->data = jf->insp->data;
		out->ndata = jf->insp->ndata;
	}
	return true;
}

/* engine_jit.name: the back end's */
static const char *jit_name(void)
{
	return jit_target.name;
}

/* engine_jit.compiled: f is compiled (now, if it was lazy and compiles). */
static bool jit_compiled(struct chibi_store *s, struct chibi_func *f)
{
	struct jit_store *js = f->kind == FUNC_WASM ? jit_store_of(s) : NULL;
	struct jit_func *jf = js ? jit_func_of(js, f) : NULL;

	if (!jf)
		return false;
	if (jf->state == JF_LAZY)
		compile_lazy(js, jf);
	return jf->state == JF_COMPILED;
}

static const struct engine jit_engine = {
	.name = jit_name,
	.invoke = jit_invoke,
	.store_free = jit_store_free,
	.stats = jit_get_stats,
	.compile_instance = jit_compile_instance,
	.code_info = jit_code_info,
	.compiled = jit_compiled,
	.image_build = jit_image_build,
	.cpu_features = be_cpu_features,
};

/* See vm/engine.h: linked instead of jit/none/engine.c's NULL when the build has a JIT. */
const struct engine *const engine_jit = &jit_engine;

/* ---- helpers called from JIT code ---- */

/* Numeric operators without an inline sequence: the interpreter's exact definitions. */
#define NUMH2(name)								\
	static struct jit_ret h_##name(uint64_t a, uint64_t b)			\
	{									\
		int t = 0;							\
		uint64_t v = num_##name(a, b, &t);				\
		return (struct jit_ret){ v, (uint64_t)t };			\
	}
#define NUMH1(name)								\
	static struct jit_ret h_##name(uint64_t a, uint64_t b)			\
	{									\
		int t = 0;							\
		uint64_t v = num_##name(a, &t);					\
		(void)b;							\
		return (struct jit_ret){ v, (uint64_t)t };			\
	}
/* One helper per numeric row of opcodes.def (classes TEST to CONVERT), by its arity. */
#define OP(n, pfx, code, imm, par, res, ml, cls, ty, rel, fl, feat, text) \
	OPCL_SWITCH(cls, NUMH1, NUMH2, NUMH1, NUMH2, NUMH1, OP_SKIP, OP_SKIP, OP_SKIP)(n)
#include "../vm/opcodes.def"
#undef OP

jit_num_fn jit_num_helper(uint16_t op)
{
	switch (op) {
#define NUMH_CASE(n) case OPC_##n: return h_##n;
#define OP(n, pfx, code, imm, par, res, ml, cls, ty, rel, fl, feat, text) \
	OPCL_SWITCH(cls, NUMH_CASE, NUMH_CASE, NUMH_CASE, NUMH_CASE, NUMH_CASE, OP_SKIP, OP_SKIP, \
		    OP_SKIP)(n)
#include "../vm/opcodes.def"
#undef OP
#undef NUMH_CASE
	default:
		return NULL;
	}
}

static struct jit_ret ret_val(uint64_t v)
{
	return (struct jit_ret){ v, 0 };
}

static struct jit_ret ret_trap(enum chibi_trap t)
{
	return (struct jit_ret){ 0, (uint64_t)t };
}

/* An address or length operand of memory m: i64 for a 64-bit memory, else the low 32 bits
 * (an i32's upper register bits are not defined). */
static uint64_t maddr(const struct chibi_memory *m, uint64_t x)
{
	return m->is64 ? x : (uint32_t)x;
}

/* [d, d + n) lies inside `size` bytes, without wrapping. */
static bool fits(uint64_t d, uint64_t n, uint64_t size)
{
	return n <= size && d <= size - n;
}

struct jit_ret jit_h_memory_grow(struct chibi_memory *m, uint64_t delta)
{
	return ret_val(maddr(m, (uint64_t)mem_grow(m, maddr(m, delta))));
}

struct jit_ret jit_h_memory_fill(struct chibi_memory *m, uint64_t d, uint64_t val, uint64_t n)
{
	d = maddr(m, d);
	n = maddr(m, n);
	if (!fits(d, n, m->size))
		return ret_trap(CHIBI_TRAP_MEMORY_OOB);
	if (n)
		memset(m->data + d, (uint8_t)val, n);
	return ret_val(0);
}

/* memory.copy from sm to dm (two memories: multi-memory); n is i64 only between two 64-bit
 * memories. */
struct jit_ret jit_h_memory_copy2(struct chibi_memory *dm, struct chibi_memory *sm, uint64_t d,
				  uint64_t src, uint64_t n)
{
	d = maddr(dm, d);
	src = maddr(sm, src);
	n = dm->is64 && sm->is64 ? n : (uint32_t)n;
	if (!fits(src, n, sm->size) || !fits(d, n, dm->size))
		return ret_trap(CHIBI_TRAP_MEMORY_OOB);
	if (n)
		memmove(dm->data + d, sm->data + src, n);
	return ret_val(0);
}

/* memory.copy within one memory: the same call as before multi-memory for memory 0. */
struct jit_ret jit_h_memory_copy(struct chibi_memory *m, uint64_t d, uint64_t src, uint64_t n)
{
	return jit_h_memory_copy2(m, m, d, src, n);
}

/* memory.init: seg is the data segment index, with the memory index in its upper half (0
 * for memory 0, so that call is the same as before multi-memory). */
struct jit_ret jit_h_memory_init(struct chibi_instance *inst, uint64_t seg, uint64_t d,
				 uint64_t src, uint64_t n)
{
	struct chibi_memory *m = inst->memories[seg >> 32];
	const struct data *ds = &inst->mod->datas[(uint32_t)seg];
	uint64_t len = inst->data_dropped[(uint32_t)seg] ? 0 : ds->len;

	d = maddr(m, d);
	src = (uint32_t)src;
	n = (uint32_t)n;
	if (src + n > len || !fits(d, n, m->size))
		return ret_trap(CHIBI_TRAP_MEMORY_OOB);
	if (n)
		memcpy(m->data + d, ds->bytes + src, n);
	return ret_val(0);
}

struct jit_ret jit_h_data_drop(struct chibi_instance *inst, uint64_t seg)
{
	inst->data_dropped[seg] = true;
	return ret_val(0);
}

#if defined(__SANITIZE_ADDRESS__)
void __asan_handle_no_return(void);
#endif

/* Continue compiled code at pc, a landing pad of jf's frame at sp (jit/lower.c,
 * op_try_table), which reloads the memory registers itself.  Set here: the stack pointer,
 * the store's register and, on AArch64, the frame pointer (the frame record x29, x30 is the
 * top 16 bytes of every JIT frame: jit/arm64/backend.c, be_prologue).  The homes are the
 * throw's, restored for the caller by the epilogue (a function with handlers saves them
 * all).  The C frames in between are simply dropped, as by a longjmp: none holds anything
 * to release. */
static noreturn void jit_land(struct chibi_store *s, const struct jit_func *jf, uintptr_t sp,
			      uintptr_t pc)
{
#if defined(__SANITIZE_ADDRESS__)
	__asan_handle_no_return();
#endif
#if defined(__x86_64__)
	(void)jf;
	__asm__ volatile("mov %%rdi, %%rsp\n\tmov %%rdx, %%r15\n\tjmp *%%rsi"
			 : : "D"(sp), "S"(pc), "d"(s) : "memory");
	__builtin_unreachable();
#elif defined(__aarch64__)
	/* fixed registers, so that no operand sits in x28 or x29 when they are written */
	register uintptr_t x0 __asm__("x0") = sp;
	register uintptr_t x1 __asm__("x1") = sp + jf->frame_total - 16;
	register uintptr_t x2 __asm__("x2") = (uintptr_t)s;
	register uintptr_t x3 __asm__("x3") = pc;

	__asm__ volatile("mov sp, x0\n\tmov x29, x1\n\tmov x28, x2\n\tbr x3"
			 : : "r"(x0), "r"(x1), "r"(x2), "r"(x3) : "memory");
	__builtin_unreachable();
#else
	(void)s, (void)jf, (void)sp, (void)pc;
	abort(); /* jit_target.eh_landing is false: no function has handlers */
#endif
}

/* Copy a payload between the exception's words (a v128 in two) and a compiled frame's
 * operand slots, slot_bytes (8, or 16 where v128 values are) per value: to the slots, or
 * from them (to_slots false). */
static void payload_copy(const struct functype *t, uint64_t *words, uint8_t *slots,
			 uint32_t slot_bytes, bool to_slots)
{
	for (uint32_t k = 0, w = 0; k < t->nparams; w += vt_slots(t->params[k]), k++) {
		size_t n = vt_slots(t->params[k]) * sizeof(uint64_t);

		if (to_slots)
			memcpy(slots + (size_t)k * slot_bytes, words + w, n);
		else
			memcpy(words + w, slots + (size_t)k * slot_bytes, n);
	}
}

static void payload_to_slots(const struct functype *t, const uint64_t *words, uint8_t *slots,
			     uint32_t slot_bytes)
{
	payload_copy(t, (uint64_t *)words, slots, slot_bytes, true);
}

/* Find a handler for e in the compiled frames from the one at sp (a call or throw in it
 * returns to pc) outwards, and land there.  Frames are fixed-size and sp stays put in a
 * body, so each step is sp += frame_total, with the return address just below; the walk
 * stops at the first return address outside compiled code (an entry thunk: the catch
 * points, vm_throw, take it from there).  Returns when no compiled frame takes e. */
static void jit_unwind(struct chibi_store *s, struct chibi_exn *e, uintptr_t pc, uintptr_t sp)
{
	struct jit_store *js = s->jit;

	if (!js || !js->has_handlers)
		return;
	for (;;) {
		/* pc - 1: inside the call instruction, even were it the function's last */
		struct jit_func *jf = range_find(js, pc - 1);

		if (!jf)
			return;
		if (jf->eh) {
			uint32_t off = (uint32_t)(pc - 1 - (uintptr_t)jf->code), limit = UINT32_MAX;

			for (uint32_t i = jf->eh->n; i-- > 0;) {
				const struct jit_handler *h = &jf->eh->row[i];

				if (h->depth > limit || off < h->start || off >= h->end)
					continue;
				if (h->kind == JH_DELEGATE) {
					limit = h->to_depth;
					continue;
				}
				if (h->tag && h->tag != e->tag)
					continue;
				if (h->tag)
					payload_to_slots(h->tag->type, e->payload,
							 (uint8_t *)(sp + (uintptr_t)h->payload_off),
							 h->slot_bytes);
				if (h->exn_off >= 0)
					*(uint64_t *)(sp + (uintptr_t)h->exn_off) = (uintptr_t)e;
				jit_land(s, jf, sp, (uintptr_t)jf->code + h->pad);
			}
		}
		pc = *(const uintptr_t *)(sp + jf->frame_total - 8);
		sp += jf->frame_total;
	}
}

/* throw (jit/lower.c, op_throw): a new exception of f's tag number tag with the payload
 * at payload (the throwing frame's slots, slot_bytes per value; sp: that frame), to the
 * handler of a compiled
 * frame (jit_unwind) or else to the innermost catch point or the embedding call
 * (vm_throw).  exn_new may collect: the exnrefs compiled frames hold are on the native
 * stack, which the collector scans (vm/exn.c).  Returns only the trap of a failed
 * allocation. */
struct jit_ret jit_h_throw(struct chibi_func *f, uint64_t tag, const uint8_t *payload,
			   uint64_t sp, uint64_t slot_bytes)
{
	struct chibi_store *s = f->store;
	struct chibi_tag *t = f->inst->tags[(uint32_t)tag];
	struct chibi_exn *e;
	uint64_t words[2 * 64], *heap = NULL;
	const uint64_t *from = (const uint64_t *)payload;
	size_t n = functype_slots(t->type);

	s->cur_func_index = f->index;
	s->cur_inst = f->inst;
	if ((uint32_t)slot_bytes != 8) {
		/* 16-byte operand slots: gather the words (two for a v128) first */
		uint64_t *w = n <= sizeof(words) / sizeof(words[0]) ? words :
			      (heap = vm_malloc(n * sizeof(uint64_t)));

		if (w)
			payload_copy(t->type, w, (uint8_t *)payload, (uint32_t)slot_bytes, false);
		from = w;
	}
	e = from ? exn_new(s, t, from, s->stack_top) : NULL;
	vm_free(heap);
	if (!e) {
		snprintf(s->trap->info.message, sizeof(s->trap->info.message),
			 "out of memory allocating an exception");
		return ret_trap(CHIBI_TRAP_HOST);
	}
	jit_unwind(s, e, (uintptr_t)__builtin_return_address(0), (uintptr_t)sp);
	vm_throw(s, e);
}

/* throw_ref and legacy rethrow (jit/lower.c, op_throw_ref): the exception exn again, from
 * the frame at sp, as jit_h_throw does.  Returns only the trap of a null reference. */
struct jit_ret jit_h_throw_ref(struct chibi_func *f, uint64_t exn, uint64_t sp)
{
	struct chibi_store *s = f->store;
	struct chibi_exn *e = (struct chibi_exn *)(uintptr_t)exn;

	if (!e)
		return ret_trap(CHIBI_TRAP_NULL_EXNREF);
	s->cur_func_index = f->index;
	s->cur_inst = f->inst;
	jit_unwind(s, e, (uintptr_t)__builtin_return_address(0), (uintptr_t)sp);
	vm_throw(s, e);
}

struct jit_ret jit_h_table_get(struct chibi_table *t, uint64_t i)
{
	i &= t->index_mask;
	if (i >= t->size)
		return ret_trap(CHIBI_TRAP_TABLE_OOB);
	return ret_val((uint64_t)(uintptr_t)t->elems[i]);
}

struct jit_ret jit_h_table_set(struct chibi_table *t, uint64_t i, uint64_t v)
{
	i &= t->index_mask;
	if (i >= t->size)
		return ret_trap(CHIBI_TRAP_TABLE_OOB);
	t->elems[i] = (void *)(uintptr_t)v;
	return ret_val(0);
}

struct jit_ret jit_h_table_grow(struct chibi_table *t, uint64_t init, uint64_t delta)
{
	int64_t old = table_grow(t, delta & t->index_mask, (void *)(uintptr_t)init);

	return ret_val((uint64_t)old & t->index_mask);
}

struct jit_ret jit_h_table_fill(struct chibi_table *t, uint64_t i, uint64_t v, uint64_t n)
{
	i &= t->index_mask;
	n &= t->index_mask;
	if (!fits(i, n, t->size))
		return ret_trap(CHIBI_TRAP_TABLE_OOB);
	for (uint64_t k = 0; k < n; k++)
		t->elems[i + k] = (void *)(uintptr_t)v;
	return ret_val(0);
}

struct jit_ret jit_h_table_copy(struct chibi_table *dt, struct chibi_table *st, uint64_t d,
				uint64_t src, uint64_t n)
{
	d &= dt->index_mask;
	src &= st->index_mask;
	n &= dt->index_mask & st->index_mask;
	if (!fits(src, n, st->size) || !fits(d, n, dt->size))
		return ret_trap(CHIBI_TRAP_TABLE_OOB);
	if (n)
		memmove(&dt->elems[d], &st->elems[src], n * sizeof(void *));
	return ret_val(0);
}

struct jit_ret jit_h_table_init(struct chibi_instance *inst, struct chibi_table *t,
				uint64_t seg, uint64_t d, uint64_t src, uint64_t n)
{
	const struct elem_inst *e = &inst->elems[seg];

	d &= t->index_mask;
	src = (uint32_t)src;
	n = (uint32_t)n;
	if (src + n > e->n || !fits(d, n, t->size))
		return ret_trap(CHIBI_TRAP_TABLE_OOB);
	if (n)
		memcpy(&t->elems[d], &e->refs[src], n * sizeof(void *));
	return ret_val(0);
}

struct jit_ret jit_h_elem_drop(struct chibi_instance *inst, uint64_t seg)
{
	inst->elems[seg].n = 0;
	return ret_val(0);
}
