/* SPDX-License-Identifier: MIT */
/*
 * Exact counts: 10,000,000 triggers from two Linux threads, and the counts
 * a decoupled waiter (a Linux waiter under TSan) reports add up to them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "decouple.h"
#include "decouple-io.h"
#include "harness.h"

#define TRIGGERS 10000000ull	/* in all, from both threads */

static dc_cap_t irq;
static uint64_t per_thread;
static pthread_barrier_t go;

static void *trigger(void *arg)
{
	(void)arg;
	test_pin_to_housekeeping();
	pthread_barrier_wait(&go);
	for (uint64_t i = 0; i < per_thread; i++)
		if (dc_irq_trigger(irq))
			abort();
	return NULL;
}

int main(void)
{
	int decoupled = strcmp(test_sanitizer(), "tsan") != 0;
	uint64_t total_triggers = TRIGGERS;
	if (!decoupled)
		total_triggers /= 10;	/* TSan is ~10x slower; the protocol is the same */
	per_thread = total_triggers / 2;
	test_pin_to_housekeeping();
	irq = dc_irq_create();
	CHECK(irq >= 0, "create: %d", irq);
	pthread_barrier_init(&go, NULL, 3);
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, trigger, NULL);

	if (decoupled) {
		struct dc_executive_attr attr = { .placement = DC_PLACEMENT_DEDICATED };
		dc_executive_configure(test_rt_cpu(), &attr);
		int err = dc_decouple(test_rt_cpu(), 50);
		if (err == -EPERM)
			SKIP("no permission for SCHED_FIFO");
		CHECK_EQ(err, 0);
	}
	pthread_barrier_wait(&go);
	uint64_t total = 0, wakes = 0, t0 = dc_now();
	while (total < total_triggers) {
		uint32_t n = 0;
		int err = dc_irq_wait(irq, t0 + 60000000000ull, &n);
		if (err) {
			CHECK_EQ(err, 0);
			break;
		}
		CHECK(n > 0, "a wait returned 0 events");
		total += n;
		wakes++;
	}
	uint64_t t1 = dc_now();
	if (decoupled)
		CHECK_EQ(dc_recouple(), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	/* Nothing left over, nothing counted twice. */
	uint32_t rest = 0;
	CHECK_EQ(dc_irq_wait(irq, 0, &rest), -ETIMEDOUT);
	CHECK_EQ(rest, 0);
	CHECK_EQ(total, total_triggers);
	printf("%llu triggers from 2 threads, %llu counted by a %s waiter in %llu waits, %.2f s\n",
	       (unsigned long long)total_triggers, (unsigned long long)total,
	       decoupled ? "decoupled" : "Linux", (unsigned long long)wakes, (t1 - t0) / 1e9);
	CHECK_EQ(dc_cap_close(irq), 0);
	return test_done();
}
