/* cli/wast_text.c - the native front end of `chibi wast`: a .wast script read with chibi's
 * own text reader (text/wat.h) into the command list the runner executes.
 *
 * The output is the same as wast2json's (a JSON command list plus one binary module file per
 * module), so cli/wast.c runs both front ends with one runner.  Text modules become binaries
 * here; a module the reader rejects is written as {"module_type": "text", "text_error": ...}
 * so that assert_malformed on `module quote` is judged, not skipped.  3.0 script forms:
 * `(module definition $M ...)` becomes a "module_definition" command (decoded and validated,
 * not instantiated), `(module instance $I $M)` a module command on $M's binary.
 * Entry point: wast_text_convert().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../text/wat.h"
#include "../util/json.h"
#include "../vm/alloc.h"
#include "wast.h"

/* A module's binary file under a name, for `module instance`. */
struct defn {
	const struct wat_node *id;
	char file[300];
};

struct conv {
	const char *dir, *stem;
	struct json_writer w;
	unsigned nfiles;
	struct defn *defs;
	size_t ndefs, defcap;
	char *why;
	size_t whylen;
	bool failed;
	uint32_t features;      /* the proposals the text reader accepts (chibi_feature) */
};

static bool conv_fail(struct conv *c, const struct wat_node *at, const char *msg)
{
	if (!c->failed)
		snprintf(c->why, c->whylen, "%u:%u: %s", at ? at->line : 0, at ? at->col : 0,
			 msg);
	c->failed = true;
	return false;
}

static void key_str(struct conv *c, const char *k, const char *v)
{
	jw_key(&c->w, k);
	jw_string(&c->w, v);
}

static void key_node(struct conv *c, const char *k, const struct wat_node *n)
{
	jw_key(&c->w, k);
	jw_string_n(&c->w, n->text, n->len);
}

static bool conv_write_file(struct conv *c, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	f = fopen(path, "wb");
	if (!f) {
		snprintf(c->why, c->whylen, "cannot write %s: %s", path, strerror(errno));
		c->failed = true;
		return false;
	}
	ok = fwrite(p, 1, n, f) == n;
	ok = fclose(f) == 0 && ok;
	if (!ok) {
		snprintf(c->why, c->whylen, "cannot write %s", path);
		c->failed = true;
	}
	return ok;
}

/* The concatenated bytes of the strings from n on (module binary / quote). */
static char *module_strings(struct conv *c, const struct wat_node *n, size_t *out_len)
{
	size_t len = 0;
	char *p;

	for (const struct wat_node *k = n; k; k = k->next) {
		if (k->kind != WAT_STRING) {
			conv_fail(c, k, "unexpected token: string expected");
			return NULL;
		}
		len += k->len;
	}
	p = vm_malloc(len + 1);
	if (!p) {
		conv_fail(c, n, "out of memory");
		return NULL;
	}
	*out_len = len;
	len = 0;
	for (; n; n = n->next) {
		memcpy(p + len, n->text, n->len);
		len += n->len;
	}
	return p;
}

static struct defn *find_def(struct conv *c, const struct wat_node *id)
{
	for (size_t i = c->ndefs; i-- > 0;)
		if (c->defs[i].id->len == id->len && !memcmp(c->defs[i].id->text, id->text, id->len))
			return &c->defs[i];
	return NULL;
}

/* Emit the members describing module node `mod` (filename, module_type, text_error) and
 * write its file.  *out_file receives the file name of a binary (for definitions). */
