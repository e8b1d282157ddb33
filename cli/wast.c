/* cli/wast.c - `chibi wast`: run WebAssembly spec scripts (.wast) against the engine.
 *
 * Each script is converted into a JSON command list plus .wasm files in a temporary folder,
 * by chibi's own text reader (cli/wast_text.c, the default) or by wabt's wast2json
 * (--wast2json, or WAST2JSON set), then every command is executed through include/chibi.h
 * only, by the same runner for both.  Modules the native reader rejects carry its error
 * ("text_error"), which satisfies assert_malformed; with wast2json, text-only
 * assert_malformed tests are counted as skipped.
 * Each script runs in a forked child so an engine crash or hang costs one script, not the
 * suite; a skip list (--skiplist) names known-bad commands with reasons instead of hiding
 * them.  Entry point: wast_main().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chibi.h"
#include "cli.h"
#include "../util/json.h"
#include "runopts.h"
#include "wast.h"

#define TEXT_SKIP_REASON "text-format module (wast2json cannot emit it as binary)"
#define DEFAULT_FAIL_LIMIT 30      /* failure lines printed per script without -v */
#define DEFAULT_TIMEOUT 60         /* seconds per command before the store is interrupted */
#define MAX_SKIP_REASONS 8
#define EXIT_TIMEOUT 3             /* child exit status: a command hung past interruption */

/* One line of a skip list: "FILE.wast:LINE reason". */
struct skip_entry {
	char *file;            /* base name, e.g. "names.wast" */
	unsigned long line;
	char *reason;          /* stable for the whole run, so skip() can key on it */
};

struct opts {
	enum chibi_exec_mode mode;
	bool verbose;
	bool keep;
	bool isolate;          /* fork a child per script */
	bool wast2json;        /* convert with wabt's wast2json instead of chibi's reader */
	bool convert_only;     /* convert and keep the folder, run nothing (tools/wat-diff.sh) */
	unsigned timeout;      /* seconds, 0 = none */
	bool compiled;         /* --compiled: each module through chibi_compile first */
	uint32_t features_off; /* -W: proposals switched off (enum chibi_feature) */
	struct skip_entry *skips;
	size_t nskips;
};

/* Counters for one script.  Lives in shared memory while a child runs the script, so the
 * parent still knows how far it got when the child dies. */
struct progress {
	unsigned long passed, failed, skipped, mismatched;
	unsigned long printed; /* failure lines printed */
	unsigned long line;    /* line of the command being executed */
	char kind[32];         /* its type */
	struct {
		const char *reason; /* a string literal: same address in parent and child */
		unsigned long count;
	} skips[MAX_SKIP_REASONS];
};

/* A module name from the script ("$M") and what it refers to now. */
struct named {
	char *name;
	chibi_instance *inst;  /* NULL when its definition failed */
	char why[400];         /* why inst is NULL */
};

struct script {
	const struct opts *o;
	const char *name;      /* e.g. "i32.wast", for messages */
	const char *dir;       /* folder holding the JSON and its .wasm files */
	struct progress *prog;
	chibi_store *store;
	chibi_linker *linker;
	chibi_instance *cur;   /* the most recently defined module */
	char cur_why[400];     /* why cur is NULL */
	struct named *named;
	size_t nnamed;
	chibi_compiled **compiled; /* --compiled: the files made, freed after the store */
	size_t ncompiled;
};

/* What an assert_return expects of one result. */
enum expect_kind { EXP_BITS, EXP_NAN_CANONICAL, EXP_NAN_ARITHMETIC, EXP_NULL, EXP_NONNULL,
		   EXP_ANY_NULL /* (ref.null) without a type: a null reference of any type */ };

struct expect {
	uint8_t type;          /* enum chibi_valtype */
	enum expect_kind kind;
	uint64_t bits;         /* EXP_BITS: the exact value (externref: the host pointer) */
	/* v128 (EXP_BITS): the bytes, and per lane of lane_bytes bytes an expect_kind, so that
	 * float lanes may be NaN patterns */
	uint8_t v128[16];
	uint8_t lane_bytes;
	uint8_t lane_kind[16];
};

/* ---- reporting ---------------------------------------------------------------------- */

static void vreport(struct script *s, const char *fmt, va_list ap)
{
	printf("%s:%lu: %s: ", s->name, s->prog->line, s->prog->kind);
	vprintf(fmt, ap);
	putchar('\n');
}

