/* SPDX-License-Identifier: MIT */
/*
 * fd Irqs on the io_uring path, heard by the executive itself: exact counts
 * from an eventfd written by two threads, timerfd expirations equal to the
 * periods that passed, events across an executive stop, a CQ that
 * overflows, close while events are in flight, and the fallback to the
 * bridge, forced or chosen.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "decouple.h"
#include "decouple-io.h"
#include "harness.h"

#define WRITES 1000000ull	/* in all, from both writers */
#define SEC 1000000000ull

static int efd;
static uint64_t per_writer;
static pthread_barrier_t go;

static void *writer(void *arg)
{
	(void)arg;
	test_pin_to_housekeeping();
	pthread_barrier_wait(&go);
	for (uint64_t i = 0; i < per_writer; i++) {
		uint64_t one = 1;
		if (write(efd, &one, sizeof(one)) != sizeof(one))
			abort();
	}
	return NULL;
}

/*
 * Two writers of `each` events on efd, and the caller decoupled onto cpu;
 * they start writing together, once the caller is decoupled.
 */
static void writers_start(pthread_t t[2], uint64_t each, int cpu)
{
	per_writer = each;
	pthread_barrier_init(&go, NULL, 3);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, writer, NULL);
	CHECK_EQ(dc_decouple(cpu, 50), 0);
	pthread_barrier_wait(&go);
}

/* Recouple, then wait for the writers. */
static void writers_join(pthread_t t[2])
{
	CHECK_EQ(dc_recouple(), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&go);
}

static dc_cap_t uring_irq(int fd, int cpu)
{
	struct dc_irq_fd_attr a = { .kind = DC_FD_AUTO, .path = DC_IRQ_PATH_URING, .cpu = cpu };
	return dc_irq_from_fd_attr(fd, &a);
}

/* Wait until `want` events are counted or 20 s pass: the total. */
static uint64_t collect(dc_cap_t irq, uint64_t want)
{
	uint64_t total = 0, until = dc_now() + 20 * SEC;
	while (total < want) {
		uint32_t n = 0;
		int err = dc_irq_wait(irq, until, &n);
		if (err) {
			CHECK_EQ(err, 0);
			break;
		}
		total += n;
	}
	return total;
}

static void exact_eventfd(int cpu)
{
	efd = eventfd(0, EFD_CLOEXEC);
	dc_cap_t irq = uring_irq(efd, cpu);
	CHECK(irq >= 0, "uring Irq: %d", irq);
	CHECK_EQ(dc_irq_path_of(irq), DC_IRQ_PATH_URING);
	pthread_t t[2];
	writers_start(t, WRITES / 2, cpu);
	uint64_t t0 = dc_now(), total = collect(irq, WRITES), t1 = dc_now();
	struct dc_executive_stats st;
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	writers_join(t);
	uint32_t rest = 0;
	CHECK_EQ(dc_irq_wait(irq, 0, &rest), -ETIMEDOUT);
	CHECK_EQ(rest, 0);
	CHECK_EQ(total, WRITES);
	CHECK_EQ(st.irq_uring_sources, 1);
	CHECK(st.irq_uring_events >= WRITES, "the executive's stats count %llu uring events",
	      (unsigned long long)st.irq_uring_events);
	printf("eventfd: %llu writes from 2 threads, %llu counted over io_uring in %.2f s\n",
	       (unsigned long long)WRITES, (unsigned long long)total, (t1 - t0) / 1e9);
	CHECK_EQ(dc_cap_close(irq), 0);
	close(efd);
}

