/* util/json_test.c - Criterion tests for the JSON reader (util/json.c) and writer
 * (util/json_write.c).
 *
 * Reader: values, escapes (\uXXXX and surrogate pairs to UTF-8, embedded NULs), nesting,
 * wast2json-shaped documents, and malformed input (must fail cleanly with a position, never
 * crash), also with every allocation failing in turn.  Writer: exact bytes (commas, escapes,
 * numbers), misuse caught by jw_finish, out of memory, and reader/writer round trips.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "../vm/alloc.h"

static struct json *parse(const char *text)
{
	char err[128];
	struct json *v = json_parse(text, strlen(text), err, sizeof(err));

	cr_assert(v, "parse failed for %s: %s", text, err);
	return v;
}

/* Parse must fail; returns the message so tests can check it. */
static void parse_fails(const char *text, size_t len, char *err, size_t errlen)
{
	struct json *v = json_parse(text, len, err, errlen);

	cr_assert_null(v, "expected a parse error for <%.*s>", (int)len, text);
	if (errlen)
		cr_assert(err[0], "no error message for <%.*s>", (int)len, text);
}

Test(json, scalars)
{
	struct json *v;

	v = parse("true");
	cr_assert_eq(v->type, JSON_BOOL);
	cr_assert(v->u.b);
	json_free(v);
	v = parse(" false ");
	cr_assert_eq(v->type, JSON_BOOL);
	cr_assert_not(v->u.b);
	json_free(v);
	v = parse("null");
	cr_assert_eq(v->type, JSON_NULL);
	json_free(v);
	v = parse("-12.5e2");
	cr_assert_eq(v->type, JSON_NUMBER);
	cr_assert_float_eq(v->u.num, -1250.0, 1e-9);
	json_free(v);
	v = parse("0");
	cr_assert_float_eq(v->u.num, 0.0, 0);
	json_free(v);
	v = parse("\"\"");
	cr_assert_eq(v->type, JSON_STRING);
	cr_assert_eq(v->u.str.len, 0);
	cr_assert_str_eq(json_str(v), "");
	json_free(v);
}

Test(json, long_number)
{
	char buf[300];

	memset(buf, '1', 200);
	buf[200] = '\0';
	struct json *v = parse(buf);

	cr_assert_eq(v->type, JSON_NUMBER);
	cr_assert_gt(v->u.num, 1e199);
	json_free(v);
}

Test(json, simple_escapes)
{
	struct json *v = parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");

	cr_assert_str_eq(json_str(v), "a\"b\\c/d\b\f\n\r\t");
	cr_assert_eq(v->u.str.len, 12);
	json_free(v);
}

Test(json, unicode_escapes_to_utf8)
{
	struct json *v;

	v = parse("\"\\u0041\\u00e9\\u20AC\"");          /* A, e-acute, euro sign */
	cr_assert_str_eq(json_str(v), "A\xc3\xa9\xe2\x82\xac");
	json_free(v);
	v = parse("\"\\ud83d\\ude00\"");                 /* U+1F600 as a surrogate pair */
	cr_assert_str_eq(json_str(v), "\xf0\x9f\x98\x80");
	cr_assert_eq(v->u.str.len, 4);
	json_free(v);
	v = parse("\"\\uDBFF\\uDFFF\"");                 /* U+10FFFF, the last code point */
	cr_assert_str_eq(json_str(v), "\xf4\x8f\xbf\xbf");
	json_free(v);
	v = parse("\"\\u07ff\\u0800\\uffff\"");          /* 2/3-byte boundaries */
	cr_assert_str_eq(json_str(v), "\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf");
	json_free(v);
}

Test(json, raw_utf8_passes_through)
{
	struct json *v = parse("\"\xef\xbb\xbf\xc3\x85\"");

	cr_assert_str_eq(json_str(v), "\xef\xbb\xbf\xc3\x85");
	json_free(v);
}

/* names.wast exports a function whose name starts with NUL: the length must survive. */
Test(json, embedded_nul)
{
	struct json *v = parse("\"\\u0000\\u0001x\"");

	cr_assert_eq(v->u.str.len, 3);
	cr_assert_eq(memcmp(v->u.str.s, "\0\1x", 4), 0);
	json_free(v);
}

