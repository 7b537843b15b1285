/* SPDX-License-Identifier: MIT */
/*
 * A simulated device for tests and examples: a register bank in a memfd
 * (so another process can map it too) and a device model that raises
 * interrupts both ways a real device would reach a decoupled thread:
 * UIO-style, through an eventfd (bridge it with dc_irq_from_fd()), and for
 * poll mode, through the status and count registers (dc_irq_from_poll()).
 */
#ifndef DECOUPLE_SIMDEV_H
#define DECOUPLE_SIMDEV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DC_SIMDEV_STATUS_READY 0x1u	/* a sample waits in `data` */

/* The register bank, at offset 0 of the memfd.  One page. */
struct dc_simdev_regs {
	volatile uint32_t status;	/* DC_SIMDEV_STATUS_READY; write one to clear */
	volatile uint32_t count;	/* interrupts raised so far (wraps) */
	volatile uint32_t ack;		/* the driver writes here what it has seen */
	volatile uint32_t data;		/* the latest sample */
	volatile uint64_t raised_ns;	/* dc_now() of the latest raise */
	volatile uint64_t served;	/* the driver counts what it served here */
};

struct dc_simdev {
	int memfd;			/* the register bank: mmap it elsewhere */
	int irq_fd;			/* an eventfd written on every raise */
	struct dc_simdev_regs *regs;
	/* private */
	void *model;
};

/* A device with its registers zeroed and no model running.  0 or -errno. */
int dc_simdev_create(struct dc_simdev *dev);
/* Raise one interrupt now: sample, timestamp, count, status, eventfd. */
void dc_simdev_raise(struct dc_simdev *dev);
/*
 * Run the device model: a Linux thread on a housekeeping CPU that raises
 * `n` interrupts (0: until stopped), one every `period_ns` (0: back to back).
 * -EBUSY if one runs already.
 */
int dc_simdev_start(struct dc_simdev *dev, uint64_t period_ns, uint64_t n);
/* Stop the model (if running) and wait for it.  The number it raised. */
uint64_t dc_simdev_stop(struct dc_simdev *dev);
/* Stop, unmap, close. */
void dc_simdev_destroy(struct dc_simdev *dev);

#ifdef __cplusplus
}
#endif

#endif
