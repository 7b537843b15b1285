/* SPDX-License-Identifier: MIT */
/*
 * The Irq benchmark (irqbench.h).  A trigger thread on a housekeeping CPU
 * alternates: stamp dc_now(), trigger the Irq, wait for the decoupled
 * waiter to stamp its wake-up; stamp, write the eventfd, wait for the Linux
 * thread to stamp.  Same clock (dc_now, the TSC) on both sides.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "decouple.h"
#include "decouple-io.h"
#include "irqbench.h"

/* Samples of one waiter in a row before the other takes its turn. */
#define IRQBENCH_BLOCK 50

struct waiter {
	_Atomic uint64_t trig_ns;	/* stamped by the trigger */
	_Atomic uint64_t woke_ns;	/* stamped by the waiter, 0 until then */
	_Atomic int stop;
	_Atomic int ready;
	int err;
};

struct bench {
	const struct irqbench_opts *o;
	dc_cap_t irq;
	int efd;
	struct waiter dc, lx;
};

static void *decoupled_waiter(void *arg)
{
	struct bench *b = arg;
	b->dc.err = dc_decouple(b->o->cpu, DC_PRIO_MAX);
	atomic_store(&b->dc.ready, 1);
	if (b->dc.err)
		return NULL;
	for (;;) {
		uint32_t n;
		if (dc_irq_wait(b->irq, DC_FOREVER, &n))
			break;
		uint64_t now = dc_now();
		if (atomic_load_explicit(&b->dc.stop, memory_order_relaxed))
			break;
		atomic_store_explicit(&b->dc.woke_ns, now, memory_order_release);
	}
	dc_recouple();
	return NULL;
}

static void *linux_waiter(void *arg)
{
	struct bench *b = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(b->o->cpu, &set);
	struct sched_param sp = { .sched_priority = 99 };
	if (sched_setaffinity(0, sizeof(set), &set) || sched_setscheduler(0, SCHED_FIFO, &sp))
		b->lx.err = -errno;
	atomic_store(&b->lx.ready, 1);
	if (b->lx.err)
		return NULL;
	for (;;) {
		uint64_t v;
		if (read(b->efd, &v, sizeof(v)) != sizeof(v))
			break;
		uint64_t now = dc_now();
		if (atomic_load_explicit(&b->lx.stop, memory_order_relaxed))
			break;
		atomic_store_explicit(&b->lx.woke_ns, now, memory_order_release);
	}
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void summarize(uint32_t *v, uint64_t n, struct irqbench_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u32);
	s->p50 = v[n * 50 / 100] / 1e3;
	s->p99 = v[n * 99 / 100] / 1e3;
	s->p999 = v[n * 999 / 1000] / 1e3;
	s->max = v[n - 1] / 1e3;
}

/* One sample on one waiter: its latency in ns, or -ETIMEDOUT. */
static int64_t sample(struct waiter *w, int (*fire)(struct bench *), struct bench *b)
{
	atomic_store_explicit(&w->woke_ns, 0, memory_order_relaxed);
	uint64_t t0 = dc_now();
	atomic_store_explicit(&w->trig_ns, t0, memory_order_release);
	if (fire(b))
		return -EIO;
	uint64_t woke, now;
	/* Spin (no kernel entry to disturb either side) for a while, then yield. */
	while (!(woke = atomic_load_explicit(&w->woke_ns, memory_order_acquire))) {
		now = dc_now();
		if (now - t0 > 2000000000ull)
			return -ETIMEDOUT;
		if (now - t0 > 1000000)
			sched_yield();
		else
			__builtin_ia32_pause();
	}
	return (int64_t)(woke - t0);
}

static int fire_irq(struct bench *b)
{
	return dc_irq_trigger(b->irq);
}

static int fire_eventfd(struct bench *b)
{
	uint64_t one = 1;
	return write(b->efd, &one, sizeof(one)) == sizeof(one) ? 0 : -1;
}

static void pin_off(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	for (long c = 0; c < n && c < CPU_SETSIZE; c++)
		if (c != cpu)
			CPU_SET(c, &set);
	if (CPU_COUNT(&set))
		sched_setaffinity(0, sizeof(set), &set);
}

