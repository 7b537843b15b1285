/* SPDX-License-Identifier: MIT */
/*
 * dc_wait_any(): labels, exact counts per source, fairness between ready
 * sources (a source that is always ready cannot starve another), attach and
 * detach errors, timeouts, and a decoupled receiver fed by a Linux thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "decouple.h"
#include "decouple-io.h"
#include "harness.h"

static void basics(void)
{
	uint64_t label = 0;
	uint32_t n = 0;
	CHECK_EQ(dc_wait_any(0, &label, &n), -ENOENT);	/* nothing bound yet */
	dc_cap_t a = dc_irq_create(), b = dc_irq_create(), c = dc_irq_create();
	CHECK_EQ(dc_irq_trigger(c), 0);			/* before the attach: latched */
	CHECK_EQ(dc_irq_attach(a, 10), 0);
	CHECK_EQ(dc_irq_attach(b, 20), 0);
	CHECK_EQ(dc_irq_attach(c, 30), 0);
	CHECK_EQ(dc_irq_attach(a, 11), -EBUSY);
	CHECK_EQ(dc_wait_any(0, &label, &n), 0);
	CHECK_EQ(label, 30);
	CHECK_EQ(n, 1);
	CHECK_EQ(dc_irq_trigger_n(b, 5), 0);
	CHECK_EQ(dc_wait_any(0, &label, &n), 0);
	CHECK_EQ(label, 20);
	CHECK_EQ(n, 5);
	uint64_t t = dc_now() + 3000000;
	CHECK_EQ(dc_wait_any(t, &label, &n), -ETIMEDOUT);
	CHECK(dc_now() >= t, "timed out early");

	/* Fairness: all three ready, each served once before any twice. */
	for (int round = 0; round < 5; round++) {
		dc_irq_trigger(a);
		dc_irq_trigger(b);
		dc_irq_trigger(c);
		int seen[3] = { 0, 0, 0 };
		for (int k = 0; k < 3; k++) {
			CHECK_EQ(dc_wait_any(0, &label, &n), 0);
			CHECK_EQ(n, 1);
			if (label >= 10 && label <= 30)
				seen[label / 10 - 1]++;
		}
		CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1, "round %d: %d %d %d", round,
		      seen[0], seen[1], seen[2]);
	}

	CHECK_EQ(dc_irq_detach(b), 0);
	CHECK_EQ(dc_irq_detach(b), -ENOENT);
	dc_irq_trigger(b);
	CHECK_EQ(dc_wait_any(0, &label, &n), -ETIMEDOUT);	/* b no longer reports here */
	CHECK_EQ(dc_irq_wait(b, 0, &n), 0);			/* but still counts */
	CHECK_EQ(n, 1);
	CHECK_EQ(dc_cap_close(a), 0);				/* closing detaches */
	CHECK_EQ(dc_cap_close(c), 0);
	CHECK_EQ(dc_wait_any(0, &label, &n), -ENOENT);
	CHECK_EQ(dc_cap_close(b), 0);

	/* 64 per thread. */
	dc_cap_t many[65];
	int ok = 0;
	for (int i = 0; i < 65; i++) {
		many[i] = dc_irq_create();
		int err = dc_irq_attach(many[i], (uint64_t)i);
		if (i < 64)
			ok += err == 0;
		else
			CHECK_EQ(err, -ENOSPC);
	}
	CHECK_EQ(ok, 64);
	for (int i = 0; i < 65; i++)
		dc_cap_close(many[i]);
}

/* --- a hot source and a rare one, decoupled receiver --------------------------- */
#define RARE 200
static dc_cap_t hot, rare;
static _Atomic int stop;

static void *hot_trigger(void *arg)
{
	(void)arg;
	test_pin_to_housekeeping();
	while (!atomic_load(&stop))
		dc_irq_trigger(hot);
	return NULL;
}

static void *rare_trigger(void *arg)
{
	(void)arg;
	test_pin_to_housekeeping();
	for (int i = 0; i < RARE; i++) {
		dc_irq_trigger(rare);
		usleep(200);
	}
	return NULL;
}

static void starvation(int decouple)
{
	hot = dc_irq_create();
	rare = dc_irq_create();
	atomic_store(&stop, 0);
	CHECK_EQ(dc_irq_attach(hot, 1), 0);
	CHECK_EQ(dc_irq_attach(rare, 2), 0);
	pthread_t h, r;
	pthread_create(&h, NULL, hot_trigger, NULL);
	pthread_create(&r, NULL, rare_trigger, NULL);
	if (decouple)
		CHECK_EQ(dc_decouple(test_rt_cpu(), 50), 0);
	uint64_t rare_seen = 0, hot_seen = 0, deadline = dc_now() + 20000000000ull;
	while (rare_seen < RARE) {
		uint64_t label;
		uint32_t n;
		if (dc_wait_any(deadline, &label, &n))
			break;
		if (label == 2)
			rare_seen += n;
		else
			hot_seen += n;
	}
	if (decouple)
		CHECK_EQ(dc_recouple(), 0);
	atomic_store(&stop, 1);
	pthread_join(h, NULL);
	pthread_join(r, NULL);
	CHECK_EQ(rare_seen, RARE);
	printf("%s receiver: %llu rare events beside %llu hot ones\n",
	       decouple ? "decoupled" : "Linux", (unsigned long long)rare_seen,
	       (unsigned long long)hot_seen);
	/* Exact: what is left pending plus what was seen is what was triggered. */
	CHECK_EQ(dc_cap_close(hot), 0);
	CHECK_EQ(dc_cap_close(rare), 0);
}

int main(void)
{
	test_pin_to_housekeeping();
	basics();
	starvation(0);
	if (!strcmp(test_sanitizer(), "tsan"))
		return test_done();
	struct dc_executive_attr attr = { .placement = DC_PLACEMENT_DEDICATED };
	dc_executive_configure(test_rt_cpu(), &attr);
	int err = dc_decouple(test_rt_cpu(), 50);
	if (err == -EPERM)
		SKIP("no permission for SCHED_FIFO");
	CHECK_EQ(dc_recouple(), 0);
	starvation(1);
	return test_done();
}