static bool module_members(struct conv *c, const struct wat_node *mod, char *out_file,
			   size_t out_n, bool *out_definition)
{
	const struct wat_node *n = mod->first->next;
	struct wat_error err = { 0 };
	uint8_t *bin = NULL;
	size_t len = 0;
	char file[300], msg[400];
	bool ok, text = false, quote = false;

	*out_definition = false;
	if (wat_is_atom(n, "definition")) {
		*out_definition = true;
		n = n->next;
	}
	if (n && n->kind == WAT_ID) {
		key_node(c, "name", n);
		n = n->next;
	}
	if (wat_is_atom(n, "binary")) {
		char *b = module_strings(c, n->next, &len);

		if (!b)
			return false;
		bin = (uint8_t *)b;
		ok = true;
	} else if (wat_is_atom(n, "quote")) {
		char *src = module_strings(c, n->next, &len);
		struct wat_tree t;

		if (!src)
			return false;
		quote = true;
		ok = wat_read(src, len, &t, &err);
		if (ok) {
			const struct wat_node *fields = t.top;

			/* the quoted text may be the fields or a whole (module $id? ...) */
			if (wat_is_list(fields, "module") && !fields->next) {
				fields = fields->first->next;
				if (fields && fields->kind == WAT_ID)
					fields = fields->next;
			}
			ok = wat_encode_module_features(fields, c->features, &bin, &len, &err);
			wat_tree_free(&t);
		}
		vm_free(src);
		text = !ok;
	} else {
		ok = wat_encode_module_features(n, c->features, &bin, &len, &err);
		text = !ok;
	}
	(void)quote;
	snprintf(file, sizeof(file), "%s.%u.%s", c->stem, c->nfiles++, text ? "wat" : "wasm");
	key_str(c, "filename", file);
	if (text) {
		/* Positions inside a quoted module are relative to its text. */
		snprintf(msg, sizeof(msg), "%u:%u: %s", err.line, err.col, err.msg);
		key_str(c, "module_type", "text");
		key_str(c, "text_error", msg);
		vm_free(bin);
		return true;
	}
	key_str(c, "module_type", "binary");
	ok = conv_write_file(c, file, bin, len);
	vm_free(bin);
	snprintf(out_file, out_n, "%s", file);
	return ok;
}

/* ---- values -------------------------------------------------------------------------- */

static void value_str(struct conv *c, const char *type, const char *value)
{
	jw_object(&c->w);
	key_str(c, "type", type);
	if (value)
		key_str(c, "value", value);
	jw_object_end(&c->w);
}

/* A constant or result pattern: (i32.const 1), (f32.const nan:canonical), (v128.const ...),
 * (ref.null t), (ref.extern n), (ref.func), ... */