Test(json, nested)
{
	struct json *v = parse("{\"a\": [1, {\"b\": [[], {}]}, \"s\"], \"c\": {\"d\": null}}");
	const struct json *a = json_get(v, "a");

	cr_assert_eq(json_count(v), 2);
	cr_assert_eq(a->type, JSON_ARRAY);
	cr_assert_eq(json_count(a), 3);
	cr_assert_float_eq(json_at(a, 0)->u.num, 1.0, 0);
	cr_assert_eq(json_count(json_get(json_at(a, 1), "b")), 2);
	cr_assert_eq(json_at(json_get(json_at(a, 1), "b"), 0)->type, JSON_ARRAY);
	cr_assert_eq(json_at(json_get(json_at(a, 1), "b"), 1)->type, JSON_OBJECT);
	cr_assert_str_eq(json_str(json_at(a, 2)), "s");
	cr_assert_null(json_at(a, 3));
	cr_assert_eq(json_get(json_get(v, "c"), "d")->type, JSON_NULL);
	cr_assert_null(json_get(v, "zz"));
	cr_assert_null(json_get(a, "a"));       /* not an object */
	cr_assert_null(json_at(v, 0));          /* not an array */
	cr_assert_null(json_get(NULL, "a"));
	cr_assert_null(json_str(a));
	cr_assert_null(json_get_str(v, "a"));
	json_free(v);
}

Test(json, first_duplicate_key_wins)
{
	struct json *v = parse("{\"k\": \"one\", \"k\": \"two\"}");

	cr_assert_str_eq(json_get_str(v, "k"), "one");
	json_free(v);
}

/* A key with an embedded NUL must not match its C-string prefix. */
Test(json, key_with_nul_is_distinct)
{
	struct json *v = parse("{\"a\\u0000b\": 1}");

	cr_assert_null(json_get(v, "a"));
	json_free(v);
}

Test(json, wast2json_shape)
{
	static const char doc[] =
		"{\"source_filename\": \"i32.wast\",\n"
		" \"commands\": [\n"
		"  {\"type\": \"module\", \"line\": 3, \"filename\": \"i32.0.wasm\"}, \n"
		"  {\"type\": \"assert_return\", \"line\": 37, \"action\": {\"type\": \"invoke\", "
		"\"field\": \"add\", \"args\": [{\"type\": \"i32\", \"value\": \"1\"}, "
		"{\"type\": \"i32\", \"value\": \"4294967295\"}]}, \"expected\": [{\"type\": "
		"\"i32\", \"value\": \"0\"}]}]}\n";
	struct json *v = parse(doc);
	const struct json *cmds = json_get(v, "commands"), *c1 = json_at(cmds, 1);

	cr_assert_eq(json_count(cmds), 2);
	cr_assert_str_eq(json_get_str(json_at(cmds, 0), "filename"), "i32.0.wasm");
	cr_assert_float_eq(json_get(c1, "line")->u.num, 37.0, 0);
	cr_assert_str_eq(json_get_str(json_get(c1, "action"), "field"), "add");
	cr_assert_str_eq(json_get_str(json_at(json_get(json_get(c1, "action"), "args"), 1),
				      "value"), "4294967295");
	json_free(v);
}

Test(json, not_nul_terminated_input)
{
	char buf[8];
	char err[64];
	struct json *v;

	memcpy(buf, "[1,2]xxx", 8);             /* only the first 5 bytes are the document */
	v = json_parse(buf, 5, err, sizeof(err));
	cr_assert(v, "%s", err);
	cr_assert_eq(json_count(v), 2);
	json_free(v);
}

Test(json, malformed_inputs_fail_cleanly)
{
	static const char *const bad[] = {
		"", "   ", "{", "[", "]", "}", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":}",
		"{a:1}", "{\"a\":1,}", "tru", "nul", "falsey", "01", "-", "1.", "1e", "1e+",
		".5", "+1", "0x10", "NaN", "Infinity", "\"abc", "\"a\\\"", "\"\\x41\"",
		"\"\\u12\"", "\"\\u12g4\"", "\"\\ud83d\"", "\"\\ud83d\\u0041\"", "\"\\ude00\"",
		"\"\\ud83dx\"", "\"a\nb\"", "\"tab\there\"", "[1] [2]", "{} x", "'a'", "[\"\\",
		"{\"a\":1 \"b\":2}", "[true false]", "\"\\",
	};
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_fails(bad[i], strlen(bad[i]), err, sizeof(err));
}