/* A periodic absolute timerfd: the expirations counted are the periods that passed. */
static void exact_timerfd(int cpu)
{
	const uint64_t period = 1000000, periods = 300;
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	dc_cap_t irq = uring_irq(tfd, cpu);
	CHECK(irq >= 0, "uring Irq: %d", irq);
	uint64_t start = dc_now() + 2 * period;
	struct itimerspec its = {
		.it_value = { (time_t)(start / SEC), (long)(start % SEC) },
		.it_interval = { 0, (long)period },
	};
	CHECK_EQ(timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL), 0);
	CHECK_EQ(dc_decouple(cpu, 50), 0);
	uint64_t total = 0, wakes = 0, late_max = 0;
	while (total < periods) {
		uint32_t n = 0;
		if (dc_irq_wait(irq, dc_now() + SEC, &n)) {
			CHECK(0, "no timerfd expiration within 1 s");
			break;
		}
		uint64_t now = dc_now(), due = start + (total + n - 1) * period;
		CHECK(now >= due, "woke %lld ns before the expiry it counted", (long long)(due - now));
		if (now - due > late_max)
			late_max = now - due;
		total += n;
		wakes++;
	}
	CHECK_EQ(dc_recouple(), 0);
	/* Stop the timer; what fired meanwhile is still counted, exactly. */
	struct itimerspec off = { 0 };
	uint64_t stopped = dc_now();
	timerfd_settime(tfd, 0, &off, NULL);
	/*
	 * An expiry the executive fired just before it stopped is counted
	 * (its read was still owed); the disarm drops only unread ones.
	 */
	uint32_t rest = 0;
	int r = dc_irq_wait(irq, 0, &rest);
	CHECK(r == 0 || r == -ETIMEDOUT, "a last wait: %d", r);
	CHECK(rest <= 1, "%u events after the last wake-up", rest);
	total += rest;
	uint64_t elapsed = (stopped - start) / period + 1;
	CHECK(total <= elapsed && total + 2 >= periods, "%llu expirations counted, %llu periods passed",
	      (unsigned long long)total, (unsigned long long)elapsed);
	printf("timerfd: %llu expirations in %llu wake-ups, latest %.1f us after its expiry\n",
	       (unsigned long long)total, (unsigned long long)wakes, late_max / 1e3);
	CHECK_EQ(dc_cap_close(irq), 0);
	close(tfd);
}

/* Events written while no executive runs wait in the fd for the next one. */
static void across_executive_stop(int cpu)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	dc_cap_t irq = uring_irq(fd, cpu);
	CHECK(irq >= 0, "uring Irq: %d", irq);
	uint64_t total = 0;
	for (int round = 0; round < 3; round++) {
		uint64_t n = 1000 + (uint64_t)round;
		CHECK_EQ(write(fd, &n, sizeof(n)), (ssize_t)sizeof(n));	/* before the executive */
		CHECK_EQ(dc_decouple(cpu, 50), 0);
		total += collect(irq, n);
		CHECK_EQ(dc_recouple(), 0);				/* the executive stops */
	}
	CHECK_EQ(total, 1000ull + 1001 + 1002);
	CHECK_EQ(dc_cap_close(irq), 0);
	close(fd);
}

/*
 * COOP_TASKRUN: the task work of a write on CPU 0 runs at the executive's
 * next kernel entry (a tick) and posts a CQE each time.  A decoupled thread
 * that keeps the executive busy for 200 ms lets 50 of them pile up in an
 * 8-entry CQ: the multishot poll ends on the overflow and must be re-armed,
 * and every event must still be counted.
 */
static _Atomic int hog_done;

static void *hog(void *arg)
{
	int cpu = *(int *)arg;
	if (dc_decouple(cpu, 60))
		abort();
	uint64_t until = dc_now() + 200000000ull;
	while (dc_now() < until)
		;
	dc_recouple();
	atomic_store(&hog_done, 1);
	return NULL;
}

static void *slow_writer(void *arg)
{
	int fd = *(int *)arg;
	test_pin_to_housekeeping();
	struct timespec ms = { 0, 1000000 };
	for (int i = 0; i < 300; i++) {	/* 300 ms: before, during and after the hog */
		uint64_t one = 1;
		if (write(fd, &one, sizeof(one)) != sizeof(one))
			abort();
		nanosleep(&ms, NULL);
	}
	return NULL;
}

