/* SPDX-License-Identifier: MIT */
/*
 * The capability table: one per process, a fixed array of entries naming
 * objects by small integers.
 *
 * An entry's state word packs a generation, an OPEN bit, a BUSY bit and a
 * count of lookups in progress.  A cap is (generation << DC_CAP_BITS) | index,
 * so the first use of every entry hands out 0..DC_CAP_SLOTS-1, like fds, and a
 * cap closed and reused later no longer matches: stale caps fail with -EBADF.
 * Lookups pin the entry with one CAS, take a reference on the object, and
 * unpin: no lock, so triggers may look caps up from signal handlers.  An
 * entry is reusable only once closed and unpinned.  The pin protects the
 * entry, the table's reference the object: that reference is dropped by the
 * last unpin of a closed entry (a lookup interrupted between its pin and its
 * dc_obj_get() included), and the object lives on until its last reference
 * (a waiter, a bridge) is dropped.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "io.h"

#define DC_CAP_BITS	12
#define DC_CAP_SLOTS	(1u << DC_CAP_BITS)
#define DC_CAP_GENMASK	((1u << (31 - DC_CAP_BITS)) - 1)

#define ST_USERS	0xffffffffull
#define ST_OPEN		(1ull << 32)
#define ST_BUSY		(1ull << 33)
#define ST_GEN_SHIFT	40

struct cap_entry {
	_Atomic uint64_t state;
	struct dc_object *_Atomic obj;
};

static struct cap_entry table[DC_CAP_SLOTS];
static _Atomic uint32_t next_hint;

static uint32_t gen_of(uint64_t s)
{
	return (uint32_t)(s >> ST_GEN_SHIFT) & DC_CAP_GENMASK;
}

void *dc_obj_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void dc_obj_free(void *p, size_t size)
{
	/* Raw: may run in a signal handler or with another thread's TLS. */
	dc_arch_syscall6(SYS_munmap, (long)p, (long)size, 0, 0, 0, 0);
}

void dc_obj_get(struct dc_object *obj)
{
	atomic_fetch_add_explicit(&obj->refs, 1, memory_order_relaxed);
}

void dc_obj_put(struct dc_object *obj)
{
	if (atomic_fetch_sub_explicit(&obj->refs, 1, memory_order_acq_rel) == 1)
		obj->ops->destroy(obj);
}

dc_cap_t dc_cap_install(struct dc_object *obj)
{
	/* Start after the last entry handed out: a closed cap's index rests a while. */
	uint32_t start = atomic_fetch_add_explicit(&next_hint, 1, memory_order_relaxed);
	for (uint32_t k = 0; k < DC_CAP_SLOTS; k++) {
		uint32_t i = (start + k) % DC_CAP_SLOTS;
		struct cap_entry *e = &table[i];
		uint64_t s = atomic_load_explicit(&e->state, memory_order_acquire);
		if (s & (ST_BUSY | ST_OPEN | ST_USERS))
			continue;
		uint64_t gen = (s >> ST_GEN_SHIFT) + 1;
		/* Generation 0 is the never-used entry; cap 0 stays a valid first cap. */
		uint64_t claimed = (gen << ST_GEN_SHIFT) | ST_BUSY;
		if (!atomic_compare_exchange_strong_explicit(&e->state, &s, claimed,
							     memory_order_acq_rel, memory_order_relaxed))
			continue;
		atomic_store_explicit(&e->obj, obj, memory_order_relaxed);
		atomic_fetch_or_explicit(&e->state, ST_OPEN, memory_order_release);
		return (dc_cap_t)(((gen_of(claimed) - 1) & DC_CAP_GENMASK) << DC_CAP_BITS | i);
	}
	return -EMFILE;
}

/* The entry `cap` names, pinned, or NULL.  `closing` also clears OPEN. */
static struct cap_entry *pin(dc_cap_t cap, int closing)
{
	if (cap < 0)
		return NULL;
	struct cap_entry *e = &table[(uint32_t)cap & (DC_CAP_SLOTS - 1)];
	uint32_t gen = (((uint32_t)cap >> DC_CAP_BITS) + 1) & DC_CAP_GENMASK;
	uint64_t s = atomic_load_explicit(&e->state, memory_order_acquire);
	for (;;) {
		if (!(s & ST_OPEN) || gen_of(s) != gen)
			return NULL;
		uint64_t n = (s + 1) & ~(closing ? ST_OPEN : 0);
		if (atomic_compare_exchange_weak_explicit(&e->state, &s, n, memory_order_acq_rel,
							  memory_order_acquire))
			return e;
	}
}

/*
 * The last one out of a closed entry frees it, keeping the generation, and
 * drops the table's reference to its object.  Not dc_cap_close() itself: a
 * lookup that pinned the entry before the close (and was then interrupted by
 * a signal, preempted or descheduled) has yet to take its own reference, so
 * the object must live until that lookup unpins.
 */
static void unpin(struct cap_entry *e)
{
	/* Read while pinned: the entry cannot be reused before our decrement. */
	struct dc_object *obj = atomic_load_explicit(&e->obj, memory_order_relaxed);
	uint64_t s = atomic_fetch_sub_explicit(&e->state, 1, memory_order_acq_rel);
	if ((s & ST_USERS) != 1 || (s & ST_OPEN))
		return;
	atomic_store_explicit(&e->obj, NULL, memory_order_relaxed);
	atomic_store_explicit(&e->state, s & ~(ST_USERS | ST_BUSY), memory_order_release);
	dc_obj_put(obj);	/* the table's reference */
}

struct dc_object *dc_cap_get(dc_cap_t cap, enum dc_obj_type type)
{
	struct cap_entry *e = pin(cap, 0);
	if (!e)
		return NULL;
	struct dc_object *obj = atomic_load_explicit(&e->obj, memory_order_relaxed);
	if (obj->type == type)
		dc_obj_get(obj);
	else
		obj = NULL;
	unpin(e);
	return obj;
}

int dc_cap_close(dc_cap_t cap)
{
	struct cap_entry *e = pin(cap, 1);
	if (!e)
		return -EBADF;
	struct dc_object *obj = atomic_load_explicit(&e->obj, memory_order_relaxed);
	/* Still pinned: the table's reference cannot go before close() is done. */
	if (obj->ops->close)
		obj->ops->close(obj);
	unpin(e);
	return 0;
}