Test(json, error_message_has_position)
{
	char err[128];

	parse_fails("{\n  \"a\": [1,\n  2,,]\n}", 21, err, sizeof(err));
	cr_assert(strstr(err, "line 3"), "got '%s'", err);
}

Test(json, null_and_tiny_error_buffers)
{
	char err[4];

	cr_assert_null(json_parse("[", 1, NULL, 0));
	cr_assert_null(json_parse("[", 1, err, sizeof(err)));
	cr_assert_eq(strlen(err), 3);
	cr_assert_null(json_parse(NULL, 0, NULL, 0));
	json_free(NULL);
}

Test(json, deep_nesting_is_an_error_not_a_crash)
{
	size_t n = 100000;
	char *buf = malloc(2 * n);
	char err[128];

	cr_assert(buf);
	memset(buf, '[', n);
	memset(buf + n, ']', n);
	parse_fails(buf, 2 * n, err, sizeof(err));
	cr_assert(strstr(err, "nesting"), "got '%s'", err);
	free(buf);
}

Test(json, within_depth_limit)
{
	size_t n = 400;
	char *buf = malloc(2 * n);
	char err[128];
	struct json *v;

	cr_assert(buf);
	memset(buf, '[', n);
	memset(buf + n, ']', n);
	v = json_parse(buf, 2 * n, err, sizeof(err));
	cr_assert(v, "%s", err);
	json_free(v);
	free(buf);
}

/* Every prefix of a valid document is either a valid document or an error: never a crash
 * or an out-of-bounds read (the latter shows up under ASan). */
Test(json, every_truncation_fails_cleanly)
{
	static const char doc[] =
		"{\"commands\": [{\"type\": \"module\", \"line\": 3, \"name\": \"\\u0000\\ud83d"
		"\\ude00\", \"args\": [1.5e3, -0, true, false, null, {}]}]}";
	size_t len = strlen(doc);

	for (size_t i = 0; i < len; i++) {
		char *copy = malloc(i ? i : 1);
		struct json *v;

		cr_assert(copy);
		memcpy(copy, doc, i);
		v = json_parse(copy, i, NULL, 0);
		cr_assert_null(v, "prefix of length %zu parsed", i);
		free(copy);
	}
	json_free(parse(doc));
}

/* ---- the writer ---------------------------------------------------------------------- */

/* Finish w and compare with want; frees the text. */
static void expect_text(struct json_writer *w, const char *want)
{
	size_t len = 0;
	char *got = jw_finish(w, &len);

	cr_assert_not_null(got, "jw_finish failed, wanted %s", want);
	cr_expect_str_eq(got, want);
	cr_expect_eq(len, strlen(want));
	free(got);
}

Test(json_write, compact_document_in_call_order)
{
	struct json_writer w;
	const char *vals[] = { "a", "b" };

	jw_init(&w);
	jw_object(&w);
	jw_key(&w, "z");
	jw_uint(&w, 0);
	jw_key(&w, "a");
	jw_array(&w);
	for (int i = 0; i < 2; i++)
		jw_string(&w, vals[i]);
	jw_object(&w);
	jw_object_end(&w);
	jw_array(&w);
	jw_array_end(&w);
	jw_array_end(&w);
	jw_key(&w, "n");
	jw_uint(&w, UINT64_MAX);
	jw_object_end(&w);
	expect_text(&w, "{\"z\":0,\"a\":[\"a\",\"b\",{},[]],\"n\":18446744073709551615}");
}

Test(json_write, escapes_quotes_backslashes_and_controls_only)
{
	struct json_writer w;

	jw_init(&w);
	jw_array(&w);
	jw_string(&w, "q\"b\\/\x01\t\n\x1f \xc3\xa9\xe2\x86\x92");
	jw_string(&w, "");
	jw_array_end(&w);
	/* the form OCI images have always used: no \n or \t shorthand, UTF-8 as is */
	expect_text(&w, "[\"q\\\"b\\\\/\\u0001\\u0009\\u000a\\u001f \xc3\xa9\xe2\x86\x92\",\"\"]");
}

