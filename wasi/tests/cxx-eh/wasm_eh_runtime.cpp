// wasi/tests/cxx-eh/wasm_eh_runtime.cpp - the part of a C++ runtime that clang++
// -fwasm-exceptions code calls, for wasm32-wasi where Debian packages libc++abi without
// exception support: __cxa_allocate_exception / throw / begin_catch / end_catch / rethrow,
// the landing-pad context and _Unwind_CallPersonality (which reads the LSDA's call-site,
// action and type tables to pick the catch clause), and the two type_info vtables the
// test's classes need.  Exceptions are thrown with the wasm `throw` instruction (tag 0,
// C++'s) carrying the address of the _Unwind_Exception header.  Only what the test uses:
// class types, single inheritance, catch (...), rethrow.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

namespace std {
class type_info {
public:
	virtual ~type_info();
	const char *name_;
};
type_info::~type_info() {}
} // namespace std

// __class_type_info and __si_class_type_info: only their vtables' addresses matter here
// (a type_info's vptr says whether it has a base); the slots are never called.
extern "C" {
void *chibi_class_ti_vtable[4] __asm__("_ZTVN10__cxxabiv117__class_type_infoE") = {};
void *chibi_si_class_ti_vtable[4] __asm__("_ZTVN10__cxxabiv120__si_class_type_infoE") = {};
}

// The deleting destructors of classes with virtual destructors refer to these.
void operator delete(void *p) noexcept
{
	free(p);
}
void operator delete(void *p, size_t) noexcept
{
	free(p);
}

struct si_type_info {           // layout of __si_class_type_info
	void *vptr;
	const char *name;
	const si_type_info *base;
};

struct unwind_exception {       // _Unwind_Exception, as wasm32 libunwind lays it out
	uint64_t exception_class;
	void (*cleanup)(int, unwind_exception *);
	uint32_t private_1, private_2;
};

struct cxa_exception {
	const si_type_info *type;
	void *(*dtor)(void *); // wasm C++ ABI: destructors return this
	int handlers;               // < 0: rethrown
	cxa_exception *next_caught;
	unwind_exception unwind;    // what `throw` carries; the object follows the header
};

static cxa_exception *caught;   // innermost exception being handled

static cxa_exception *from_unwind(void *u)
{
	return (cxa_exception *)((char *)u - offsetof(cxa_exception, unwind));
}

static void *object_of(cxa_exception *h)
{
	return h + 1;
}

extern "C" {
struct lpad_context {
	uint32_t lpad_index;
	const uint8_t *lsda;
	uint32_t selector;
};
lpad_context __wasm_lpad_context;

void *__cxa_allocate_exception(size_t size)
{
	cxa_exception *h = (cxa_exception *)calloc(1, sizeof(*h) + size);

	if (!h)
		abort();
	return object_of(h);
}

void __cxa_free_exception(void *obj)
{
	free((cxa_exception *)obj - 1);
}

__attribute__((noreturn)) void __cxa_throw(void *obj, void *type, void *(*dtor)(void *))
{
	cxa_exception *h = (cxa_exception *)obj - 1;

	h->type = (const si_type_info *)type;
	h->dtor = dtor;
	h->unwind.exception_class = 0x434c4e47432b2b00ull; // "CLNGC++\0"
	__builtin_wasm_throw(0, &h->unwind);
}

void *__cxa_begin_catch(void *u)
{
	cxa_exception *h = from_unwind(u);

	h->handlers = h->handlers < 0 ? -h->handlers + 1 : h->handlers + 1;
	if (caught != h) {
		h->next_caught = caught;
		caught = h;
	}
	return object_of(h);
}

void __cxa_end_catch(void)
{
	cxa_exception *h = caught;

	if (!h)
		return;
	if (h->handlers < 0) {          // rethrown: it lives on
		if (++h->handlers == 0)
			caught = h->next_caught;
		return;
	}
	if (--h->handlers == 0) {
		caught = h->next_caught;
		if (h->dtor)
			h->dtor(object_of(h));
		free(h);
	}
}

__attribute__((noreturn)) void __cxa_rethrow(void)
{
	cxa_exception *h = caught;

	if (!h)
		abort();
	h->handlers = -h->handlers;
	__builtin_wasm_throw(0, &h->unwind);
}

__attribute__((noreturn)) void _ZSt9terminatev(void)
{
	abort();
}

static uint32_t uleb(const uint8_t **p)
{
	uint32_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = *(*p)++;
		v |= (uint32_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	return v;
}

static int32_t sleb(const uint8_t **p)
{
	int32_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		b = *(*p)++;
		v |= (int32_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 32 && (b & 0x40))
		v |= -(1 << shift);
	return v;
}

// A catch clause for `want` takes an exception of type `got`: the same class or one of its
// bases (single inheritance: the object's address does not change).
static bool can_catch(const si_type_info *want, const si_type_info *got)
{
	while (got) {
		if (got == want || !strcmp(got->name, want->name))
			return true;
		if (got->vptr != (void *)&chibi_si_class_ti_vtable[2])
			return false;
		got = got->base;
	}
	return false;
}

// Called by a landing pad with the thrown _Unwind_Exception: sets the context's selector
// to the type index of the first clause of the pad's action chain that takes the
// exception (0: none, the pad only cleans up and rethrows).
int _Unwind_CallPersonality(void *u)
{
	const si_type_info *got = from_unwind(u)->type;
	const uint8_t *p = __wasm_lpad_context.lsda, *types = nullptr, *actions, *rec;
	uint32_t index = __wasm_lpad_context.lpad_index, cs_len, action = 0;

	__wasm_lpad_context.selector = 0;
	if (!p)
		return 8; // _URC_CONTINUE_UNWIND
	if (*p++ != 0xff) // landing pad base: not used by wasm
		uleb(&p);
	if (*p++ != 0xff) {
		uint32_t off = uleb(&p);

		types = p + off;
	}
	p++; // call-site encoding: uleb128 in wasm
	cs_len = uleb(&p);
	actions = p + cs_len;
	// records are (landing pad, action) in landing-pad index order
	for (uint32_t i = 0; i <= index && p < actions; i++) {
		uleb(&p);
		action = uleb(&p);
	}
	if (!action)
		return 8;
	rec = actions + action - 1;
	for (;;) {
		int32_t ti = sleb(&rec);
		const uint8_t *next_at = rec;
		int32_t next = sleb(&rec);

		if (ti > 0 && types) {
			const si_type_info *want;

			memcpy(&want, types - ti * 4, 4);
			if (!want || can_catch(want, got)) {
				__wasm_lpad_context.selector = (uint32_t)ti;
				return 6; // _URC_HANDLER_FOUND
			}
		}
		if (!next)
			return 8;
		rec = next_at + next;
	}
}
} // extern "C"
