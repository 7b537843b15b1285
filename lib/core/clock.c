/* SPDX-License-Identifier: MIT */
/*
 * dc_now(): nanoseconds on CLOCK_MONOTONIC's epoch, read from the TSC when it
 * is invariant, so that the executive never enters the kernel to tell time.
 *
 * The TSC is mapped linearly: ns = base_ns + (cycles - base_cycles) * mult >> 32.
 * A one-off calibration gives the first mult; from then on a software PLL
 * re-anchors the map every DC_CLOCK_REFINE_NS so that it follows
 * CLOCK_MONOTONIC (which NTP may slew) within well under a microsecond.  Each
 * re-anchor is continuous at the anchor and only changes the slope, so
 * dc_now() never goes backwards.
 *
 * DC_CLOCK=vdso forces clock_gettime(); it is used anyway when the TSC is not
 * invariant.  DC_CLOCK=syscall forces a raw clock_gettime system call, which
 * is what machines whose clocksource the vDSO cannot read get (mono_ns()).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "core.h"

/* 128-bit intermediates keep the 32.32 fixed-point products exact. */
__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

#define DC_CLOCK_CALIBRATE_NS	10000000ull	/* first estimate of the rate */
#define DC_CLOCK_REFINE_NS	50000000ull	/* how often the map is re-anchored */
#define DC_CLOCK_STEP_NS	200000		/* larger errors are stepped, not slewed */
#define DC_CLOCK_MAX_SLEW_PPM	500

struct clock_map {
	uint64_t base_cycles;
	uint64_t base_ns;
	uint64_t mult;			/* ns per cycle, 32.32 fixed point */
};

/* A published map: relaxed atomics, so the latch's data race is a defined one. */
struct clock_map_shared {
	_Atomic uint64_t base_cycles, base_ns, mult;
};

/*
 * The map is published through a latch (two copies), not a seqlock: readers
 * use map[seq & 1] while the writer changes the other copy, so a reader
 * never waits for the writer.  The writer is whoever calls dc_now() when the
 * re-anchor is due, decoupled code included, and decoupled code can be
 * preempted: with a seqlock, a writer preempted while `seq` was odd left the
 * executive spinning in its own dc_now() for ever (tests/clock-preempt.c).
 */
static struct {
	_Atomic uint32_t seq;		/* readers use map[seq & 1] */
	struct clock_map_shared map[2];
	_Atomic uint64_t next_refine;	/* cycle count of the next re-anchor */
	_Atomic int refining;
	uint64_t first_cycles, first_ns;	/* the long baseline of the rate estimate */
	int use_tsc;
} clk;

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

/*
 * Whether clock_gettime() stays in the vDSO.  Where the vDSO cannot read
 * the clocksource (hpet or acpi_pm, as in a QEMU guest without kvm-clock),
 * it enters the kernel from its own text, outside the library's allowed
 * range: Syscall User Dispatch traps that in decoupled code, and the
 * forwarding path, which reads the clock itself, traps again, for ever.
 * Such machines read the clock with a raw call from the allowed range.
 */
static int vdso_reads_clock;

/* The x86 and arm64 clocksources that the vDSO reads in user mode. */
static int clocksource_in_vdso(void)
{
	static const char *const user_readable[] = {
		"tsc", "kvm-clock", "hyperv_clocksource_tsc_page", "arch_sys_counter",
	};
	char buf[64] = "";
	long fd = dc_arch_syscall6(SYS_openat, AT_FDCWD,
				   (long)"/sys/devices/system/clocksource/clocksource0/current_clocksource",
				   O_RDONLY | O_CLOEXEC, 0, 0, 0);
	if (fd < 0)
		return 1;	/* no sysfs: assume the common case */
	long n = dc_arch_syscall6(SYS_read, fd, (long)buf, sizeof(buf) - 1, 0, 0, 0);
	dc_arch_syscall6(SYS_close, fd, 0, 0, 0, 0, 0);
	if (n <= 0)
		return 1;
	buf[strcspn(buf, "\n")] = 0;
	for (size_t i = 0; i < sizeof(user_readable) / sizeof(user_readable[0]); i++)
		if (!strcmp(buf, user_readable[i]))
			return 1;
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	if (vdso_reads_clock)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	else
		dc_arch_syscall6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A (cycles, ns) pair read as close together as the machine allows. */
static void paired_sample(uint64_t *cycles, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 5; i++) {
		uint64_t c0 = dc_arch_cycles();
		uint64_t t = mono_ns();
		uint64_t c1 = dc_arch_cycles();
		if (c1 - c0 < best) {
			best = c1 - c0;
			*cycles = c0 + (c1 - c0) / 2;
			*ns = t;
		}
	}
}

static uint64_t map_apply(const struct clock_map *m, uint64_t cycles)
{
	int64_t d = (int64_t)(cycles - m->base_cycles);
	u128 p;
	if (d >= 0) {
		p = (u128)(uint64_t)d * m->mult;
		return m->base_ns + (uint64_t)(p >> 32);
	}
	/* A reader whose cycles predate a re-anchor done on another CPU. */
	p = (u128)(uint64_t)(-d) * m->mult;
	return m->base_ns - (uint64_t)(p >> 32);
}

static void map_copy(struct clock_map_shared *dst, const struct clock_map *m)
{
	atomic_store_explicit(&dst->base_cycles, m->base_cycles, memory_order_relaxed);
	atomic_store_explicit(&dst->base_ns, m->base_ns, memory_order_relaxed);
	atomic_store_explicit(&dst->mult, m->mult, memory_order_relaxed);
}