Test(json_write, misuse_fails_at_finish)
{
	struct json_writer w;

	jw_init(&w); /* nothing written */
	cr_expect_null(jw_finish(&w, NULL));
	jw_init(&w); /* a member without its key */
	jw_object(&w);
	jw_string(&w, "x");
	jw_object_end(&w);
	cr_expect_null(jw_finish(&w, NULL));
	jw_init(&w); /* a key in an array */
	jw_array(&w);
	jw_key(&w, "k");
	jw_array_end(&w);
	cr_expect_null(jw_finish(&w, NULL));
	jw_init(&w); /* left open */
	jw_array(&w);
	cr_expect_null(jw_finish(&w, NULL));
	jw_init(&w); /* closed with the wrong bracket */
	jw_array(&w);
	jw_object_end(&w);
	cr_expect_null(jw_finish(&w, NULL));
	jw_init(&w); /* a dangling key */
	jw_object(&w);
	jw_key(&w, "k");
	jw_object_end(&w);
	cr_expect_null(jw_finish(&w, NULL));
	jw_init(&w); /* two documents */
	jw_uint(&w, 1);
	jw_uint(&w, 2);
	cr_expect_null(jw_finish(&w, NULL));
	jw_init(&w); /* too deep */
	for (int i = 0; i <= JW_MAX_DEPTH; i++)
		jw_array(&w);
	cr_expect_null(jw_finish(&w, NULL));
}

static long fail_countdown = -1;

static bool fail_kth(size_t size)
{
	return fail_countdown >= 0 && fail_countdown-- == 0;
}

/* Every allocation failing in turn: the writer reports it at jw_finish, never crashes, and
 * leaks nothing (LeakSanitizer in the ASan build); the reader returns NULL with a message. */
Test(json_write, out_of_memory_is_reported_at_finish)
{
	static const char doc[] = "{\"a\":[1,2,{\"b\":\"c\"}],\"d\":\"long string value\"}";
	char err[128];
	long k;

	alloc_set_fail_hook(fail_kth);
	for (k = 0;; k++) {
		struct json_writer w;
		struct json *v;
		char *text;

		fail_countdown = k;
		jw_init(&w);
		jw_object(&w);
		for (int i = 0; i < 200; i++) {
			jw_key(&w, "key");
			jw_string(&w, "a value long enough to make the buffer grow");
		}
		jw_object_end(&w);
		text = jw_finish(&w, NULL);
		v = json_parse(doc, sizeof(doc) - 1, err, sizeof(err));
		if (fail_countdown >= 0) { /* nothing failed: both complete */
			cr_expect_not_null(text);
			cr_expect_not_null(v);
			free(text);
			json_free(v);
			break;
		}
		cr_expect(!text || !v);
		if (!v)
			cr_expect(strstr(err, "out of memory"), "%s", err);
		free(text);
		json_free(v);
	}
	alloc_set_fail_hook(NULL);
	cr_expect_gt(k, 5);
}

/* What the writer writes, the reader reads back unchanged. */
Test(json_write, round_trip_through_the_reader)
{
	static const char *const strs[] = { "", "plain", "quote\" and \\", "\x01\x1f\x7f",
					    "\xf0\x9f\x98\x80 emoji", "/slash/" };
	struct json_writer w;
	struct json *v;
	size_t len;
	char *text;

	jw_init(&w);
	jw_object(&w);
	jw_key(&w, "strings");
	jw_array(&w);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		jw_string(&w, strs[i]);
	jw_array_end(&w);
	jw_key(&w, "k\"ey");
	jw_uint(&w, 9007199254740992u); /* 2^53: exact as a double */
	jw_object_end(&w);
	text = jw_finish(&w, &len);
	cr_assert_not_null(text);
	v = json_parse(text, len, NULL, 0);
	cr_assert_not_null(v, "%s", text);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		cr_expect_str_eq(json_str(json_at(json_get(v, "strings"), i)), strs[i]);
	cr_expect_eq(json_get(v, "k\"ey")->u.num, 9007199254740992.0);
	json_free(v);
	free(text);
}
