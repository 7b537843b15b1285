/* SPDX-License-Identifier: MIT */
/*
 * Poll-mode sources on the simulated device: a counter register gives exact
 * counts and is acknowledged, a status flag is cleared and counted once per
 * raise, on the dedicated and the shared placement.
 */
#include <errno.h>
#include <stdint.h>

#include "decouple.h"
#include "decouple-io.h"
#include "decouple-simdev.h"
#include "harness.h"

#define RAISES 20000

static int cpu;

static void counter_mode(struct dc_simdev *dev, enum dc_placement placement)
{
	struct dc_executive_attr attr = { .placement = placement };
	CHECK_EQ(dc_executive_configure(cpu, &attr), 0);
	struct dc_poll_attr pa = { .status = &dev->regs->count, .ack = &dev->regs->ack,
				   .mode = DC_POLL_COUNTER, .cpu = cpu };
	uint32_t base = dev->regs->count;
	dc_cap_t irq = dc_irq_from_poll(&pa);
	CHECK(irq >= 0, "from_poll: %d", irq);
	CHECK_EQ(dc_decouple(cpu, 50), 0);
	CHECK_EQ(dc_simdev_start(dev, 0, RAISES), 0);
	uint64_t total = 0, waits = 0;
	while (total < RAISES) {
		uint32_t n;
		int err = dc_irq_wait(irq, dc_now() + 10000000000ull, &n);
		if (err) {
			CHECK_EQ(err, 0);
			break;
		}
		total += n;
		waits++;
	}
	CHECK_EQ(dc_recouple(), 0);
	CHECK_EQ(dc_simdev_stop(dev), RAISES);
	CHECK_EQ(total, RAISES);
	CHECK_EQ(dev->regs->ack, base + RAISES);
	printf("counter mode (%s): %d raises counted in %llu waits\n",
	       placement == DC_PLACEMENT_DEDICATED ? "dedicated" : "shared", RAISES,
	       (unsigned long long)waits);
	CHECK_EQ(dc_cap_close(irq), 0);
	CHECK_EQ(dc_irq_trigger(irq), -EBADF);
}

static void flags_mode(struct dc_simdev *dev)
{
	struct dc_executive_attr attr = { .placement = DC_PLACEMENT_DEDICATED };
	CHECK_EQ(dc_executive_configure(cpu, &attr), 0);
	struct dc_poll_attr pa = { .status = &dev->regs->status, .mask = DC_SIMDEV_STATUS_READY,
				   .mode = DC_POLL_FLAGS, .cpu = cpu };
	dev->regs->status = 0;
	dc_cap_t irq = dc_irq_from_poll(&pa);
	CHECK(irq >= 0, "from_poll: %d", irq);
	CHECK_EQ(dc_decouple(cpu, 50), 0);
	uint64_t worst = 0;
	for (int i = 0; i < 1000; i++) {
		dc_simdev_raise(dev);	/* from the decoupled thread: it just writes registers */
		uint32_t n = 0;
		CHECK_EQ(dc_irq_wait(irq, dc_now() + 1000000000ull, &n), 0);
		CHECK_EQ(n, 1);
		uint64_t lat = dc_now() - dev->regs->raised_ns;
		if (lat > worst)
			worst = lat;
		CHECK_EQ(dev->regs->status & DC_SIMDEV_STATUS_READY, 0);	/* acknowledged */
	}
	/* Nothing more was raised: nothing more is reported. */
	uint32_t n = 0;
	CHECK_EQ(dc_irq_wait(irq, dc_now() + 2000000, &n), -ETIMEDOUT);
	CHECK_EQ(dc_recouple(), 0);
	printf("flags mode: 1000 raises, each seen once, worst %.1f us\n", worst / 1e3);
	CHECK_EQ(dc_cap_close(irq), 0);
}

int main(void)
{
	test_pin_to_housekeeping();
	cpu = test_rt_cpu();
	CHECK_EQ(dc_irq_from_poll(NULL), -EINVAL);
	struct dc_simdev dev;
	CHECK_EQ(dc_simdev_create(&dev), 0);
	struct dc_poll_attr bad = { .status = &dev.regs->status, .mode = DC_POLL_FLAGS, .cpu = cpu };
	CHECK_EQ(dc_irq_from_poll(&bad), -EINVAL);	/* no mask */
	bad.mode = (enum dc_poll_mode)7;
	CHECK_EQ(dc_irq_from_poll(&bad), -EINVAL);
	bad.mode = DC_POLL_COUNTER;
	bad.cpu = -1;
	CHECK_EQ(dc_irq_from_poll(&bad), -EINVAL);

	test_skip_decoupled_under_tsan();
	struct dc_executive_attr attr = { .placement = DC_PLACEMENT_DEDICATED };
	dc_executive_configure(cpu, &attr);
	int err = dc_decouple(cpu, 50);
	if (err == -EPERM)
		SKIP("no permission for SCHED_FIFO");
	CHECK_EQ(err, 0);
	CHECK_EQ(dc_recouple(), 0);

	counter_mode(&dev, DC_PLACEMENT_DEDICATED);
	counter_mode(&dev, DC_PLACEMENT_SHARED);
	flags_mode(&dev);
	dc_simdev_destroy(&dev);
	return test_done();
}