static bool value(struct conv *c, const struct wat_node *v, bool result)
{
	static const struct {
		const char *op, *type;
		unsigned bits;
		bool is_float;
	} scalars[] = {
		{ "i32.const", "i32", 32, false }, { "i64.const", "i64", 64, false },
		{ "f32.const", "f32", 32, true }, { "f64.const", "f64", 64, true },
	};
	const struct wat_node *a = v->kind == WAT_LIST ? v->first : NULL;
	const struct wat_node *x = a ? a->next : NULL;
	char num[32];
	uint64_t bits;

	if (!a || a->kind != WAT_ATOM)
		return conv_fail(c, v, "unexpected token: value expected");
	for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
		if (!wat_is_atom(a, scalars[i].op))
			continue;
		if (!x || x->kind != WAT_ATOM || x->next)
			return conv_fail(c, v, "malformed constant");
		if (result && scalars[i].is_float &&
		    (wat_is_atom(x, "nan:canonical") || wat_is_atom(x, "nan:arithmetic"))) {
			value_str(c, scalars[i].type, wat_is_atom(x, "nan:canonical")
				  ? "nan:canonical" : "nan:arithmetic");
			return true;
		}
		if (!(scalars[i].is_float ? wat_read_float(x->text, x->len, scalars[i].bits, &bits)
		      : wat_read_int(x->text, x->len, scalars[i].bits, &bits)))
			return conv_fail(c, x, "malformed constant");
		snprintf(num, sizeof(num), "%" PRIu64, bits);
		value_str(c, scalars[i].type, num);
		return true;
	}
	if (wat_is_atom(a, "v128.const")) {
		static const struct {
			const char *shape, *lane;
			unsigned bits;
			bool is_float;
		} shapes[] = {
			{ "i8x16", "i8", 8, false }, { "i16x8", "i16", 16, false },
			{ "i32x4", "i32", 32, false }, { "i64x2", "i64", 64, false },
			{ "f32x4", "f32", 32, true }, { "f64x2", "f64", 64, true },
		};
		size_t s;

		for (s = 0; s < 6; s++)
			if (wat_is_atom(x, shapes[s].shape))
				break;
		if (s == 6)
			return conv_fail(c, x ? x : v, "unknown v128 shape");
		jw_object(&c->w);
		key_str(c, "type", "v128");
		key_str(c, "lane_type", shapes[s].lane);
		jw_key(&c->w, "value");
		jw_array(&c->w);
		x = x->next;
		for (unsigned l = 0; l < 128 / shapes[s].bits; l++, x = x->next) {
			if (!x || x->kind != WAT_ATOM)
				return conv_fail(c, v, "missing v128 lane");
			if (result && shapes[s].is_float && (wat_is_atom(x, "nan:canonical") ||
							      wat_is_atom(x, "nan:arithmetic"))) {
				jw_string_n(&c->w, x->text, x->len);
				continue;
			}
			if (!(shapes[s].is_float ? wat_read_float(x->text, x->len, shapes[s].bits,
								  &bits)
			      : wat_read_int(x->text, x->len, shapes[s].bits, &bits)))
				return conv_fail(c, x, "malformed v128 lane");
			snprintf(num, sizeof(num), "%" PRIu64, bits);
			jw_string(&c->w, num);
		}
		if (x)
			return conv_fail(c, x, "too many v128 lanes");
		jw_array_end(&c->w);
		jw_object_end(&c->w);
		return true;
	}
	if (wat_is_atom(a, "ref.null")) {
		const char *t = "anyref";

		if (wat_is_atom(x, "func") || wat_is_atom(x, "nofunc"))
			t = "funcref";
		else if (wat_is_atom(x, "extern") || wat_is_atom(x, "noextern"))
			t = "externref";
		else if (wat_is_atom(x, "exn") || wat_is_atom(x, "noexn"))
			t = "exnref";
		else if (!x && result)
			t = "refnull"; /* any null reference */
		value_str(c, t, "null");
		return true;
	}
	if (wat_is_atom(a, "ref.extern") || wat_is_atom(a, "ref.host")) {
		uint64_t n;

		if (!x && result) {
			value_str(c, "externref", NULL);
			return true;
		}
		if (!x || x->kind != WAT_ATOM || !wat_read_uint(x->text, x->len, UINT32_MAX, &n))
			return conv_fail(c, v, "malformed reference");
		snprintf(num, sizeof(num), "%" PRIu64, n);
		value_str(c, "externref", num);
		return true;
	}
	if (wat_is_atom(a, "ref.func")) {
		value_str(c, "funcref", NULL);
		return true;
	}
	if (a->len > 4 && !memcmp(a->text, "ref.", 4)) {
		/* ref.any, ref.i31, ref.struct ...: GC results the runner does not know */
		char t[40];

		snprintf(t, sizeof(t), "%.*sref", (int)(a->len - 4 < 30 ? a->len - 4 : 30),
			 a->text + 4);
		value_str(c, t, NULL);
		return true;
	}
	return conv_fail(c, a, "unknown value form");
}

/* (invoke $M? "name" arg*) or (get $M? "name") as the "action" member. */
static bool action(struct conv *c, const struct wat_node *act)
{
	const struct wat_node *a = act && act->kind == WAT_LIST ? act->first : NULL;
	const struct wat_node *n = a ? a->next : NULL;
	bool invoke = wat_is_atom(a, "invoke");

	if (!invoke && !wat_is_atom(a, "get"))
		return conv_fail(c, act, "unexpected token: action expected");
	jw_key(&c->w, "action");
	jw_object(&c->w);
	key_str(c, "type", invoke ? "invoke" : "get");
	if (n && n->kind == WAT_ID) {
		key_node(c, "module", n);
		n = n->next;
	}
	if (!n || n->kind != WAT_STRING)
		return conv_fail(c, act, "unexpected token: export name expected");
	key_node(c, "field", n);
	if (invoke) {
		jw_key(&c->w, "args");
		jw_array(&c->w);
		for (n = n->next; n; n = n->next)
			if (!value(c, n, false))
				return false;
		jw_array_end(&c->w);
	} else if (n->next) {
		return conv_fail(c, n->next, "unexpected token in get");
	}
	jw_object_end(&c->w);
	return true;
}

static void line(struct conv *c, const struct wat_node *cmd)
{
	jw_key(&c->w, "line");
	jw_uint(&c->w, cmd->line);
}

