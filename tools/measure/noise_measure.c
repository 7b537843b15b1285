/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "decouple.h"
#include "partition.h"	/* dc_partition_admit() */
#include "noise_measure.h"

static void poll_gaps(struct noise_measure *m)
{
	uint64_t start = dc_now(), prev = start, reads = 0;
	uint64_t end = start + m->duration_ns;
	while (prev < end && !atomic_load_explicit(m->stop, memory_order_relaxed)) {
		uint64_t now = dc_now();
		uint64_t gap = now - prev;
		reads++;
		if (gap > m->threshold_ns) {
			if (m->s.n < m->s.cap)
				m->s.ns[m->s.n++] = gap;
			else
				m->dropped++;
			m->gap_total_ns += gap;
			m->gap_count++;
			rtm_live_publish(&m->live, gap);
		}
		prev = now;
	}
	m->reads = reads;
	m->elapsed_ns = prev - start;
}

/*
 * Wait for t as dc_sleep_until() would if scheduling cost nothing: poll the
 * clock, then return.  The caller reads the clock once more and takes that
 * read as the wake-up time, which is how decouple lat (and cyclictest)
 * measure; so this floor includes the same read and return that every
 * measured wake-up does.  noinline keeps the return in.
 */
static __attribute__((noinline)) uint64_t poll_until(uint64_t t, const atomic_int *stop)
{
	uint64_t reads = 1;
	while (dc_now() < t && !atomic_load_explicit(stop, memory_order_relaxed))
		reads++;
	return reads;
}

static void poll_deadlines(struct noise_measure *m)
{
	uint64_t start = dc_now(), now = start, reads = 0;
	uint64_t end = m->duration_ns ? start + m->duration_ns : UINT64_MAX;
	uint64_t next = start + m->interval_ns;
	size_t limit = m->s.cap;
	if (m->loops && m->loops < limit)
		limit = (size_t)m->loops;
	while (m->s.n < limit && next <= end) {
		reads += poll_until(next, m->stop);
		now = dc_now();
		if (now < next)		/* stopped */
			break;
		uint64_t lat = now - next;
		m->s.ns[m->s.n++] = lat;
		rtm_live_publish(&m->live, lat);
		next = rtm_next_deadline(next, now, m->interval_ns, &m->skipped);
	}
	m->reads = reads;
	m->elapsed_ns = now - start;
}

static int setup(struct noise_measure *m)
{
	m->tid = (int)syscall(SYS_gettid);
	/* Inside the partition's cpuset when there is one, as the executive does. */
	int err = dc_partition_admit(m->cpu, m->tid);
	if (err)
		return err;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(m->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return errno == EINVAL ? -ENODEV : -errno;
	struct sched_param sp = { .sched_priority = m->prio };
	if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
		return -errno;
	return 0;
}

static void *noise_thread(void *arg)
{
	struct noise_measure *m = arg;
	m->err = setup(m);
	if (!m->err) {
		if (m->interval_ns)
			poll_deadlines(m);
		else
			poll_gaps(m);
	}
	atomic_store_explicit(&m->finished, 1, memory_order_release);
	return NULL;
}

int noise_measure_start(struct noise_measure *m, size_t max_samples)
{
	if (rtm_samples_prealloc(&m->s, max_samples))
		return -ENOMEM;
	m->err = 0;
	m->dropped = m->gap_total_ns = m->gap_count = m->reads = m->elapsed_ns = m->skipped = 0;
	rtm_live_reset(&m->live);
	atomic_store(&m->finished, 0);

	/*
	 * The poller takes no signals: the caller's thread does and raises
	 * m->stop.  On a partition with the caller inside it, the caller may
	 * not run until the poller ends; the poller's own limits end it then.
	 */
	int err = rtm_thread_start(&m->thread, noise_thread, m);
	if (err)
		samples_free(&m->s);
	return err;
}

void noise_measure_join(struct noise_measure *m)
{
	pthread_join(m->thread, NULL);
}

void noise_measure_free(struct noise_measure *m)
{
	samples_free(&m->s);
}
