// wasi/tests/cxx-eh/eh.cpp - C++ exceptions through several frames: built natively (the
// system's C++ runtime) and with clang++ -fwasm-exceptions for wasm32-wasi (the small
// runtime in wasm_eh_runtime.cpp), the two must print the same (wasi/tests/cxx-eh.sh).
#include <stdio.h>

struct Counter {
	static int live;
	int id;
	explicit Counter(int i) : id(i) { live++; }
	~Counter() { live--; printf(" ~%d", id); }
};
int Counter::live;

struct Error {
	int code;
	const char *where;
};
struct Base {
	virtual ~Base() {}
	virtual const char *what() const { return "base"; }
	int v = 0;
};
struct Derived : Base {
	const char *what() const override { return "derived"; }
};
struct Other {
	int x;
};

__attribute__((noinline)) static int descend(int n, int code)
{
	Counter c(n);

	if (n == 0)
		throw Error{ code, "bottom" };
	return descend(n - 1, code) + 1;
}

__attribute__((noinline)) static void throw_derived(int v)
{
	Derived d;

	d.v = v;
	throw d;
}

__attribute__((noinline)) static void no_match(int n)
{
	try {
		descend(n, 7);
	} catch (const Other &o) {
		printf("wrong handler %d\n", o.x);
	}
}

static int (*volatile indirect)(int, int) = descend;

int main()
{
	// 1. ten frames, each with a destructor to run on the way out
	try {
		descend(10, 42);
	} catch (const Error &e) {
		printf("\ncaught Error %d from %s\n", e.code, e.where);
	}
	// 2. a derived class caught by its base
	try {
		throw_derived(5);
	} catch (const Base &b) {
		printf("caught %s v=%d\n", b.what(), b.v);
	}
	// 3. catch (...) and rethrow to an outer handler
	try {
		try {
			descend(3, 9);
		} catch (...) {
			printf("\ninner catch-all, rethrowing\n");
			throw;
		}
	} catch (const Error &e) {
		printf("outer caught %d\n", e.code);
	}
	// 4. an inner handler of another type lets it through
	try {
		no_match(2);
	} catch (const Error &e) {
		printf("\npassed through: %d\n", e.code);
	}
	// 5. a throw inside a catch block
	try {
		try {
			descend(1, 1);
		} catch (const Error &e) {
			printf("\nconverting %d\n", e.code);
			throw Other{ e.code * 100 };
		}
	} catch (const Other &o) {
		printf("caught Other %d\n", o.x);
	}
	// 6. many throws, through an indirect call
	long sum = 0;
	for (int i = 0; i < 2000; i++) {
		try {
			indirect(i % 5, i);
		} catch (const Error &e) {
			sum += e.code;
		}
	}
	printf("\nsum %ld\n", sum);
	printf("live %d\n", Counter::live);
	return Counter::live;
}