/* assert_malformed / invalid / unlinkable / uninstantiable / trap on a module. */
static bool assert_module(struct conv *c, const struct wat_node *cmd, const char *type)
{
	const struct wat_node *mod = cmd->first->next;
	const struct wat_node *msg = mod ? mod->next : NULL;
	char file[300];
	bool def;

	if (!wat_is_list(mod, "module"))
		return conv_fail(c, mod ? mod : cmd, "unexpected token: module expected");
	jw_object(&c->w);
	key_str(c, "type", type);
	line(c, mod); /* wast2json's line for module assertions: skip lists use it */
	if (!module_members(c, mod, file, sizeof(file), &def))
		return false;
	if (msg && msg->kind == WAT_STRING)
		key_node(c, "text", msg);
	jw_object_end(&c->w);
	return true;
}

static bool command(struct conv *c, const struct wat_node *cmd)
{
	const struct wat_node *a = cmd->kind == WAT_LIST ? cmd->first : NULL;

	if (wat_is_atom(a, "module")) {
		const struct wat_node *n = a->next;
		char file[300] = "";
		bool def;

		if (wat_is_atom(n, "instance")) {
			/* (module instance $I? $M?): instantiate definition $M (or the last) */
			const struct wat_node *i = n->next, *d = i ? i->next : NULL;
			struct defn *df = NULL;

			if (i && !d && find_def(c, i)) {
				d = i;
				i = NULL;
			}
			if (d)
				df = find_def(c, d);
			else if (c->ndefs)
				df = &c->defs[c->ndefs - 1];
			if (!df)
				return conv_fail(c, cmd, "unknown module definition");
			jw_object(&c->w);
			key_str(c, "type", "module");
			line(c, cmd);
			if (i)
				key_node(c, "name", i);
			key_str(c, "filename", df->file);
			jw_object_end(&c->w);
			return true;
		}
		jw_object(&c->w);
		line(c, cmd);
		if (!module_members(c, cmd, file, sizeof(file), &def))
			return false;
		key_str(c, "type", def ? "module_definition" : "module");
		jw_object_end(&c->w);
		n = wat_is_atom(a->next, "definition") ? a->next->next : a->next;
		if (file[0] && n && n->kind == WAT_ID) {
			if (!VM_GROW(c->defs, c->defcap, c->ndefs + 1))
				return conv_fail(c, cmd, "out of memory");
			c->defs[c->ndefs].id = n;
			snprintf(c->defs[c->ndefs].file, sizeof(c->defs[0].file), "%s", file);
			c->ndefs++;
		} else if (file[0] && def) {
			if (!VM_GROW(c->defs, c->defcap, c->ndefs + 1))
				return conv_fail(c, cmd, "out of memory");
			c->defs[c->ndefs].id = cmd->first; /* unnamed: found only as "the last" */
			snprintf(c->defs[c->ndefs].file, sizeof(c->defs[0].file), "%s", file);
			c->ndefs++;
		}
		return true;
	}
	if (wat_is_atom(a, "register")) {
		const struct wat_node *as = a->next, *id = as ? as->next : NULL;

		if (!as || as->kind != WAT_STRING)
			return conv_fail(c, cmd, "unexpected token: register name expected");
		jw_object(&c->w);
		key_str(c, "type", "register");
		line(c, cmd);
		key_node(c, "as", as);
		if (id && id->kind == WAT_ID)
			key_node(c, "name", id);
		jw_object_end(&c->w);
		return true;
	}
	if (wat_is_atom(a, "invoke") || wat_is_atom(a, "get")) {
		jw_object(&c->w);
		key_str(c, "type", "action");
		line(c, cmd);
		if (!action(c, cmd))
			return false;
		jw_object_end(&c->w);
		return true;
	}
	if (wat_is_atom(a, "assert_return")) {
		const struct wat_node *r = a->next ? a->next->next : NULL;

		jw_object(&c->w);
		key_str(c, "type", "assert_return");
		line(c, cmd);
		if (!action(c, a->next))
			return false;
		if (wat_is_list(r, "either")) {
			jw_key(&c->w, "either");
			jw_array(&c->w);
			for (const struct wat_node *e = r->first->next; e; e = e->next)
				if (!value(c, e, true))
					return false;
			jw_array_end(&c->w);
			r = r->next;
		}
		jw_key(&c->w, "expected");
		jw_array(&c->w);
		for (; r; r = r->next)
			if (!value(c, r, true))
				return false;
		jw_array_end(&c->w);
		jw_object_end(&c->w);
		return true;
	}
	if (wat_is_atom(a, "assert_trap") && wat_is_list(a->next, "module"))
		return assert_module(c, cmd, "assert_trap");
	if (wat_is_atom(a, "assert_trap") || wat_is_atom(a, "assert_exhaustion") ||
	    wat_is_atom(a, "assert_exception")) {
		const struct wat_node *msg = a->next ? a->next->next : NULL;

		jw_object(&c->w);
		key_node(c, "type", a);
		line(c, cmd);
		if (!action(c, a->next))
			return false;
		if (msg && msg->kind == WAT_STRING)
			key_node(c, "text", msg);
		jw_object_end(&c->w);
		return true;
	}
	if (wat_is_atom(a, "assert_malformed") || wat_is_atom(a, "assert_invalid") ||
	    wat_is_atom(a, "assert_unlinkable") || wat_is_atom(a, "assert_uninstantiable")) {
		char type[32];

		snprintf(type, sizeof(type), "%.*s", (int)a->len, a->text);
		return assert_module(c, cmd, type);
	}
	if (wat_is_atom(a, "input") || wat_is_atom(a, "output") || wat_is_atom(a, "meta"))
		return true;
	return conv_fail(c, cmd, "unexpected token: unknown script command");
}