/* One writer at a time (clock_init(), or the holder of clk.refining). */
static void map_store(const struct clock_map *m)
{
	uint32_t s = atomic_load_explicit(&clk.seq, memory_order_relaxed);
	/* Readers move to the other copy, then this one changes. */
	atomic_store_explicit(&clk.seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	DC_TEST_POINT(DC_TP_CLOCK_STORE);
	map_copy(&clk.map[s & 1], m);
	/* Readers come back to it, new; then the other copy follows. */
	atomic_store_explicit(&clk.seq, s + 2, memory_order_release);
	atomic_thread_fence(memory_order_release);
	map_copy(&clk.map[(s + 1) & 1], m);
}

/* Never waits for the writer: it retries only when the writer moved on meanwhile. */
static void map_load(struct clock_map *m)
{
	uint32_t s0, s1;
	do {
		s0 = atomic_load_explicit(&clk.seq, memory_order_acquire);
		const struct clock_map_shared *c = &clk.map[s0 & 1];
		m->base_cycles = atomic_load_explicit(&c->base_cycles, memory_order_relaxed);
		m->base_ns = atomic_load_explicit(&c->base_ns, memory_order_relaxed);
		m->mult = atomic_load_explicit(&c->mult, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		s1 = atomic_load_explicit(&clk.seq, memory_order_relaxed);
	} while (s0 != s1);
}

static void clock_init(void)
{
	const char *force = getenv("DC_CLOCK");
	vdso_reads_clock = clocksource_in_vdso();
	if (force && strcmp(force, "syscall") == 0)
		vdso_reads_clock = 0;
	clk.use_tsc = dc_arch_cycles_invariant();
	if (force && (strcmp(force, "vdso") == 0 || strcmp(force, "syscall") == 0))
		clk.use_tsc = 0;
	if (!clk.use_tsc)
		return;

	uint64_t c0, n0, c1, n1;
	paired_sample(&c0, &n0);
	do
		paired_sample(&c1, &n1);
	while (n1 - n0 < DC_CLOCK_CALIBRATE_NS);

	struct clock_map m = {
		.base_cycles = c1,
		.base_ns = n1,
		.mult = (uint64_t)((((u128)(n1 - n0)) << 32) / (c1 - c0)),
	};
	clk.first_cycles = c0;
	clk.first_ns = n0;
	map_store(&m);
	atomic_store(&clk.next_refine, c1 + (uint64_t)((((u128)DC_CLOCK_REFINE_NS) << 32) / m.mult));
}

/*
 * Re-anchor the map at "now" and choose the slope so that the error against
 * CLOCK_MONOTONIC is gone by the next re-anchor.
 */
static void clock_refine(void)
{
	/*
	 * A refiner preempted meanwhile keeps the flag until it runs again;
	 * the others go on with the current map.  A load first: no locked
	 * operation on every dc_now() of that time.
	 */
	int expected = 0;
	if (atomic_load_explicit(&clk.refining, memory_order_relaxed) ||
	    !atomic_compare_exchange_strong(&clk.refining, &expected, 1))
		return;

	struct clock_map old, m;
	uint64_t cycles, ns;
	map_load(&old);
	paired_sample(&cycles, &ns);

	uint64_t ours = map_apply(&old, cycles);
	int64_t err = (int64_t)(ours - ns);
	u128 rate =
		(((u128)(ns - clk.first_ns)) << 32) / (cycles - clk.first_cycles);
	uint64_t period_cycles = (uint64_t)((((u128)DC_CLOCK_REFINE_NS) << 32) / rate);

	m.base_cycles = cycles;
	m.base_ns = ours;
	if (err < -DC_CLOCK_STEP_NS) {
		/* Far behind (a suspended VM, say): stepping forward keeps us monotonic. */
		m.base_ns = ns;
		err = 0;
	}
	/* Slew: per cycle, remove err / period_cycles ns, within the slew limit. */
	int64_t corr = (int64_t)((i128)err * ((i128)1 << 32) / (int64_t)period_cycles);
	int64_t limit = (int64_t)((uint64_t)rate / 1000000 * DC_CLOCK_MAX_SLEW_PPM);
	if (corr > limit)
		corr = limit;
	if (corr < -limit)
		corr = -limit;
	m.mult = (uint64_t)((int64_t)(uint64_t)rate - corr);

	map_store(&m);
	atomic_store(&clk.next_refine, cycles + period_cycles);
	atomic_store(&clk.refining, 0);
}

/*
 * At load, not at the first dc_now(): that may come from decoupled code,
 * where clock_init()'s own calls would be forwarded, and the forwarding
 * path's dc_now() would wait on the pthread_once it is inside.
 */
__attribute__((constructor)) static void clock_at_load(void)
{
	pthread_once(&clock_once, clock_init);
}

uint64_t dc_now(void)
{
	pthread_once(&clock_once, clock_init);
	if (!clk.use_tsc)
		return mono_ns();

	uint64_t cycles = dc_arch_cycles();
	if (__builtin_expect(cycles >= atomic_load_explicit(&clk.next_refine, memory_order_relaxed), 0)) {
		clock_refine();
		cycles = dc_arch_cycles();
	}
	struct clock_map m;
	map_load(&m);
	return map_apply(&m, cycles);
}

int dc_clock_uses_tsc(void)
{
	pthread_once(&clock_once, clock_init);
	return clk.use_tsc;
}
