/* SPDX-License-Identifier: MIT */
/*
 * dc_sleep_until(): never early, on both placements, with the default timer
 * lead and a long one (each sleeper then spins 100 µs in its own context),
 * and the fallback of a thread that is not decoupled.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "decouple.h"
#include "harness.h"

/* The shared placement sleeps only when the period exceeds its wake margin. */
#define INTERVAL_DEDICATED_NS 200000
#define INTERVAL_SHARED_NS 1000000
#define LOOPS 1000

static uint64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct result {
	int early_dc;		/* woke before the deadline by dc_now() */
	int early_mono;		/* woke more than 2 us early by CLOCK_MONOTONIC */
	int wakes;
	uint64_t worst_early_mono;
};

static void periodic(struct result *r, uint64_t interval)
{
	uint64_t next = dc_now() + interval;
	for (int i = 0; i < LOOPS; i++) {
		CHECK_EQ(dc_sleep_until(next), 0);
		uint64_t m = mono(), d = dc_now();
		if (d < next)
			r->early_dc++;
		if (m + 2000 < next)
			r->early_mono++;
		if (m < next && next - m > r->worst_early_mono)
			r->worst_early_mono = next - m;
		r->wakes++;
		next += interval;
	}
}

static void run_placement(int cpu, enum dc_placement placement, const char *name,
			  uint64_t want_lead)
{
	struct dc_executive_attr attr = { .placement = placement, .sched_priority = 98 };
	CHECK_EQ(dc_executive_configure(cpu, &attr), 0);
	struct result r = { 0 };
	int err = dc_decouple(cpu, 50);
	if (err == -EPERM)
		SKIP("no permission for SCHED_FIFO");
	CHECK_EQ(err, 0);
	/* A deadline in the past returns at once; no deadline at all is an error. */
	CHECK_EQ(dc_sleep_until(dc_now() - 1000), 0);
	CHECK_EQ(dc_sleep_until(DC_FOREVER), -EINVAL);
	periodic(&r, placement == DC_PLACEMENT_DEDICATED ? INTERVAL_DEDICATED_NS : INTERVAL_SHARED_NS);
	struct dc_executive_stats st;
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	CHECK_EQ(dc_recouple(), 0);

	printf("%s: %d wakes, %d early (dc_now), %d > 2 us early (CLOCK_MONOTONIC, worst %llu ns); "
	       "spin %.1f ms, sleep %.1f ms, %llu Linux wake-ups, margin %.1f us\n",
	       name, r.wakes, r.early_dc, r.early_mono, (unsigned long long)r.worst_early_mono,
	       st.spin_ns / 1e6, st.sleep_ns / 1e6, (unsigned long long)st.linux_wakeups,
	       st.wake_margin_ns / 1e3);
	CHECK_EQ(r.wakes, LOOPS);
	CHECK_EQ(r.early_dc, 0);
	CHECK_EQ(r.early_mono, 0);
	CHECK_EQ(st.placement, placement);
	CHECK_EQ(st.timer_lead_ns, want_lead);
	CHECK(st.spin_ns > 0, "%s: no time spent polling", name);
	if (placement == DC_PLACEMENT_DEDICATED)
		CHECK_EQ(st.linux_wakeups, 0);
	else
		/* How often it sleeps depends on the margin it learns, i.e. on the host: only
		 * that it sleeps in Linux at all is a property of the placement. */
		CHECK(st.linux_wakeups > 0 && st.sleep_ns > 0,
		      "shared placement slept %llu times, %.1f ms (spun %.1f ms)",
		      (unsigned long long)st.linux_wakeups, st.sleep_ns / 1e6, st.spin_ns / 1e6);
}

int main(void)
{
	test_skip_decoupled_under_tsan();
	test_pin_to_housekeeping();
	int cpu = test_rt_cpu();

	/* Not decoupled: clock_nanosleep underneath, and never early either. */
	struct result r = { 0 };
	periodic(&r, INTERVAL_DEDICATED_NS);
	CHECK_EQ(r.early_dc, 0);
	CHECK_EQ(r.early_mono, 0);
	CHECK_EQ(dc_sleep_until(DC_FOREVER), -EINVAL);
	CHECK_EQ(dc_yield(), 0);

	run_placement(cpu, DC_PLACEMENT_DEDICATED, "dedicated", 2500);
	run_placement(cpu, DC_PLACEMENT_SHARED, "shared", 2500);
	setenv("DC_TIMER_LEAD_NS", "100000", 1);
	run_placement(cpu, DC_PLACEMENT_DEDICATED, "dedicated, 100 us lead", 100000);
	setenv("DC_TIMER_LEAD_NS", "0", 1);
	run_placement(cpu, DC_PLACEMENT_DEDICATED, "dedicated, no lead", 0);
	return test_done();
}