static void failf(struct script *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Count a failed command and describe it (all of them under -v, else the first few). */
static void failf(struct script *s, const char *fmt, ...)
{
	va_list ap;

	s->prog->failed++;
	if (!s->o->verbose && s->prog->printed >= DEFAULT_FAIL_LIMIT)
		return;
	s->prog->printed++;
	va_start(ap, fmt);
	vreport(s, fmt, ap);
	va_end(ap);
}

static void pass(struct script *s)
{
	s->prog->passed++;
}

/* Count a skipped command under `reason`, which must be a string literal. */
static void skip(struct script *s, const char *reason)
{
	struct progress *p = s->prog;

	p->skipped++;
	if (s->o->verbose)
		printf("%s:%lu: %s: skipped: %s\n", s->name, p->line, p->kind, reason);
	for (int i = 0; i < MAX_SKIP_REASONS; i++) {
		if (!p->skips[i].reason)
			p->skips[i].reason = reason;
		if (p->skips[i].reason == reason) {
			p->skips[i].count++;
			return;
		}
	}
}

/* The error class got right but the wording differs: helps the engine authors match the
 * spec text, without failing the test. */
static void mismatch(struct script *s, const char *want, const char *got)
{
	s->prog->mismatched++;
	if (s->o->verbose)
		printf("%s:%lu: %s: message mismatch: expected '%s', got '%s'\n", s->name,
		       s->prog->line, s->prog->kind, want, got);
}

/* Spec messages may carry detail on either side ("uninitialized element 2" against
 * "uninitialized element", "unexpected end" against "unexpected end of section"), so a
 * message matches when either one starts with the other, or the actual one contains the
 * expected one. */
static bool message_matches(const char *want, const char *got)
{
	size_t nw = strlen(want), ng = strlen(got);

	if (!nw || !ng)
		return nw == ng;
	return !strncmp(want, got, nw < ng ? nw : ng) || strstr(got, want);
}

static const char *err_name(enum chibi_err err)
{
	switch (err) {
	case CHIBI_OK: return "ok";
	case CHIBI_ERR_MALFORMED: return "malformed";
	case CHIBI_ERR_INVALID: return "invalid";
	case CHIBI_ERR_UNSUPPORTED: return "unsupported";
	case CHIBI_ERR_UNLINKABLE: return "unlinkable";
	case CHIBI_ERR_TRAP: return "trap";
	case CHIBI_ERR_NOMEM: return "out of memory";
	case CHIBI_ERR_ARG: return "bad argument";
	case CHIBI_ERR_IO: return "i/o error";
	}
	return "unknown error";
}

static const char *trap_text(enum chibi_trap t, const struct chibi_trap_info *info)
{
	if (t == CHIBI_TRAP_HOST && info && info->message[0])
		return info->message;
	return chibi_trap_name(t) ? chibi_trap_name(t) : "(unnamed trap)";
}

/* Copy `s` (len bytes, maybe with NULs or control bytes) into buf for printing, escaping
 * anything unprintable as \xx the way the text format writes it. */
static const char *escape(char *buf, size_t n, const char *str, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 4 < n; i++) {
		unsigned char c = (unsigned char)str[i];

		if (c < 0x20 || c == 0x7f || c == '\\' || c == '"')
			o += (size_t)snprintf(buf + o, n - o, "\\%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

/* ---- values ------------------------------------------------------------------------- */

static int parse_type(const char *t)
{
	static const struct {
		const char *name;
		uint8_t type;
	} types[] = {
		{ "i32", CHIBI_I32 }, { "i64", CHIBI_I64 }, { "f32", CHIBI_F32 },
		{ "f64", CHIBI_F64 }, { "v128", CHIBI_V128 }, { "funcref", CHIBI_FUNCREF },
		{ "externref", CHIBI_EXTERNREF }, { "exnref", CHIBI_EXNREF },
	};

	for (size_t i = 0; t && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i].name))
			return types[i].type;
	return -1;
}

static const char *type_name(uint8_t type)
{
	switch (type) {
	case CHIBI_I32: return "i32";
	case CHIBI_I64: return "i64";
	case CHIBI_F32: return "f32";
	case CHIBI_F64: return "f64";
	case CHIBI_V128: return "v128";
	case CHIBI_FUNCREF: return "funcref";
	case CHIBI_EXTERNREF: return "externref";
	case CHIBI_EXNREF: return "exnref";
	}
	return "?";
}

/* Unsigned decimal with no sign, no spaces, no trailing junk, at most `max`. */
static bool parse_u64(const char *str, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!str || !(*str >= '0' && *str <= '9'))
		return false;
	errno = 0;
	v = strtoull(str, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* The host value the runner passes for `ref.extern N`: any non-null pointer unique to N. */
static void *extern_ref(uint64_t n)
{
	return (void *)(uintptr_t)(n + 1);
}

/* A v128 in a script: {"type": "v128", "lane_type": "i8" ... "f64", "value": [lanes]}, each
 * lane an unsigned decimal of its width (floats as bits) or, in expected results, a NaN
 * pattern.  Fills the bytes and, if kinds != NULL, the per-lane kinds.  *lane_bytes gets
 * the lane width. */
static bool parse_v128(const struct json *j, uint8_t out[16], uint8_t *kinds,
		       uint8_t *lane_bytes, char *why, size_t n)
{
	static const struct {
		const char *name;
		uint8_t bytes;
		bool is_float;
	} shapes[] = {
		{ "i8", 1, false }, { "i16", 2, false }, { "i32", 4, false }, { "i64", 8, false },
		{ "f32", 4, true }, { "f64", 8, true },
	};
	const char *lt = json_get_str(j, "lane_type");
	const struct json *lanes = json_get(j, "value");
	unsigned w = 0, nl;
	bool is_float = false;

	for (size_t i = 0; lt && i < sizeof(shapes) / sizeof(shapes[0]); i++)
		if (!strcmp(lt, shapes[i].name)) {
			w = shapes[i].bytes;
			is_float = shapes[i].is_float;
		}
	if (!w) {
		snprintf(why, n, "unknown v128 lane type '%s'", lt ? lt : "(none)");
		return false;
	}
	nl = 16 / w;
	if (json_count(lanes) != nl) {
		snprintf(why, n, "v128 %s needs %u lanes", lt, nl);
		return false;
	}
	*lane_bytes = (uint8_t)w;
	for (unsigned i = 0; i < nl; i++) {
		const char *ls = json_str(json_at(lanes, i));
		uint64_t v = 0;

		if (kinds)
			kinds[i] = EXP_BITS;
		if (kinds && is_float && ls && !strcmp(ls, "nan:canonical")) {
			kinds[i] = EXP_NAN_CANONICAL;
		} else if (kinds && is_float && ls && !strcmp(ls, "nan:arithmetic")) {
			kinds[i] = EXP_NAN_ARITHMETIC;
		} else if (!parse_u64(ls, w == 8 ? UINT64_MAX : (1ull << (8 * w)) - 1, &v)) {
			snprintf(why, n, "bad v128 %s lane '%s'", lt, ls ? ls : "(none)");
			return false;
		}
		for (unsigned b = 0; b < w; b++) /* little-endian lanes */
			out[i * w + b] = (uint8_t)(v >> (8 * b));
	}
	return true;
}

/* One JSON value {"type": T, "value": V} as an argument.  false with a reason in why. */
static bool parse_arg(const struct json *j, chibi_val *out, char *why, size_t n)
{
	const char *ts = json_get_str(j, "type"), *vs = json_get_str(j, "value");
	int type = parse_type(ts);
	uint64_t v;

	memset(out, 0, sizeof(*out));
	if (type < 0) {
		snprintf(why, n, "unknown argument type '%s'", ts ? ts : "(none)");
		return false;
	}
	out->type = (uint8_t)type;
	switch (type) {
	case CHIBI_I32:
	case CHIBI_F32:
		if (!parse_u64(vs, UINT32_MAX, &v))
			goto bad;
		if (type == CHIBI_I32)
			out->of.i32 = (int32_t)(uint32_t)v;
		else
			out->of.f32_bits = (uint32_t)v;
		return true;
	case CHIBI_I64:
	case CHIBI_F64:
		if (!parse_u64(vs, UINT64_MAX, &v))
			goto bad;
		if (type == CHIBI_I64)
			out->of.i64 = (int64_t)v;
		else
			out->of.f64_bits = v;
		return true;
	case CHIBI_EXTERNREF:
		if (vs && !strcmp(vs, "null"))
			return true;
		if (!parse_u64(vs, (uint64_t)UINTPTR_MAX - 1, &v))
			goto bad;
		out->of.ext = extern_ref(v);
		return true;
	case CHIBI_FUNCREF:
	case CHIBI_EXNREF:
		if (vs && !strcmp(vs, "null"))
			return true;
		snprintf(why, n, "non-null %s arguments cannot be made by the runner",
			 type_name(type));
		return false;
	case CHIBI_V128: {
		uint8_t w;

		return parse_v128(j, out->of.v128, NULL, &w, why, n);
	}
	default:
		snprintf(why, n, "%s values are not supported by chibi", ts);
		return false;
	}
bad:
	snprintf(why, n, "bad %s value '%s'", ts, vs ? vs : "(none)");
	return false;
}

/* One expected result: like an argument, but floats may be NaN patterns and references
 * only need to be non-null. */
static bool parse_expect(const struct json *j, struct expect *out, char *why, size_t n)
{
	const char *ts = json_get_str(j, "type"), *vs = json_get_str(j, "value");
	int type = parse_type(ts);
	chibi_val v;

	memset(out, 0, sizeof(*out));
	if (ts && !strcmp(ts, "refnull")) {
		out->kind = EXP_ANY_NULL;
		return true;
	}
	if (type < 0) {
		snprintf(why, n, "unknown result type '%s'", ts ? ts : "(none)");
		return false;
	}
	out->type = (uint8_t)type;
	if ((type == CHIBI_F32 || type == CHIBI_F64) && vs && !strcmp(vs, "nan:canonical")) {
		out->kind = EXP_NAN_CANONICAL;
		return true;
	}
	if ((type == CHIBI_F32 || type == CHIBI_F64) && vs && !strcmp(vs, "nan:arithmetic")) {
		out->kind = EXP_NAN_ARITHMETIC;
		return true;
	}
	if ((type == CHIBI_FUNCREF || type == CHIBI_EXTERNREF || type == CHIBI_EXNREF) && vs &&
	    !strcmp(vs, "null")) {
		out->kind = EXP_NULL;
		return true;
	}
	if (type == CHIBI_FUNCREF || type == CHIBI_EXNREF) {
		/* The script cannot name a particular function; any non-null one will do. */
		out->kind = EXP_NONNULL;
		return true;
	}
	if (type == CHIBI_V128) {
		out->kind = EXP_BITS;
		return parse_v128(j, out->v128, out->lane_kind, &out->lane_bytes, why, n);
	}
	if (!parse_arg(j, &v, why, n))
		return false;
	out->kind = EXP_BITS;
	switch (type) {
	case CHIBI_I32: out->bits = (uint32_t)v.of.i32; break;
	case CHIBI_I64: out->bits = (uint64_t)v.of.i64; break;
	case CHIBI_F32: out->bits = v.of.f32_bits; break;
	case CHIBI_F64: out->bits = v.of.f64_bits; break;
	case CHIBI_EXTERNREF: out->bits = (uint64_t)(uintptr_t)v.of.ext; break;
	}
	return true;
}

/* A float of `bytes` bytes (4 or 8, bits in b) against a NaN pattern. */
static bool nan_matches(enum expect_kind k, unsigned bytes, uint64_t b)
{
	if (bytes == 4 && k == EXP_NAN_CANONICAL)
		return (b & 0x7fffffffu) == 0x7fc00000u;
	if (bytes == 4)
		return (b & 0x7fc00000u) == 0x7fc00000u;
	if (k == EXP_NAN_CANONICAL)
		return (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
	return (b & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
}

/* A v128 result: lane by lane, bits or a NaN pattern. */
static bool v128_matches(const struct expect *e, const uint8_t got[16])
{
	unsigned w = e->lane_bytes;

	for (unsigned l = 0; l < 16 / w; l++) {
		uint64_t b = 0;

		if (e->lane_kind[l] == EXP_BITS) {
			if (memcmp(&got[l * w], &e->v128[l * w], w))
				return false;
			continue;
		}
		for (unsigned k = 0; k < w; k++)
			b |= (uint64_t)got[l * w + k] << (8 * k);
		if (!nan_matches(e->lane_kind[l], w, b))
			return false;
	}
	return true;
}

/* Does result `got` satisfy `e`?  Floats compare bit for bit, so -0 != +0 and NaN payloads
 * count; the NaN patterns follow the spec's definitions of canonical and arithmetic NaN. */
static bool value_matches(const struct expect *e, const chibi_val *got)
{
	if (e->kind == EXP_ANY_NULL)
		return (got->type == CHIBI_FUNCREF && !got->of.ref) ||
		       (got->type == CHIBI_EXTERNREF && !got->of.ext);
	if (got->type != e->type)
		return false;
	if (e->type == CHIBI_V128)
		return v128_matches(e, got->of.v128);
	switch (e->kind) {
	case EXP_NAN_CANONICAL:
	case EXP_NAN_ARITHMETIC:
		if (e->type == CHIBI_F32)
			return nan_matches(e->kind, 4, got->of.f32_bits);
		return nan_matches(e->kind, 8, got->of.f64_bits);
	case EXP_NULL:
		return e->type == CHIBI_FUNCREF ? got->of.ref == NULL :
		       e->type == CHIBI_EXNREF ? got->of.exn == NULL : got->of.ext == NULL;
	case EXP_NONNULL:
		return e->type == CHIBI_FUNCREF ? got->of.ref != NULL :
		       e->type == CHIBI_EXNREF ? got->of.exn != NULL : got->of.ext != NULL;
	case EXP_ANY_NULL:
	case EXP_BITS:
		break;
	}
	switch (e->type) {
	case CHIBI_I32: return (uint32_t)got->of.i32 == e->bits;
	case CHIBI_I64: return (uint64_t)got->of.i64 == e->bits;
	case CHIBI_F32: return got->of.f32_bits == e->bits;
	case CHIBI_F64: return got->of.f64_bits == e->bits;
	case CHIBI_EXTERNREF: return (uint64_t)(uintptr_t)got->of.ext == e->bits;
	}
	return false;
}

static const char *format_val(char *buf, size_t n, const chibi_val *v)
{
	float f;
	double d;

	switch (v->type) {
	case CHIBI_I32:
		snprintf(buf, n, "i32:%" PRIu32, (uint32_t)v->of.i32);
		break;
	case CHIBI_I64:
		snprintf(buf, n, "i64:%" PRIu64, (uint64_t)v->of.i64);
		break;
	case CHIBI_F32:
		memcpy(&f, &v->of.f32_bits, sizeof(f));
		snprintf(buf, n, "f32:%.9g [0x%08" PRIx32 "]", (double)f, v->of.f32_bits);
		break;
	case CHIBI_F64:
		memcpy(&d, &v->of.f64_bits, sizeof(d));
		snprintf(buf, n, "f64:%.17g [0x%016" PRIx64 "]", d, v->of.f64_bits);
		break;
	case CHIBI_FUNCREF:
		snprintf(buf, n, v->of.ref ? "funcref:%p" : "funcref:null", (void *)v->of.ref);
		break;
	case CHIBI_EXNREF:
		snprintf(buf, n, v->of.exn ? "exnref:%p" : "exnref:null", (void *)v->of.exn);
		break;
	case CHIBI_EXTERNREF:
		if (!v->of.ext)
			snprintf(buf, n, "externref:null");
		else
			snprintf(buf, n, "externref:%" PRIuPTR, (uintptr_t)v->of.ext - 1);
		break;
	case CHIBI_V128: { /* as i32x4, lane 0 first */
		uint32_t l[4];

		memcpy(l, v->of.v128, 16);
		snprintf(buf, n, "v128:i32x4 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32
			 " 0x%08" PRIx32, l[0], l[1], l[2], l[3]);
		break;
	}
	default:
		snprintf(buf, n, "%s:?", type_name(v->type));
		break;
	}
	return buf;
}

static const char *format_expect(char *buf, size_t n, const struct expect *e)
{
	chibi_val v = { .type = e->type };

	switch (e->kind) {
	case EXP_NAN_CANONICAL:
		snprintf(buf, n, "%s:nan:canonical", type_name(e->type));
		return buf;
	case EXP_NAN_ARITHMETIC:
		snprintf(buf, n, "%s:nan:arithmetic", type_name(e->type));
		return buf;
	case EXP_NULL:
		snprintf(buf, n, "%s:null", type_name(e->type));
		return buf;
	case EXP_NONNULL:
		snprintf(buf, n, "%s:non-null", type_name(e->type));
		return buf;
	case EXP_ANY_NULL:
		snprintf(buf, n, "ref.null");
		return buf;
	case EXP_BITS:
		break;
	}
	if (e->type == CHIBI_V128) { /* NaN lanes print as their (meaningless) zero bits */
		memcpy(v.of.v128, e->v128, 16);
		return format_val(buf, n, &v);
	}
	v.of.f64_bits = e->bits; /* the widest member carries every type's bits */
	if (e->type == CHIBI_I32 || e->type == CHIBI_F32)
		v.of.f32_bits = (uint32_t)e->bits;
	if (e->type == CHIBI_EXTERNREF)
		v.of.ext = (void *)(uintptr_t)e->bits;
	return format_val(buf, n, &v);
}

/* ---- modules and actions ------------------------------------------------------------ */

static struct named *find_named(struct script *s, const char *name)
{
	for (size_t i = 0; i < s->nnamed; i++)
		if (!strcmp(s->named[i].name, name))
			return &s->named[i];
	return NULL;
}

/* Bind `name` to inst (or to a failure reason); a later module of the same name replaces
 * the earlier binding, as in the reference interpreter. */
static void set_named(struct script *s, const char *name, chibi_instance *inst,
		      const char *why)
{
	struct named *nm = find_named(s, name);

	if (!nm) {
		struct named *nv = realloc(s->named, (s->nnamed + 1) * sizeof(*nv));
		char *copy = strdup(name);

		if (!nv || !copy) {
			free(copy);
			if (nv)
				s->named = nv;
			return; /* later lookups report the name as unknown */
		}
		s->named = nv;
		nm = &s->named[s->nnamed++];
		nm->name = copy;
	}
	nm->inst = inst;
	snprintf(nm->why, sizeof(nm->why), "%s", why ? why : "");
}

/* The instance an action or register refers to: a named one, else the current one.
 * NULL with a reason in why when there is none. */
static chibi_instance *target(struct script *s, const char *name, char *why, size_t n)
{
	if (name) {
		struct named *nm = find_named(s, name);

		if (!nm)
			snprintf(why, n, "unknown module %s", name);
		else if (!nm->inst)
			snprintf(why, n, "module %s is unavailable: %s", name, nm->why);
		return nm ? nm->inst : NULL;
	}
	if (!s->cur)
		snprintf(why, n, "no current module%s%s", s->cur_why[0] ? ": " : "", s->cur_why);
	return s->cur;
}

static bool load_compiled(struct script *s, const char *path, chibi_module **out);

/* Decode a module file named by command `cmd`.  CHIBI_ERR_IO when it cannot be read. */
static enum chibi_err load(struct script *s, const struct json *cmd, chibi_module **out,
			   struct chibi_diag *diag)
{
	const char *file = json_get_str(cmd, "filename");
	char path[4096];

	*out = NULL;
	memset(diag, 0, sizeof(*diag));
	if (!file || strchr(file, '/')) {
		snprintf(diag->msg, sizeof(diag->msg), "command has no usable \"filename\"");
		return CHIBI_ERR_IO;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", s->dir, file) >= sizeof(path)) {
		snprintf(diag->msg, sizeof(diag->msg), "path too long");
		return CHIBI_ERR_IO;
	}
	if (s->o->compiled && load_compiled(s, path, out))
		return CHIBI_OK;
	return chibi_module_load_file_features(path, CHIBI_FEATURES_ALL & ~s->o->features_off,
					       out, diag);
}

/* --compiled: the module through a compiled file (in a memfd, mapped as a file would be)
 * that the store runs it from.  False when it cannot be compiled (invalid, or a segment
 * out of bounds at instantiation): the plain load then reports what it reports. */
static bool load_compiled(struct script *s, const char *path, chibi_module **out)
{
	struct chibi_config cfg = { .mode = CHIBI_MODE_JIT, .features_off = s->o->features_off };
	struct chibi_diag d = { 0 };
	chibi_compiled *c = NULL, **grown;
	uint8_t *wasm = NULL, *cf = NULL;
	size_t wlen = 0, clen = 0;
	FILE *f = fopen(path, "rb");
	int fd = -1;
	bool ok = false;

	if (!f)
		return false;
	for (size_t got = 1; got;) {
		uint8_t *p = realloc(wasm, wlen + 65536);

		if (!p)
			goto out;
		wasm = p;
		got = fread(wasm + wlen, 1, 65536, f);
		wlen += got;
	}
	if (chibi_compile(wasm, wlen, &cfg, &cf, &clen, &d) != CHIBI_OK)
		goto out;
	fd = memfd_create("chibi-wast", MFD_CLOEXEC);
	if (fd < 0 || write(fd, cf, clen) != (ssize_t)clen ||
	    chibi_compiled_open_fd(fd, &c, &d) != CHIBI_OK)
		goto out;
	grown = realloc(s->compiled, (s->ncompiled + 1) * sizeof(*grown));
	if (!grown)
		goto out;
	s->compiled = grown;
	s->compiled[s->ncompiled++] = c;
	chibi_store_use_compiled(s->store, c);
	*out = chibi_compiled_module(c);
	c = NULL;
	ok = true;
out:
	chibi_compiled_free(c);
	if (fd >= 0)
		close(fd);
	fclose(f);
	free(cf);
	free(wasm);
	return ok;
}

/* Drop a module from load(): a compiled file's module is the file's (freed with it). */
static void unload(struct script *s, chibi_module *m)
{
	if (!s->o->compiled || !s->ncompiled ||
	    chibi_compiled_module(s->compiled[s->ncompiled - 1]) != m)
		chibi_module_free(m);
}

/* Describe a load or instantiation failure for a failure line. */
static void describe_err(char *buf, size_t n, enum chibi_err err, const struct chibi_diag *d)
{
	if (err == CHIBI_ERR_UNSUPPORTED)
		snprintf(buf, n, "unsupported feature: %s", d->msg);
	else if (err == CHIBI_ERR_MALFORMED || err == CHIBI_ERR_INVALID)
		snprintf(buf, n, "%s: %s (at byte offset %zu)", err_name(err), d->msg, d->offset);
	else
		snprintf(buf, n, "%s: %s", err_name(err), d->msg);
}

static void cmd_module(struct script *s, const struct json *cmd)
{
	const char *name = json_get_str(cmd, "name");
	struct chibi_diag diag;
	chibi_instance *inst = NULL;
	chibi_module *m;
	char why[sizeof(s->cur_why)], desc[sizeof(s->cur_why) - 64];
	enum chibi_err err;

	if (json_get_str(cmd, "text_error")) {
		err = CHIBI_ERR_MALFORMED;
		snprintf(why, sizeof(why), "module at line %lu: the text reader rejected it: %s",
			 s->prog->line, json_get_str(cmd, "text_error"));
	} else if ((err = load(s, cmd, &m, &diag)) == CHIBI_OK && json_get_str(cmd, "definition")) {
		/* (module definition ...) from wast2json: decoded and validated, not
		 * instantiated (the native front end writes "module_definition" commands) */
		unload(s, m);
		pass(s);
		return;
	} else if (err == CHIBI_OK) {
		struct chibi_trap_info trap = { 0 };

		err = chibi_instance_new(s->store, m, s->linker, &inst, &diag, &trap);
		unload(s, m);
		if (err != CHIBI_OK) {
			describe_err(desc, sizeof(desc), err, &diag);
			snprintf(why, sizeof(why), "instantiation at line %lu failed: %s",
				 s->prog->line, desc);
		}
	} else {
		describe_err(desc, sizeof(desc), err, &diag);
		snprintf(why, sizeof(why), "module at line %lu failed to load: %s", s->prog->line,
			 desc);
	}
	s->cur = err == CHIBI_OK ? inst : NULL;
	if (err != CHIBI_OK) {
		snprintf(s->cur_why, sizeof(s->cur_why), "%s", why);
		failf(s, "%s", why);
	} else {
		s->cur_why[0] = '\0';
		pass(s);
	}
	if (name)
		set_named(s, name, s->cur, s->cur_why);
}

/* (module definition ...): decoded and validated, instantiated only by a later
 * (module instance ...), which the front end turns into a module command on its file. */
static void cmd_module_definition(struct script *s, const struct json *cmd)
{
	const char *terr = json_get_str(cmd, "text_error");
	struct chibi_diag diag;
	enum chibi_err err;
	chibi_module *m;
	char desc[300];

	if (terr) {
		failf(s, "the text reader rejected the module definition: %s", terr);
		return;
	}
	err = load(s, cmd, &m, &diag);
	unload(s, m);
	if (err != CHIBI_OK) {
		describe_err(desc, sizeof(desc), err, &diag);
		failf(s, "module definition failed to load: %s", desc);
		return;
	}
	pass(s);
}

static void cmd_register(struct script *s, const struct json *cmd)
{
	const char *as = json_get_str(cmd, "as");
	char why[1024];
	chibi_instance *inst = target(s, json_get_str(cmd, "name"), why, sizeof(why));
	enum chibi_err err;

	if (!as) {
		failf(s, "register without \"as\"");
		return;
	}
	if (!inst) {
		failf(s, "cannot register \"%s\": %s", as, why);
		return;
	}
	err = chibi_linker_define_instance(s->linker, as, inst);
	if (err != CHIBI_OK) {
		failf(s, "chibi_linker_define_instance(\"%s\") failed: %s", as, err_name(err));
		return;
	}
	pass(s);
}

/* The result of performing an action. */
struct outcome {
	enum chibi_trap trap;
	struct chibi_trap_info info;
	chibi_val *results;    /* heap, nresults long */
	size_t nresults;
	char what[300];        /* "field(args)" for messages */
};

/* Perform an "invoke" or "get" action.  Returns false, with a reason in why, when it could not
 * be attempted at all (unknown module or export, unusable arguments); otherwise fills *out,
 * whose results the caller frees. */
static bool run_action(struct script *s, const struct json *act, struct outcome *out,
		       char *why, size_t n)
{
	const char *type = json_get_str(act, "type");
	const struct json *field = json_get(act, "field");
	const struct json *args = json_get(act, "args");
	struct chibi_extern ext;
	chibi_instance *inst;
	chibi_val *argv = NULL;
	size_t nargs = json_count(args), off;
	char ename[120], vbuf[80];
	bool found;
	chibi_func *f;

	memset(out, 0, sizeof(*out));
	if (!type || !field || field->type != JSON_STRING) {
		snprintf(why, n, "action without a type or field");
		return false;
	}
	escape(ename, sizeof(ename), field->u.str.s, field->u.str.len);
	snprintf(out->what, sizeof(out->what), "\"%s\"", ename);
	inst = target(s, json_get_str(act, "module"), why, n);
	if (!inst)
		return false;
	/* By length: names.wast exports names containing U+0000. */
	found = chibi_instance_export_n(inst, field->u.str.s, field->u.str.len, &ext);

	if (!strcmp(type, "get")) {
		if (!found || ext.kind != CHIBI_EXTERN_GLOBAL) {
			snprintf(why, n, "no exported global \"%s\"", ename);
			return false;
		}
		out->results = malloc(sizeof(*out->results));
		if (!out->results) {
			snprintf(why, n, "out of memory");
			return false;
		}
		out->results[0] = chibi_global_get(ext.of.global);
		out->nresults = 1;
		return true;
	}
	if (strcmp(type, "invoke")) {
		snprintf(why, n, "unknown action type '%s'", type);
		return false;
	}

	if (!found || ext.kind != CHIBI_EXTERN_FUNC) {
		snprintf(why, n, "no exported function \"%s\"", ename);
		return false;
	}
	f = ext.of.func;
	argv = calloc(nargs ? nargs : 1, sizeof(*argv));
	out->nresults = chibi_func_num_results(f);
	out->results = calloc(out->nresults ? out->nresults : 1, sizeof(*out->results));
	if (!argv || !out->results) {
		snprintf(why, n, "out of memory");
		goto fail;
	}
	off = strlen(out->what);
	for (size_t i = 0; i < nargs; i++) {
		if (!parse_arg(json_at(args, i), &argv[i], why, n))
			goto fail;
		format_val(vbuf, sizeof(vbuf), &argv[i]);
		if (off < sizeof(out->what))
			off += (size_t)snprintf(out->what + off, sizeof(out->what) - off, "%s%s",
						i ? ", " : "(", vbuf);
	}
	if (off < sizeof(out->what))
		snprintf(out->what + off, sizeof(out->what) - off, "%s", nargs ? ")" : "()");
	if (chibi_func_num_params(f) != nargs) {
		snprintf(why, n, "%s: export takes %" PRIu32 " parameters, script passes %zu",
			 out->what, chibi_func_num_params(f), nargs);
		goto fail;
	}
	out->trap = chibi_func_call(f, argv, nargs, out->results, out->nresults, &out->info);
	free(argv);
	return true;
fail:
	free(argv);
	free(out->results);
	out->results = NULL;
	return false;
}

static void cmd_action(struct script *s, const struct json *cmd)
{
	struct outcome oc;
	char why[1024];

	if (!run_action(s, json_get(cmd, "action"), &oc, why, sizeof(why))) {
		failf(s, "%s", why);
		return;
	}
	if (oc.trap != CHIBI_TRAP_NONE)
		failf(s, "%s trapped: %s", oc.what, trap_text(oc.trap, &oc.info));
	else
		pass(s);
	free(oc.results);
}

/* assert_return with (either v1 v2 ...) (relaxed SIMD): one result, matching any of them. */
static void cmd_assert_either(struct script *s, const struct json *cmd, struct outcome *oc)
{
	const struct json *alts = json_get(cmd, "either");
	char why[1024], wbuf[80], gbuf[80];
	struct expect e;

	if (oc->nresults != 1) {
		failf(s, "%s returned %zu results, expected 1", oc->what, oc->nresults);
		return;
	}
	for (size_t i = 0; i < json_count(alts); i++) {
		if (!parse_expect(json_at(alts, i), &e, why, sizeof(why))) {
			failf(s, "%s: %s", oc->what, why);
			return;
		}
		if (value_matches(&e, &oc->results[0])) {
			pass(s);
			return;
		}
	}
	failf(s, "%s: expected one of %zu results (first: %s), got %s", oc->what,
	      json_count(alts), json_count(alts) ? format_expect(wbuf, sizeof(wbuf), &e) : "-",
	      format_val(gbuf, sizeof(gbuf), &oc->results[0]));
}

static void cmd_assert_return(struct script *s, const struct json *cmd)
{
	const struct json *exp = json_get(cmd, "expected");
	size_t nexp = json_count(exp);
	struct outcome oc;
	char why[1024], wbuf[80], gbuf[80];

	if (!run_action(s, json_get(cmd, "action"), &oc, why, sizeof(why))) {
		failf(s, "%s", why);
		return;
	}
	if (oc.trap != CHIBI_TRAP_NONE) {
		failf(s, "%s trapped: %s", oc.what, trap_text(oc.trap, &oc.info));
		goto out;
	}
	if (json_get(cmd, "either")) {
		cmd_assert_either(s, cmd, &oc);
		goto out;
	}
	if (oc.nresults != nexp) {
		failf(s, "%s returned %zu results, expected %zu", oc.what, oc.nresults, nexp);
		goto out;
	}
	for (size_t i = 0; i < nexp; i++) {
		struct expect e;

		if (!parse_expect(json_at(exp, i), &e, why, sizeof(why))) {
			failf(s, "%s: %s", oc.what, why);
			goto out;
		}
		if (!value_matches(&e, &oc.results[i])) {
			failf(s, "%s: result %zu: expected %s, got %s", oc.what, i,
			      format_expect(wbuf, sizeof(wbuf), &e),
			      format_val(gbuf, sizeof(gbuf), &oc.results[i]));
			goto out;
		}
	}
	pass(s);
out:
	free(oc.results);
}

/* assert_trap and assert_exhaustion on an action: it must trap with the expected reason. */
static void cmd_assert_trap_action(struct script *s, const struct json *cmd)
{
	const char *text = json_get_str(cmd, "text");
	struct outcome oc;
	char why[1024], gbuf[80];
	const char *got;

	if (!run_action(s, json_get(cmd, "action"), &oc, why, sizeof(why))) {
		failf(s, "%s", why);
		return;
	}
	if (oc.trap == CHIBI_TRAP_NONE) {
		failf(s, "%s returned %s%s, expected trap '%s'", oc.what,
		      oc.nresults ? format_val(gbuf, sizeof(gbuf), &oc.results[0]) : "normally",
		      oc.nresults > 1 ? ", ..." : "", text ? text : "");
		goto out;
	}
	got = trap_text(oc.trap, &oc.info);
	if (text && !message_matches(text, got))
		failf(s, "%s: expected trap '%s', got '%s'", oc.what, text, got);
	else
		pass(s);
out:
	free(oc.results);
}

/* assert_exception: the action must end in an exception that nothing caught. */
static void cmd_assert_exception(struct script *s, const struct json *cmd)
{
	struct outcome oc;
	char why[1024], gbuf[80];

	if (!run_action(s, json_get(cmd, "action"), &oc, why, sizeof(why))) {
		failf(s, "%s", why);
		return;
	}
	if (oc.trap == CHIBI_TRAP_EXCEPTION)
		pass(s);
	else if (oc.trap == CHIBI_TRAP_NONE)
		failf(s, "%s returned %s, expected an exception", oc.what,
		      oc.nresults ? format_val(gbuf, sizeof(gbuf), &oc.results[0]) : "normally");
	else
		failf(s, "%s: expected an exception, got trap '%s'", oc.what,
		      trap_text(oc.trap, &oc.info));
	free(oc.results);
}

/* The module assertions: the binary must fail to decode/validate with `want`, or decode and
 * then fail to instantiate with `want` (CHIBI_ERR_UNLINKABLE / CHIBI_ERR_TRAP).  The class
 * decides pass/fail; the message only counts as a mismatch. */
static void cmd_assert_module(struct script *s, const struct json *cmd, enum chibi_err want)
{
	const char *text = json_get_str(cmd, "text");
	const char *mtype = json_get_str(cmd, "module_type");
	bool at_load = want == CHIBI_ERR_MALFORMED || want == CHIBI_ERR_INVALID;
	struct chibi_trap_info trap = { 0 };
	struct chibi_diag diag;
	chibi_instance *inst = NULL;
	chibi_module *m;
	enum chibi_err err;
	char desc[300];
	const char *got;

	if (!text)
		text = "";
	if (mtype && strcmp(mtype, "binary")) {
		const char *terr = json_get_str(cmd, "text_error");

		if (!terr) {
			skip(s, TEXT_SKIP_REASON);
		} else if (want != CHIBI_ERR_MALFORMED) {
			failf(s, "expected %s '%s', but the text reader rejected the module: %s",
			      err_name(want), text, terr);
		} else {
			pass(s);
			if (!message_matches(text, strchr(terr, ' ') ? strchr(terr, ' ') + 1 : terr))
				mismatch(s, text, terr);
		}
		return;
	}
	err = load(s, cmd, &m, &diag);
	if (!at_load) {
		if (err != CHIBI_OK) {
			describe_err(desc, sizeof(desc), err, &diag);
			failf(s, "expected %s '%s' at instantiation, but the module failed to load: "
			      "%s", err_name(want), text, desc);
			return;
		}
		memset(&diag, 0, sizeof(diag));
		err = chibi_instance_new(s->store, m, s->linker, &inst, &diag, &trap);
		unload(s, m);
	} else {
		unload(s, m);
	}
	if (err == CHIBI_OK) {
		failf(s, "expected %s '%s', but the module %s", err_name(want), text,
		      at_load ? "loaded" : "instantiated");
		return;
	}
	if (err != want) {
		describe_err(desc, sizeof(desc), err, &diag);
		failf(s, "expected %s '%s', got %s", err_name(want), text, desc);
		return;
	}
	pass(s);
	got = diag.msg;
	if (want == CHIBI_ERR_TRAP && !got[0] && trap.kind != CHIBI_TRAP_NONE)
		got = trap_text(trap.kind, &trap);
	if (!message_matches(text, got))
		mismatch(s, text, got);
}

static const char *skiplisted(const struct script *s)
{
	for (size_t i = 0; i < s->o->nskips; i++)
		if (s->o->skips[i].line == s->prog->line && !strcmp(s->o->skips[i].file, s->name))
			return s->o->skips[i].reason;
	return NULL;
}

static void run_command(struct script *s, const struct json *cmd)
{
	const char *type = json_get_str(cmd, "type");
	const char *reason = skiplisted(s);

	if (reason) {
		skip(s, reason);
		return;
	}
	if (!type) {
		failf(s, "command without a \"type\"");
		return;
	}
	if (!strcmp(type, "module"))
		cmd_module(s, cmd);
	else if (!strcmp(type, "module_definition"))
		cmd_module_definition(s, cmd);
	else if (!strcmp(type, "register"))
		cmd_register(s, cmd);
	else if (!strcmp(type, "action"))
		cmd_action(s, cmd);
	else if (!strcmp(type, "assert_return"))
		cmd_assert_return(s, cmd);
	else if (!strcmp(type, "assert_trap") && json_get(cmd, "filename"))
		cmd_assert_module(s, cmd, CHIBI_ERR_TRAP);
	else if (!strcmp(type, "assert_trap") || !strcmp(type, "assert_exhaustion"))
		cmd_assert_trap_action(s, cmd);
	else if (!strcmp(type, "assert_exception"))
		cmd_assert_exception(s, cmd);
	else if (!strcmp(type, "assert_invalid"))
		cmd_assert_module(s, cmd, CHIBI_ERR_INVALID);
	else if (!strcmp(type, "assert_malformed"))
		cmd_assert_module(s, cmd, CHIBI_ERR_MALFORMED);
	else if (!strcmp(type, "assert_unlinkable"))
		cmd_assert_module(s, cmd, CHIBI_ERR_UNLINKABLE);
	else if (!strcmp(type, "assert_uninstantiable"))
		cmd_assert_module(s, cmd, CHIBI_ERR_TRAP);
	else
		failf(s, "unknown command type '%s'", type);
}

/* ---- one script --------------------------------------------------------------------- */

/* The store a timed-out command should interrupt, and the timeout; set in the child. */
static chibi_store *volatile alarm_store;
static volatile sig_atomic_t alarm_fired;
static unsigned alarm_secs;

/* First alarm: ask the engine to stop, and give it one more period.  Second: it did not
 * stop, so give up on the script (only ever installed in the forked child). */
static void on_alarm(int sig)
{
	(void)sig;
	if (alarm_fired++)
		_exit(EXIT_TIMEOUT);
	if (alarm_store)
		chibi_store_interrupt(alarm_store);
	alarm(alarm_secs);
}

static char *read_whole_file(const char *path, size_t *out_len, char *why, size_t n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f) {
		snprintf(why, n, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap ? cap * 2 : 65536);

			if (!nb) {
				snprintf(why, n, "%s: out of memory", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(why, n, "cannot read %s: %s", path, strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*out_len = len;
	return buf;
}

/* Execute every command of the JSON script `json_path`, counting into *prog.  Returns false
 * (with a failure counted and printed) when the script cannot be read at all. */
static bool run_script(const struct opts *o, const char *name, const char *json_path,
		       const char *dir, struct progress *prog)
{
	struct chibi_config cfg = { .mode = o->mode };
	struct script s = { .o = o, .name = name, .dir = dir, .prog = prog };
	const struct json *cmds;
	struct json *root;
	char why[600];
	size_t len;
	char *text;
	enum chibi_err err;
	bool ok = false;

	snprintf(prog->kind, sizeof(prog->kind), "script");
	text = read_whole_file(json_path, &len, why, sizeof(why));
	if (!text) {
		failf(&s, "%s", why);
		return false;
	}
	root = json_parse(text, len, why, sizeof(why));
	free(text);
	cmds = json_get(root, "commands");
	if (!root || !cmds || cmds->type != JSON_ARRAY) {
		if (root)
			snprintf(why, sizeof(why), "no \"commands\" array");
		failf(&s, "bad JSON in %s: %s", json_path, why);
		json_free(root);
		return false;
	}

	s.store = chibi_store_new(&cfg);
	s.linker = chibi_linker_new();
	if (!s.store || !s.linker) {
		failf(&s, "cannot create a store or linker");
		goto out;
	}
	err = spectest_define(s.store, s.linker, o->verbose);
	if (err != CHIBI_OK) {
		failf(&s, "cannot create the spectest module: %s", err_name(err));
		goto out;
	}

	alarm_store = s.store;
	for (size_t i = 0; i < cmds->u.arr.n; i++) {
		const struct json *cmd = &cmds->u.arr.items[i];
		const struct json *line = json_get(cmd, "line");
		const char *type = json_get_str(cmd, "type");

		prog->line = line && line->type == JSON_NUMBER && line->u.num >= 0
			     ? (unsigned long)line->u.num : 0;
		snprintf(prog->kind, sizeof(prog->kind), "%s", type ? type : "?");
		alarm_fired = 0;
		if (o->isolate && o->timeout)
			alarm(o->timeout);
		run_command(&s, cmd);
		if (o->isolate && o->timeout)
			alarm(0);
		fflush(stdout);
	}
	alarm_store = NULL;
	ok = true;
out:
	chibi_linker_free(s.linker);
	chibi_store_free(s.store);
	for (size_t i = 0; i < s.ncompiled; i++)
		chibi_compiled_free(s.compiled[i]);
	free(s.compiled);
	for (size_t i = 0; i < s.nnamed; i++)
		free(s.named[i].name);
	free(s.named);
	json_free(root);
	return ok;
}

/* ---- wast2json and the temporary folder --------------------------------------------- */

/* Run wast2json on `wast`, writing `json` (and its .wasm files beside it); its output goes
 * to `log`.  fork+exec, no shell, so odd file names need no quoting.  Returns false with a
 * reason in why. */
static bool run_wast2json(const char *wast, const char *json, const char *log, char *why,
			  size_t n)
{
	const char *prog = getenv("WAST2JSON");
	char *argv[6];
	int pfd[2], status, child_errno = 0;
	ssize_t got;
	pid_t pid;

	if (!prog || !*prog)
		prog = "wast2json";
	argv[0] = (char *)prog;
	argv[1] = "--enable-all";
	argv[2] = (char *)wast;
	argv[3] = "-o";
	argv[4] = (char *)json;
	argv[5] = NULL;

	/* A close-on-exec pipe tells the parent whether exec itself failed. */
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(why, n, "pipe: %s", strerror(errno));
		return false;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(why, n, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return false;
	}
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		close(pfd[0]);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(prog, argv);
		child_errno = errno;
		if (write(pfd[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	do
		got = read(pfd[0], &child_errno, sizeof(child_errno));
	while (got < 0 && errno == EINTR);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got == (ssize_t)sizeof(child_errno)) {
		if (child_errno == ENOENT)
			snprintf(why, n, "cannot run %s: not found in PATH (it comes with WebAssembly "
				 "Binary Toolkit: install the 'wabt' package, or set WAST2JSON)",
				 prog);
		else
			snprintf(why, n, "cannot run %s: %s", prog, strerror(child_errno));
		return false;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFEXITED(status))
		snprintf(why, n, "%s failed (exit status %d) on %s", prog, WEXITSTATUS(status),
			 wast);
	else
		snprintf(why, n, "%s was killed by signal %d on %s", prog, WTERMSIG(status), wast);
	return false;
}

/* Print the start of a log file (wast2json's diagnostics), indented. */
static void show_log(const char *log)
{
	FILE *f = fopen(log, "r");
	char line[512];
	int lines = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && lines++ < 20)
		printf("    %s%s", line, strchr(line, '\n') ? "" : "\n");
	fclose(f);
}

/* Remove the temporary folder; it only ever holds plain files we created. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	if (d) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
			    sizeof(path))
				unlink(path);
		}
		closedir(d);
	}
	if (rmdir(dir) < 0)
		fprintf(stderr, "chibi wast: cannot remove %s: %s\n", dir, strerror(errno));
}

/* Run one script in a child process, so a crash or hang in the engine is reported against
 * the command that caused it and the other scripts still run. */
static void run_isolated(const struct opts *o, const char *name, const char *json,
			 const char *dir, struct progress *prog)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		printf("%s: fork: %s; running in-process\n", name, strerror(errno));
		run_script(o, name, json, dir, prog);
		return;
	}
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_alarm };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		alarm_secs = o->timeout;
		run_script(o, name, json, dir, prog);
		fflush(NULL);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	prog->failed++;
	prog->printed++;
	if (WIFSIGNALED(status))
		printf("%s:%lu: %s: CRASH: the runner was killed by signal %d (%s); the rest of "
		       "this script was not run\n", name, prog->line, prog->kind, WTERMSIG(status),
		       strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) == EXIT_TIMEOUT)
		printf("%s:%lu: %s: TIMEOUT: still running %u s after chibi_store_interrupt; the "
		       "rest of this script was not run\n", name, prog->line, prog->kind,
		       o->timeout);
	else
		printf("%s:%lu: %s: the runner exited with status %d; the rest of this script was "
		       "not run\n", name, prog->line, prog->kind, WEXITSTATUS(status));
}

/* Convert and run one .wast file, adding its counts to *total. */
static void run_file(const struct opts *o, const char *wast, struct progress *prog)
{
	const char *tmp = getenv("TMPDIR"), *base = strrchr(wast, '/');
	char dir[4096], json[4096 + 300], log[4096 + 32], stem[256], why[4096 + 1024];
	struct stat st;
	size_t stem_len;

	base = base ? base + 1 : wast;
	stem_len = strlen(base);
	if (stem_len > 5 && !strcmp(base + stem_len - 5, ".wast"))
		stem_len -= 5;
	if (stem_len >= sizeof(stem))
		stem_len = sizeof(stem) - 1;
	memcpy(stem, base, stem_len);
	stem[stem_len] = '\0';

	if (stat(wast, &st) < 0 || !S_ISREG(st.st_mode)) {
		prog->failed++;
		prog->printed++;
		printf("%s: cannot open %s: %s\n", base, wast,
		       access(wast, F_OK) < 0 ? strerror(errno) : "not a regular file");
		return;
	}
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/chibi-wast-XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		prog->failed++;
		prog->printed++;
		printf("%s: cannot create a temporary folder in %s: %s\n", base, tmp,
		       strerror(errno));
		return;
	}
	snprintf(json, sizeof(json), "%s/%s.json", dir, stem);
	snprintf(log, sizeof(log), "%s/wast2json.log", dir);
	if (o->wast2json ? !run_wast2json(wast, json, log, why, sizeof(why))
	    : !wast_text_convert(wast, dir, stem, json, CHIBI_FEATURES_ALL & ~o->features_off,
				 why, sizeof(why))) {
		prog->failed++;
		prog->printed++;
		printf("%s: %s\n", base, why);
		if (o->wast2json)
			show_log(log);
	} else if (o->convert_only) {
		printf("%s: kept %s\n", base, dir);
		return;
	} else if (o->isolate) {
		run_isolated(o, base, json, dir, prog);
	} else {
		run_script(o, base, json, dir, prog);
	}
	if (o->keep)
		printf("%s: kept %s\n", base, dir);
	else
		remove_dir(dir);
}

/* Read a skip list: one "FILE.wast:LINE reason" per line, '#' comments and blank lines
 * ignored.  FILE is matched against the script's base name.  Returns false (after printing
 * the offending line) on a read or format error. */
static bool load_skiplist(const char *path, struct opts *o)
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	unsigned long lineno = 0;

	if (!f) {
		fprintf(stderr, "chibi wast: cannot open skip list %s: %s\n", path, strerror(errno));
		return false;
	}
	while (fgets(buf, sizeof(buf), f)) {
		char *p = buf, *colon, *end, *reason;
		struct skip_entry *ne;
		unsigned long line;

		lineno++;
		buf[strcspn(buf, "\r\n")] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		colon = strchr(p, ':');
		if (!colon || colon == p)
			goto bad;
		errno = 0;
		line = strtoul(colon + 1, &end, 10);
		if (errno || end == colon + 1 || (*end && *end != ' ' && *end != '\t'))
			goto bad;
		reason = end + strspn(end, " \t");
		if (!*reason)
			goto bad;
		ne = realloc(o->skips, (o->nskips + 1) * sizeof(*ne));
		if (!ne)
			goto nomem;
		o->skips = ne;
		*colon = '\0';
		ne[o->nskips].file = strdup(p);
		ne[o->nskips].reason = strdup(reason);
		ne[o->nskips].line = line;
		o->nskips++;
		if (!ne[o->nskips - 1].file || !ne[o->nskips - 1].reason)
			goto nomem;
	}
	fclose(f);
	return true;
bad:
	fprintf(stderr, "chibi wast: %s:%lu: expected \"FILE.wast:LINE reason\", got '%s'\n",
		path, lineno, buf);
	fclose(f);
	return false;
nomem:
	fprintf(stderr, "chibi wast: out of memory reading %s\n", path);
	fclose(f);
	return false;
}

static void free_skiplist(struct opts *o)
{
	for (size_t i = 0; i < o->nskips; i++) {
		free(o->skips[i].file);
		free(o->skips[i].reason);
	}
	free(o->skips);
	o->skips = NULL;
	o->nskips = 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: chibi wast [OPTIONS] FILE.wast...\n"
		"\n"
		"Run WebAssembly spec scripts, read with chibi's own text reader (or with\n"
		"wabt's wast2json: --wast2json, or WAST2JSON=PROGRAM in the environment).\n"
		"\n"
		"  --interp          run with the interpreter\n"
		"  --jit             run with the JIT compiler\n"
		"  --compiled        run each module from a compiled file (chibi compile)\n"
		"  -v, --verbose     list every failure, skip and message mismatch\n"
		"  --keep            keep the temporary folders with the JSON and .wasm files\n"
		"  --wast2json       convert the scripts with wast2json (WAST2JSON or PATH)\n"
		"  --convert-only    convert and keep the folders (as --keep), run nothing\n"
		"  --no-fork         run scripts in-process (for debuggers; a crash stops the run)\n"
		"  --timeout=SECS    interrupt a command after SECS seconds (default %d, 0 = never)\n"
		"  --skiplist=FILE   skip the commands listed in FILE, one \"NAME.wast:LINE reason\"\n"
		"                    per line (they count as skipped, with the reason)\n"
		"  -W NAME[=y|n],... switch proposals on or off, as `chibi run -W` (default: all\n"
		"                    on; -W all-proposals=n,simd,multi-value,bulk-memory,\n"
		"                    reference-types is Wasm 2.0)\n"
		"\n"
		"Exit status: 0 if nothing failed, 1 if something did, 2 on usage errors.\n",
		DEFAULT_TIMEOUT);
}

enum { OPT_INTERP = 256, OPT_JIT, OPT_KEEP, OPT_NO_FORK, OPT_TIMEOUT, OPT_SKIPLIST,
       OPT_WAST2JSON, OPT_CONVERT_ONLY, OPT_COMPILED };

/* getopt_long with '+': options come before the scripts; "--" ends them too. */
static const struct option long_opts[] = {
	{ "interp", no_argument, NULL, OPT_INTERP },
	{ "jit", no_argument, NULL, OPT_JIT },
	{ "compiled", no_argument, NULL, OPT_COMPILED },
	{ "verbose", no_argument, NULL, 'v' },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "no-fork", no_argument, NULL, OPT_NO_FORK },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "skiplist", required_argument, NULL, OPT_SKIPLIST },
	{ "wast2json", no_argument, NULL, OPT_WAST2JSON },
	{ "convert-only", no_argument, NULL, OPT_CONVERT_ONLY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* -W's comma-separated proposal switches (runopts_feature) into *off; false with a
 * reason on an unknown name or a bad value. */
static bool features_switch(const char *list, uint32_t *off, char *why, size_t n)
{
	while (*list) {
		size_t len = strcspn(list, ",");
		int rc = runopts_feature(list, len, off, why, n);

		if (rc == 0)
			snprintf(why, n, "-W %.*s: not a proposal chibi knows", (int)len, list);
		if (rc != 1)
			return false;
		list += len + (list[len] == ',');
	}
	return true;
}

/* chibi wast [options] FILE.wast...: see usage().  Prints one summary line per script, the
 * failures (file:line: command: expected vs got), and a closing "N passed, N failed,
 * N skipped" line.  Returns 0 if no command failed, 1 otherwise, 2 on usage errors. */
int wast_main(int argc, char **argv)
{
	struct opts o = { .mode = CHIBI_MODE_DEFAULT, .isolate = true,
			  .timeout = DEFAULT_TIMEOUT };
	unsigned long passed = 0, failed = 0, skipped = 0;
	struct progress *prog;
	int first, opt;

	/* WAST2JSON in the environment chooses wast2json, as it always has. */
	o.wast2json = getenv("WAST2JSON") && *getenv("WAST2JSON");
	opterr = 0;
	optind = 0; /* glibc: a fresh scan */
	while ((opt = getopt_long(argc, argv, "+:vhW:", long_opts, NULL)) != -1) {
		uint64_t secs;
		char why[200];

		switch (opt) {
		case 'W':
			if (!features_switch(optarg, &o.features_off, why, sizeof(why))) {
				fprintf(stderr, "chibi wast: %s\n", why);
				free_skiplist(&o);
				return 2;
			}
			break;
		case OPT_INTERP:
			o.mode = CHIBI_MODE_INTERP;
			break;
		case OPT_JIT:
			if (!chibi_jit_name()) {
				fprintf(stderr, "chibi wast: --jit: this build of chibi has no JIT "
					"(back ends: x86-64, aarch64); use --interp\n");
				free_skiplist(&o);
				return 2;
			}
			o.mode = CHIBI_MODE_JIT;
			break;
		case OPT_COMPILED:
			if (!chibi_jit_name()) {
				fprintf(stderr, "chibi wast: --compiled: this build of chibi has no "
					"JIT\n");
				free_skiplist(&o);
				return 2;
			}
			o.compiled = true;
			o.mode = CHIBI_MODE_JIT;
			break;
		case 'v':
			o.verbose = true;
			break;
		case OPT_KEEP:
			o.keep = true;
			break;
		case OPT_NO_FORK:
			o.isolate = false;
			break;
		case OPT_WAST2JSON:
			o.wast2json = true;
			break;
		case OPT_CONVERT_ONLY:
			o.convert_only = true;
			break;
		case OPT_TIMEOUT:
			if (!parse_u64(optarg, 1000000, &secs)) {
				fprintf(stderr, "chibi wast: invalid --timeout '%s' (seconds)\n",
					optarg);
				free_skiplist(&o);
				return 2;
			}
			o.timeout = (unsigned)secs;
			break;
		case OPT_SKIPLIST:
			if (!load_skiplist(optarg, &o)) {
				free_skiplist(&o);
				return 2;
			}
			break;
		case 'h':
			free_skiplist(&o);
			usage(stdout);
			return 0;
		default: /* '?' unknown, ':' a value missing */
			fprintf(stderr, "chibi wast: %s option '%s'\n",
				opt == ':' ? "a value is missing for" : "unknown", argv[optind - 1]);
			usage(stderr);
			free_skiplist(&o);
			return 2;
		}
	}
	first = optind;
	if (first >= argc) {
		usage(stderr);
		free_skiplist(&o);
		return 2;
	}

	/* Shared with the per-script child; anonymous, so nothing to clean up on a crash. */
	prog = mmap(NULL, sizeof(*prog), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		    -1, 0);
	if (prog == MAP_FAILED) {
		fprintf(stderr, "chibi wast: mmap: %s\n", strerror(errno));
		free_skiplist(&o);
		return 1;
	}
	for (int i = first; i < argc; i++) {
		const char *base = strrchr(argv[i], '/');

		memset(prog, 0, sizeof(*prog));
		run_file(&o, argv[i], prog);
		printf("%s: %lu passed, %lu failed, %lu skipped\n", base ? base + 1 : argv[i],
		       prog->passed, prog->failed, prog->skipped);
		for (int k = 0; k < MAX_SKIP_REASONS && prog->skips[k].reason; k++)
			printf("  %lu skipped: %s\n", prog->skips[k].count, prog->skips[k].reason);
		if (prog->mismatched)
			printf("  %lu error-message mismatches%s\n", prog->mismatched,
			       o.verbose ? "" : " (run with -v to list them)");
		if (prog->failed > prog->printed)
			printf("  %lu more failures not shown (run with -v to list them)\n",
			       prog->failed - prog->printed);
		passed += prog->passed;
		failed += prog->failed;
		skipped += prog->skipped;
		fflush(stdout);
	}
	munmap(prog, sizeof(*prog));
	free_skiplist(&o);
	printf("%lu passed, %lu failed, %lu skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
