/* hashmap.c - an open-addressing hash map (linear probing, tombstones) under a mixed workload:
 * random-access loads, 64-bit multiply hashing, unpredictable branches.
 * argv[1] = operations (default 8000000): inserts, lookups and deletes over a key space that
 * keeps the table between 1/4 and 1/2 full. */
#include <string.h>
#include "bench_common.h"

#define EMPTY 0ULL
#define TOMB 1ULL

struct map {
	uint64_t *keys;
	uint64_t *vals;
	size_t cap, used; /* used counts live entries and tombstones */
};

static inline size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static void map_put(struct map *m, uint64_t key, uint64_t val);

static void map_grow(struct map *m, size_t cap)
{
	struct map old = *m;
	m->cap = cap;
	m->used = 0;
	m->keys = bench_alloc(cap * sizeof *m->keys);
	m->vals = bench_alloc(cap * sizeof *m->vals);
	memset(m->keys, 0, cap * sizeof *m->keys);
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i] > TOMB)
			map_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

static void map_put(struct map *m, uint64_t key, uint64_t val)
{
	if ((m->used + 1) * 2 > m->cap)
		map_grow(m, m->cap * 2);
	size_t i = slot_of(key, m->cap), tomb = SIZE_MAX;
	for (;; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return;
		}
		if (m->keys[i] == TOMB && tomb == SIZE_MAX)
			tomb = i;
		if (m->keys[i] == EMPTY)
			break;
	}
	if (tomb != SIZE_MAX)
		i = tomb;
	else
		m->used++;
	m->keys[i] = key;
	m->vals[i] = val;
}

static uint64_t *map_get(struct map *m, uint64_t key)
{
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key)
			return &m->vals[i];
		if (m->keys[i] == EMPTY)
			return NULL;
	}
}

static int map_del(struct map *m, uint64_t key)
{
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			m->keys[i] = TOMB;
			return 1;
		}
		if (m->keys[i] == EMPTY)
			return 0;
	}
}

int main(int argc, char **argv)
{
	long ops = bench_size(argc, argv, 8000000);
	struct map m = {0};
	map_grow(&m, 1024);
	uint64_t space = (uint64_t)ops / 8 + 16, seed = 99, sum = 0, hits = 0, dels = 0;
	for (long i = 0; i < ops; i++) {
		uint64_t r = bench_rand(&seed);
		uint64_t key = (r >> 8) % space + 2; /* 0 and 1 are EMPTY and TOMB */
		switch (r & 7) {
		case 0: case 1: case 2:
			map_put(&m, key, r);
			break;
		case 7:
			dels += (uint64_t)map_del(&m, key);
			break;
		default: {
			uint64_t *v = map_get(&m, key);
			if (v) {
				hits++;
				sum += *v ^ key;
			}
		}
		}
		/* Rehash in place when tombstones pile up. */
		if (m.used * 2 + 2 > m.cap)
			map_grow(&m, m.cap);
	}
	size_t live = 0;
	for (size_t i = 0; i < m.cap; i++)
		if (m.keys[i] > TOMB) {
			live++;
			sum += m.keys[i] * 31 + m.vals[i];
		}
	printf("hashmap %ld %zu %llu %llu %016llx\n", ops, live, (unsigned long long)hits,
	       (unsigned long long)dels, (unsigned long long)sum);
	free(m.keys);
	free(m.vals);
	return 0;
}