int irqbench_latency(const struct irqbench_opts *o, struct irqbench_result *r)
{
	struct bench b;
	memset(&b, 0, sizeof(b));
	b.o = o;
	int err = 0;
	uint32_t *dcv = calloc(o->samples, sizeof(uint32_t));
	uint32_t *lxv = calloc(o->samples, sizeof(uint32_t));
	b.irq = dc_irq_create();
	b.efd = eventfd(0, EFD_CLOEXEC);
	if (!dcv || !lxv || b.irq < 0 || b.efd < 0) {
		err = -ENOMEM;
		goto out;
	}
	pin_off(o->cpu);
	struct dc_executive_attr attr = { .placement = DC_PLACEMENT_DEDICATED };
	dc_executive_configure(o->cpu, &attr);
	pthread_t td, tl;
	pthread_create(&td, NULL, decoupled_waiter, &b);
	pthread_create(&tl, NULL, linux_waiter, &b);
	while (!atomic_load(&b.dc.ready) || !atomic_load(&b.lx.ready))
		usleep(1000);
	if (b.dc.err || b.lx.err) {
		fprintf(stderr, "irqbench: %s: %s\n", b.dc.err ? "dc_decouple" : "SCHED_FIFO 99 on the CPU",
			strerror(-(b.dc.err ? b.dc.err : b.lx.err)));
		err = b.dc.err ? b.dc.err : b.lx.err;
		goto stop;
	}
	usleep(20000);
	unsigned seed = 1;
	uint64_t nd = 0, nl = 0;
	/*
	 * Blocks of IRQBENCH_BLOCK samples, one waiter after the other: each is
	 * measured in its steady state (a FIFO 99 thread running on the CPU
	 * between two decoupled samples would leave the executive cold caches),
	 * while host drift still affects both alike.
	 */
	for (uint64_t i = 0; i < o->samples * 2 && !err; i++) {
		int linux_turn = (i / IRQBENCH_BLOCK) & 1;
		if ((linux_turn ? nl : nd) >= o->samples)
			continue;
		int64_t v = linux_turn ? sample(&b.lx, fire_eventfd, &b) : sample(&b.dc, fire_irq, &b);
		if (v < 0) {
			fprintf(stderr, "irqbench: the %s waiter did not wake within 2 s\n",
				linux_turn ? "Linux" : "decoupled");
			err = -ETIMEDOUT;
			break;
		}
		uint32_t *dst = linux_turn ? &lxv[nl++] : &dcv[nd++];
		*dst = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		uint64_t pause = o->interval_ns / 2 + (o->interval_ns ? rand_r(&seed) % o->interval_ns : 0);
		dc_sleep_until(dc_now() + pause);
	}
	summarize(dcv, nd, &r->decoupled);
	summarize(lxv, nl, &r->linux);
stop:
	atomic_store(&b.dc.stop, 1);
	atomic_store(&b.lx.stop, 1);
	dc_irq_trigger(b.irq);
	fire_eventfd(&b);
	pthread_join(td, NULL);
	pthread_join(tl, NULL);
out:
	if (b.irq >= 0)
		dc_cap_close(b.irq);
	if (b.efd >= 0)
		close(b.efd);
	free(dcv);
	free(lxv);
	return err;
}

/* --- exact counts ------------------------------------------------------------- */
struct counting {
	dc_cap_t irq;
	uint64_t per_thread;
	pthread_barrier_t go;
	int cpu;
};

static void *count_trigger(void *arg)
{
	struct counting *c = arg;
	pin_off(c->cpu);
	pthread_barrier_wait(&c->go);
	for (uint64_t i = 0; i < c->per_thread; i++)
		dc_irq_trigger(c->irq);
	return NULL;
}

int irqbench_count(int cpu, uint64_t triggers, uint64_t *counted, double *seconds)
{
	struct counting c = { .irq = dc_irq_create(), .per_thread = triggers / 2, .cpu = cpu };
	if (c.irq < 0)
		return c.irq;
	pthread_barrier_init(&c.go, NULL, 3);
	pthread_t t[2];
	pin_off(cpu);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, count_trigger, &c);
	int err = dc_decouple(cpu, DC_PRIO_MAX);
	pthread_barrier_wait(&c.go);
	uint64_t total = 0, t0 = dc_now(), want = c.per_thread * 2;
	while (!err && total < want) {
		uint32_t n;
		err = dc_irq_wait(c.irq, t0 + 120000000000ull, &n);
		total += n;
	}
	uint64_t t1 = dc_now();
	if (dc_is_decoupled())
		dc_recouple();
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	/* Whatever is still pending was triggered too: count it, it must be 0. */
	uint32_t rest = 0;
	dc_irq_wait(c.irq, 0, &rest);
	total += rest;
	*counted = total;
	*seconds = (t1 - t0) / 1e9;
	pthread_barrier_destroy(&c.go);
	dc_cap_close(c.irq);
	return err;
}