static void cq_overflow(int cpu)
{
	setenv("DC_URING_MODE", "coop", 1);
	int fd = eventfd(0, EFD_CLOEXEC);
	dc_cap_t irq = uring_irq(fd, cpu);
	CHECK(irq >= 0, "uring Irq: %d", irq);
	pthread_t h, w;
	CHECK_EQ(dc_decouple(cpu, 50), 0);	/* holds the executive */
	pthread_create(&w, NULL, slow_writer, &fd);
	dc_sleep_until(dc_now() + 30000000);
	pthread_create(&h, NULL, hog, &cpu);
	uint64_t total = collect(irq, 300);
	struct dc_executive_stats st;
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	CHECK_EQ(dc_recouple(), 0);
	pthread_join(h, NULL);
	pthread_join(w, NULL);
	CHECK_EQ(total, 300);
	CHECK_EQ(atomic_load(&hog_done), 1);
	/* The CQ did overflow (16 entries, a CQE a tick for 200 ms), and nothing was lost. */
	CHECK(st.irq_uring_overflows >= 1, "the CQ never overflowed: the test tested nothing");
	printf("CQ overflow (coop): 300 writes, %llu counted, %llu overflows, %llu re-arms\n",
	       (unsigned long long)total, (unsigned long long)st.irq_uring_overflows,
	       (unsigned long long)st.irq_uring_rearms);
	CHECK_EQ(dc_cap_close(irq), 0);
	close(fd);
	unsetenv("DC_URING_MODE");
}

/* Close while two threads write: no crash, no event counted after the close. */
static void close_in_flight(int cpu)
{
	for (int round = 0; round < 20; round++) {
		efd = eventfd(0, EFD_CLOEXEC);
		dc_cap_t irq = uring_irq(efd, cpu);
		CHECK(irq >= 0, "uring Irq: %d", irq);
		pthread_t t[2];
		writers_start(t, 20000, cpu);
		uint32_t n = 0;
		dc_irq_wait(irq, dc_now() + 1000000, &n);
		CHECK_EQ(dc_cap_close(irq), 0);
		CHECK_EQ(dc_irq_wait(irq, dc_now() + 1000000, &n), -EBADF);
		writers_join(t);
		close(efd);
	}
}

static void fallback(void)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	/* A kernel without the flags: forced uring is refused, auto takes the bridge. */
	setenv("DC_URING_DISABLE", "1", 1);
	CHECK_EQ(uring_irq(fd, -1), -EOPNOTSUPP);
	dc_cap_t irq = dc_irq_from_fd(fd);
	CHECK(irq >= 0, "auto Irq: %d", irq);
	CHECK_EQ(dc_irq_path_of(irq), DC_IRQ_PATH_BRIDGE);
	uint64_t n = 777;
	CHECK_EQ(write(fd, &n, sizeof(n)), (ssize_t)sizeof(n));
	CHECK_EQ(collect(irq, 777), 777);
	CHECK_EQ(dc_cap_close(irq), 0);
	unsetenv("DC_URING_DISABLE");
	/* DC_IRQ_PATH picks one; a wrong value is an error, not a default. */
	setenv("DC_IRQ_PATH", "bridge", 1);
	irq = dc_irq_from_fd(fd);
	CHECK_EQ(dc_irq_path_of(irq), DC_IRQ_PATH_BRIDGE);
	dc_cap_close(irq);
	setenv("DC_IRQ_PATH", "carrier-pigeon", 1);
	CHECK_EQ(dc_irq_from_fd(fd), -EINVAL);
	unsetenv("DC_IRQ_PATH");
	/* By default this kernel (>= 6.1) gets the uring path. */
	irq = dc_irq_from_fd(fd);
	CHECK_EQ(dc_irq_path_of(irq), DC_IRQ_PATH_URING);
	dc_cap_close(irq);
	struct dc_irq_fd_attr bad = { .path = (enum dc_irq_path)9, .cpu = -1 };
	CHECK_EQ(dc_irq_from_fd_attr(fd, &bad), -EINVAL);
	CHECK_EQ(dc_irq_path_of(dc_irq_create()), -ENOENT);
	CHECK_EQ(dc_irq_path_of(-1), -EBADF);
	CHECK(dc_irq_path_name(DC_IRQ_PATH_URING) && !dc_irq_path_name(7), "path names");
	close(fd);
}

/* A thread that never decouples, and no executive running: it hears the fd itself. */
static void linux_waiter(int cpu)
{
	int fd = eventfd(0, EFD_CLOEXEC);
	dc_cap_t irq = uring_irq(fd, cpu);
	CHECK_EQ(dc_irq_path_of(irq), DC_IRQ_PATH_URING);
	uint64_t n = 5;
	CHECK_EQ(write(fd, &n, sizeof(n)), (ssize_t)sizeof(n));
	uint32_t got = 0;
	CHECK_EQ(dc_irq_wait(irq, dc_now() + SEC, &got), 0);
	CHECK_EQ(got, 5);
	uint64_t t0 = dc_now();
	CHECK_EQ(dc_irq_wait(irq, t0 + 30000000, &got), -ETIMEDOUT);
	CHECK(dc_now() - t0 >= 30000000, "timed out early");
	/* Then an executive adopts it, and the same Irq goes on counting. */
	CHECK_EQ(dc_decouple(cpu, 50), 0);
	CHECK_EQ(write(fd, &n, sizeof(n)), (ssize_t)sizeof(n));
	CHECK_EQ(collect(irq, 5), 5);
	CHECK_EQ(dc_recouple(), 0);
	CHECK_EQ(dc_cap_close(irq), 0);
	close(fd);
}