static bool is_field(const struct wat_node *a)
{
	static const char *const fields[] = { "type", "rec", "import", "func", "table", "memory",
					      "global", "tag", "export", "start", "elem", "data" };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (wat_is_atom(a, fields[i]))
			return true;
	return false;
}

bool wast_text_convert(const char *wast, const char *dir, const char *stem,
		       const char *json, uint32_t features, char *why, size_t n)
{
	struct conv c = { .dir = dir, .stem = stem, .why = why, .whylen = n,
			  .features = features };
	struct wat_error err;
	struct wat_tree t;
	size_t len = 0, cap = 0;
	char *src = NULL, *text;
	FILE *f = fopen(wast, "rb");
	bool ok = false;

	if (!f) {
		snprintf(why, n, "cannot open %s: %s", wast, strerror(errno));
		return false;
	}
	for (;;) {
		size_t got;

		if (!VM_GROW(src, cap, len + 65536)) {
			fclose(f);
			vm_free(src);
			snprintf(why, n, "out of memory reading %s", wast);
			return false;
		}
		got = fread(src + len, 1, cap - len, f);
		len += got;
		if (!got)
			break;
	}
	fclose(f);
	if (!wat_read(src, len, &t, &err)) {
		snprintf(why, n, "%s:%u:%u: %s", wast, err.line, err.col, err.msg);
		vm_free(src);
		return false;
	}
	jw_init(&c.w);
	jw_object(&c.w);
	key_str(&c, "source_filename", wast);
	jw_key(&c.w, "commands");
	jw_array(&c.w);
	if (t.top && t.top->kind == WAT_LIST && is_field(t.top->first)) {
		/* a script that is one module's fields (inline-module.wast) */
		struct wat_node mod = { .kind = WAT_LIST, .line = t.top->line,
					.col = t.top->col, .first = NULL };
		struct wat_node kw = { .kind = WAT_ATOM, .line = t.top->line, .col = t.top->col,
				       .text = "module", .len = 6, .next = t.top };

		mod.first = &kw;
		command(&c, &mod);
	} else {
		for (const struct wat_node *cmd = t.top; cmd && !c.failed; cmd = cmd->next)
			command(&c, cmd);
	}
	jw_array_end(&c.w);
	jw_object_end(&c.w);
	if (c.failed) {
		jw_discard(&c.w);
		snprintf(why + strlen(why), n - strlen(why), " (in %s)", wast);
		goto out;
	}
	text = jw_finish(&c.w, &len);
	if (!text) {
		snprintf(why, n, "out of memory writing the command list of %s", wast);
		goto out;
	}
	{
		const char *slash = strrchr(json, '/');
		struct conv jc = c;

		jc.dir = dir;
		ok = conv_write_file(&jc, slash ? slash + 1 : json, text, len);
		free(text);
	}
out:
	wat_tree_free(&t);
	vm_free(src);
	vm_free(c.defs);
	return ok;
}
