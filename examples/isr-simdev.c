/* SPDX-License-Identifier: MIT */
/*
 * A decoupled "interrupt service routine" serving the simulated device.
 *
 *   isr-simdev [CPU [INTERRUPTS [PERIOD_US]]]
 *
 * The device model raises INTERRUPTS interrupts, one every PERIOD_US, from a
 * Linux thread, as a device's interrupt would reach Linux.  The ISR thread
 * is decoupled onto CPU's executive and serves them twice:
 *   uio:  its Irq is fed by the device's eventfd through the fd bridge, the
 *         path a /dev/uioN interrupt takes (dc_uio_open() gives that Irq);
 *   poll: its Irq is fed by the device's count register, which the
 *         executive itself reads while idle: no Linux on the way at all.
 * Each time it reads the sample register, acknowledges, and records the
 * time from the raise to the ISR running.  Counts are exact, so it also
 * proves that no interrupt was lost.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <decouple.h>
#include <decouple-io.h>
#include <decouple-simdev.h>

struct isr {
	int cpu;
	dc_cap_t irq;
	struct dc_simdev *dev;
	uint64_t expected;
	uint64_t served, bad_samples;
	uint32_t *lat_ns;
	int error;
};

static void *isr_thread(void *arg)
{
	struct isr *s = arg;
	s->error = dc_decouple(s->cpu, 90);
	if (s->error == -EPERM)
		fprintf(stderr, "isr-simdev: no SCHED_FIFO permission: serving from Linux instead\n");
	else if (s->error)
		return NULL;
	struct dc_simdev_regs *r = s->dev->regs;
	while (s->served < s->expected) {
		uint32_t n;
		if (dc_irq_wait(s->irq, dc_now() + 5000000000ull, &n))
			break;
		uint64_t now = dc_now();
		/* The "ISR": latest sample, then acknowledge (write one to clear). */
		uint32_t count = r->count, sample = r->data;
		__atomic_fetch_and(&r->status, ~DC_SIMDEV_STATUS_READY, __ATOMIC_SEQ_CST);
		if (sample != (count - 1) * 7u + 1u)
			s->bad_samples++;
		if (n == 1)	/* a latency only means something for one interrupt */
			s->lat_ns[s->served] = (uint32_t)(now - r->raised_ns);
		s->served += n;
		r->served = s->served;
	}
	if (!s->error)
		dc_recouple();
	s->error = s->error == -EPERM ? 0 : s->error;
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int serve(const char *mode, struct dc_simdev *dev, dc_cap_t irq, int cpu, uint64_t n,
		 uint64_t period_ns)
{
	if (irq < 0) {
		fprintf(stderr, "isr-simdev: %s Irq: %s\n", mode, strerror(-irq));
		return 1;
	}
	struct isr s = { .cpu = cpu, .irq = irq, .dev = dev, .expected = n };
	s.lat_ns = calloc(n, sizeof(uint32_t));
	pthread_t t;
	pthread_create(&t, NULL, isr_thread, &s);
	dc_sleep_until(dc_now() + 20000000);	/* let it reach its wait */
	dc_simdev_start(dev, period_ns, n);
	pthread_join(t, NULL);
	uint64_t raised = dc_simdev_stop(dev);
	dc_cap_close(irq);
	if (s.error) {
		fprintf(stderr, "isr-simdev: dc_decouple: %s\n", strerror(-s.error));
		free(s.lat_ns);
		return 1;
	}
	/* Unmeasured entries (coalesced interrupts) sort first as zeros: skip them. */
	qsort(s.lat_ns, n, sizeof(uint32_t), cmp);
	uint64_t z = 0;
	while (z < n && !s.lat_ns[z])
		z++;
	uint64_t m = n - z;
	printf("%-4s raised %llu, served %llu (%s), bad samples %llu; raise -> ISR: "
	       "p50 %.2f us, p99 %.2f us, max %.2f us\n",
	       mode, (unsigned long long)raised, (unsigned long long)s.served,
	       s.served == raised ? "none lost" : "MISMATCH", (unsigned long long)s.bad_samples,
	       m ? s.lat_ns[z + m / 2] / 1e3 : 0, m ? s.lat_ns[z + m * 99 / 100] / 1e3 : 0,
	       m ? s.lat_ns[n - 1] / 1e3 : 0);
	free(s.lat_ns);
	return s.served == raised && !s.bad_samples ? 0 : 1;
}

int main(int argc, char **argv)
{
	int cpus[1];
	int cpu = argc > 1 ? atoi(argv[1]) : (dc_default_cpus(cpus, 1) > 0 ? cpus[0] : 0);
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 2000;
	uint64_t period_ns = (argc > 3 ? strtoull(argv[3], NULL, 10) : 500) * 1000;
	if (!n) {
		fprintf(stderr, "usage: isr-simdev [CPU [INTERRUPTS [PERIOD_US]]]\n");
		return 2;
	}
	struct dc_simdev dev;
	int err = dc_simdev_create(&dev);
	if (err) {
		fprintf(stderr, "isr-simdev: simulated device: %s\n", strerror(-err));
		return 1;
	}
	printf("CPU %d, %llu interrupts every %llu us\n", cpu, (unsigned long long)n,
	       (unsigned long long)(period_ns / 1000));
	int rc = serve("uio", &dev, dc_irq_from_fd(dev.irq_fd), cpu, n, period_ns);
	struct dc_poll_attr pa = { .status = &dev.regs->count, .ack = &dev.regs->ack,
				   .mode = DC_POLL_COUNTER, .cpu = cpu };
	rc |= serve("poll", &dev, dc_irq_from_poll(&pa), cpu, n, period_ns);
	dc_simdev_destroy(&dev);
	return rc;
}