/*
 * The shared placement: the executive sleeps in Linux between expirations,
 * and the timer interrupt's wake-up of the fd wakes it (ppoll on the
 * source's fd), so it still counts every period and mostly sleeps.
 */
static void shared_placement(int cpu)
{
	struct dc_executive_attr attr = { .placement = DC_PLACEMENT_SHARED };
	CHECK_EQ(dc_executive_configure(cpu, &attr), 0);
	const uint64_t period = 2000000, periods = 200;
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	dc_cap_t irq = uring_irq(tfd, cpu);
	uint64_t start = dc_now() + 2 * period;
	struct itimerspec its = {
		.it_value = { (time_t)(start / SEC), (long)(start % SEC) },
		.it_interval = { 0, (long)period },
	};
	CHECK_EQ(timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL), 0);
	CHECK_EQ(dc_decouple(cpu, 50), 0);
	uint64_t total = collect(irq, periods);
	struct dc_executive_stats st;
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	CHECK_EQ(dc_recouple(), 0);
	CHECK_EQ(total, periods);
	CHECK_EQ(st.placement, DC_PLACEMENT_SHARED);
	/* It slept, woken by the interrupts: most of the time asleep, a wake-up a period. */
	CHECK(st.sleep_ns > st.uptime_ns / 2, "asleep %.0f%% of the time",
	      100.0 * (double)st.sleep_ns / (double)st.uptime_ns);
	CHECK(st.linux_wakeups >= periods / 2, "%llu Linux wake-ups for %llu periods",
	      (unsigned long long)st.linux_wakeups, (unsigned long long)periods);
	printf("shared: %llu expirations, asleep %.0f%% of the time, %llu wake-ups\n",
	       (unsigned long long)total, 100.0 * (double)st.sleep_ns / (double)st.uptime_ns,
	       (unsigned long long)st.linux_wakeups);
	dc_cap_close(irq);
	close(tfd);
	attr.placement = DC_PLACEMENT_DEDICATED;
	CHECK_EQ(dc_executive_configure(cpu, &attr), 0);
}

/* A ring that fails at run time: a warning, the executive reads the fd, no event lost. */
static void runtime_failure(int cpu)
{
	setenv("DC_URING_TEST_FAIL", "1", 1);
	efd = eventfd(0, EFD_CLOEXEC);
	dc_cap_t irq = uring_irq(efd, cpu);
	unsetenv("DC_URING_TEST_FAIL");
	CHECK(irq >= 0, "uring Irq: %d", irq);
	pthread_t t[2];
	writers_start(t, 5000, cpu);
	uint64_t total = collect(irq, 10000);
	struct dc_executive_stats st;
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	writers_join(t);
	CHECK_EQ(total, 10000);
	CHECK_EQ(st.irq_uring_failed, 1);
	CHECK_EQ(dc_cap_close(irq), 0);
	close(efd);
}

int main(void)
{
	test_skip_decoupled_under_tsan();
	test_pin_to_housekeeping();
	int cpu = test_rt_cpu();
	struct dc_executive_attr attr = { .placement = DC_PLACEMENT_DEDICATED };
	dc_executive_configure(cpu, &attr);
	int err = dc_decouple(cpu, 50);
	if (err == -EPERM)
		SKIP("no permission for SCHED_FIFO");
	CHECK_EQ(err, 0);
	CHECK_EQ(dc_recouple(), 0);
	fallback();
	linux_waiter(cpu);
	exact_eventfd(cpu);
	exact_timerfd(cpu);
	across_executive_stop(cpu);
	close_in_flight(cpu);
	cq_overflow(cpu);
	runtime_failure(cpu);
	shared_placement(cpu);
	return test_done();
}
