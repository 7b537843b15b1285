/* SPDX-License-Identifier: MIT */
/*
 * The wake margin policy of the shared placement (lib/core/idle.c), fed with
 * made-up kernel wake-up lateness: it follows the usual lateness, rare
 * multi-ms stalls cannot make it poll more than a quarter of a period, a
 * kernel too slow for the period makes it poll through (with probe sleeps),
 * and it comes back once the kernel is punctual again.
 */
#include "harness.h"
#include "core.h"

#define US 1000ull
#define MS 1000000ull

static void feed(struct dc_margin *m, uint64_t late, int times)
{
	for (int i = 0; i < times; i++)
		dc_margin_observe(m, (int64_t)late);
}

int main(void)
{
	struct dc_margin m;
	dc_margin_init(&m);

	/* Nothing learnt yet: the initial margin where it fits in a quarter. */
	uint64_t first = dc_margin_for(&m, 1 * MS);
	CHECK(first > 0 && first <= 250 * US, "initial margin %llu ns at 1 ms",
	      (unsigned long long)first);

	/* A punctual kernel: a margin a little above its lateness. */
	feed(&m, 20 * US, DC_MARGIN_WINDOW);
	uint64_t calm = dc_margin_for(&m, 1 * MS);
	CHECK(calm >= 20 * US && calm <= 30 * US, "margin %llu ns for 20 us wake-ups",
	      (unsigned long long)calm);
	CHECK_EQ(dc_margin_for(&m, 200 * US), calm);

	/*
	 * Host preemptions of 3 ms in 4% of the wake-ups: the old p99 margin
	 * grew past the period and polled it all (93% CPU at 1 ms).  Now the
	 * margin is at most a quarter of the period, and sleeping continues.
	 */
	for (int i = 0; i < DC_MARGIN_WINDOW; i++)
		dc_margin_observe(&m, (int64_t)(i % 25 == 0 ? 3 * MS : 20 * US));
	uint64_t stormy = dc_margin_for(&m, 1 * MS);
	CHECK(stormy > 0 && stormy <= 250 * US, "margin %llu ns at 1 ms with 3 ms outliers",
	      (unsigned long long)stormy);
	for (uint64_t span = 10 * US; span <= 10 * MS; span *= 3) {
		uint64_t mg = dc_margin_for(&m, span);
		CHECK(mg <= span / 4 || mg == 0, "margin %llu ns for a %llu ns period",
		      (unsigned long long)mg, (unsigned long long)span);
	}

	/* Once the stall is out of the window, the margin is small again. */
	feed(&m, 20 * US, DC_MARGIN_WINDOW);
	CHECK_EQ(dc_margin_for(&m, 1 * MS), calm);

	/*
	 * A kernel whose usual wake-up (100 us) does not fit in a quarter of a
	 * 200 us period: poll through, but take a probe sleep of a quarter
	 * every few periods, so that it learns when the kernel recovers.
	 */
	feed(&m, 100 * US, DC_MARGIN_WINDOW);
	int polled = 0, probes = 0;
	for (int i = 0; i < 64; i++) {
		uint64_t mg = dc_margin_for(&m, 200 * US);
		if (mg == 0)
			polled++;
		else {
			CHECK_EQ(mg, 150 * US);	/* wakes after 50 us: 150 us to spare */
			probes++;
		}
	}
	CHECK(probes >= 4 && probes <= 16 && polled + probes == 64,
	      "%d probes, %d polled periods of 64", probes, polled);
	/* The probes find a punctual kernel again: sleeping resumes. */
	feed(&m, 10 * US, DC_MARGIN_WINDOW);
	uint64_t back = dc_margin_for(&m, 200 * US);
	CHECK(back > 0 && back <= 20 * US, "margin %llu ns after recovery",
	      (unsigned long long)back);

	/* Periods too short to sleep in at all are polled. */
	CHECK_EQ(dc_margin_for(&m, 8 * US), 0);
	return test_done();
}
