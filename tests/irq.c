/* SPDX-License-Identifier: MIT */
/*
 * Irq semantics: a trigger before the wait is latched, timeouts are exact
 * (never early, promptly late), closing wakes waiters with -EBADF, several
 * waiters wake in priority order, and a decoupled trigger on the waiter's
 * own executive hands over at once when the waiter outranks it.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#include "decouple.h"
#include "decouple-io.h"
#include "harness.h"

static int cpu;

static void latch(void)
{
	dc_cap_t irq = dc_irq_create();
	uint32_t n = 99;
	CHECK_EQ(dc_irq_wait(irq, 0, &n), -ETIMEDOUT);
	CHECK_EQ(n, 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(dc_irq_trigger(irq), 0);
	CHECK_EQ(dc_irq_trigger_n(irq, 4), 0);
	CHECK_EQ(dc_irq_pending(irq), 7);
	/* Already pending: returns at once, even with a deadline in the past. */
	CHECK_EQ(dc_irq_wait(irq, 1, &n), 0);
	CHECK_EQ(n, 7);
	CHECK_EQ(dc_irq_wait(irq, 0, &n), -ETIMEDOUT);
	CHECK_EQ(dc_cap_close(irq), 0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * Each wait times out at its deadline: never early (always), and promptly
 * (the median lateness; single waits may meet the host's preemptions).
 */
static void timeouts(const char *who, uint64_t slack)
{
	dc_cap_t irq = dc_irq_create();
	uint64_t late[21];
	for (int i = 0; i < 21; i++) {
		uint64_t deadline = dc_now() + 1000000 + (uint64_t)i * 50000;
		uint32_t n = 5;
		int err = dc_irq_wait(irq, deadline, &n);
		uint64_t now = dc_now();
		CHECK_EQ(err, -ETIMEDOUT);
		CHECK_EQ(n, 0);
		CHECK(now >= deadline, "%s: timed out %llu ns early", who,
		      (unsigned long long)(deadline - now));
		late[i] = now >= deadline ? now - deadline : 0;
	}
	qsort(late, 21, sizeof(late[0]), cmp_u64);
	printf("%s: 21 timeouts, after the deadline by %.1f us (median), %.1f us (latest)\n", who,
	       late[10] / 1e3, late[20] / 1e3);
	if (!test_in_vm())
		CHECK(late[10] < slack, "%s: timeouts come %.1f us late (median)", who,
		      late[10] / 1e3);
	CHECK_EQ(dc_cap_close(irq), 0);
}

struct closer {
	dc_cap_t irq;
	int decouple;
	int err;
	_Atomic int waiting;
};

static void *wait_forever(void *arg)
{
	struct closer *c = arg;
	if (c->decouple && dc_decouple(cpu, 40)) {
		c->err = -1000;
		return NULL;
	}
	atomic_store(&c->waiting, 1);
	uint32_t n;
	c->err = dc_irq_wait(c->irq, DC_FOREVER, &n);
	if (c->decouple)
		dc_recouple();
	return NULL;
}

static void close_while_waiting(int decouple)
{
	struct closer c = { .irq = dc_irq_create(), .decouple = decouple };
	pthread_t t;
	pthread_create(&t, NULL, wait_forever, &c);
	while (!atomic_load(&c.waiting))
		dc_sleep_until(dc_now() + 1000000);
	dc_sleep_until(dc_now() + 20000000);
	CHECK_EQ(dc_cap_close(c.irq), 0);
	pthread_join(t, NULL);
	CHECK_EQ(c.err, -EBADF);
	CHECK_EQ(dc_irq_trigger(c.irq), -EBADF);
}

/* --- triggers from a signal handler ------------------------------------------ */
static dc_cap_t sig_irq;
static _Atomic uint64_t handled;
static _Atomic int sig_done;

static void on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
	dc_irq_trigger(sig_irq);
}

static void *signaller(void *arg)
{
	pthread_t target = *(pthread_t *)arg;
	for (int i = 0; i < 2000; i++) {
		pthread_kill(target, SIGUSR1);
		if (i % 16 == 0)
			usleep(50);
	}
	atomic_store(&sig_done, 1);
	return NULL;
}

/* The handler interrupts the very wait it triggers: async-signal-safe, nothing lost. */
static void from_signal_handler(void)
{
	sig_irq = dc_irq_create();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	pthread_t self = pthread_self(), t;
	pthread_create(&t, NULL, signaller, &self);
	uint64_t total = 0;
	for (;;) {
		uint32_t n = 0;
		int err = dc_irq_wait(sig_irq, dc_now() + 1000000, &n);
		total += n;
		if (err == -ETIMEDOUT && atomic_load(&sig_done) && total == atomic_load(&handled))
			break;
		CHECK(err == 0 || err == -ETIMEDOUT, "wait: %d", err);
	}
	pthread_join(t, NULL);
	signal(SIGUSR1, SIG_DFL);
	printf("signal handler: %llu triggers, %llu counted\n",
	       (unsigned long long)atomic_load(&handled), (unsigned long long)total);
	CHECK_EQ(total, atomic_load(&handled));
	CHECK(total > 0, "no signal handled");
	dc_cap_close(sig_irq);
}

/* --- priority order ---------------------------------------------------------- */
static dc_cap_t order_irq;
static _Atomic int order[3], order_n, order_ready;

static void *prio_waiter(void *arg)
{
	int prio = (int)(intptr_t)arg;
	if (dc_decouple(cpu, prio))
		return NULL;
	atomic_fetch_add(&order_ready, 1);
	uint32_t n = 0;
	if (dc_irq_wait(order_irq, dc_now() + 5000000000ull, &n) == 0 && n == 1)
		order[atomic_fetch_add(&order_n, 1)] = prio;
	dc_recouple();
	return NULL;
}

static void priority_order(void)
{
	order_irq = dc_irq_create();
	pthread_t t[3];
	int prios[3] = { 20, 30, 10 };
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, prio_waiter, (void *)(intptr_t)prios[i]);
	while (atomic_load(&order_ready) < 3)
		dc_sleep_until(dc_now() + 1000000);
	dc_sleep_until(dc_now() + 30000000);
	/* One trigger wakes one waiter: the highest that waits. */
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(dc_irq_trigger(order_irq), 0);
		dc_sleep_until(dc_now() + 30000000);
		CHECK_EQ(atomic_load(&order_n), i + 1);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(order[0], 30);
	CHECK_EQ(order[1], 20);
	CHECK_EQ(order[2], 10);
	dc_cap_close(order_irq);
}

/* --- a decoupled trigger, same executive ------------------------------------- */
#define LOCAL_TRIGGERS 100000
static dc_cap_t local_irq;
static _Atomic int local_ready;
static uint64_t local_wakes, local_events, local_not_one;

static void *local_waiter(void *arg)
{
	(void)arg;
	if (dc_decouple(cpu, 100))
		return NULL;
	atomic_store(&local_ready, 1);
	while (local_events < LOCAL_TRIGGERS) {
		uint32_t n;
		if (dc_irq_wait(local_irq, dc_now() + 5000000000ull, &n))
			break;
		local_wakes++;
		local_events += n;
		local_not_one += n != 1;
	}
	dc_recouple();
	return NULL;
}

static void local_trigger(void)
{
	local_irq = dc_irq_create();
	pthread_t t;
	pthread_create(&t, NULL, local_waiter, NULL);
	while (!atomic_load(&local_ready))
		dc_sleep_until(dc_now() + 1000000);
	CHECK_EQ(dc_decouple(cpu, 10), 0);
	dc_sleep_until(dc_now() + 1000000);
	for (int i = 0; i < LOCAL_TRIGGERS; i++)
		dc_irq_trigger(local_irq);
	CHECK_EQ(dc_recouple(), 0);
	pthread_join(t, NULL);
	/* The waiter outranks the trigger: it runs after every single trigger. */
	CHECK_EQ(local_events, LOCAL_TRIGGERS);
	CHECK_EQ(local_wakes, LOCAL_TRIGGERS);
	CHECK_EQ(local_not_one, 0);
	dc_cap_close(local_irq);
}

/* --- a Linux trigger preempts a lower decoupled thread that computes ------------ */
static dc_cap_t kick_irq;
static _Atomic int kick_ready, busy_done;
static _Atomic uint64_t kick_trig_ns, kick_woke_ns;

static void *busy_low(void *arg)
{
	(void)arg;
	if (dc_decouple(cpu, 5))
		return NULL;
	atomic_fetch_add(&kick_ready, 1);
	uint64_t end = dc_now() + 80000000;	/* 80 ms without blocking */
	while (dc_now() < end)
		;
	atomic_store(&busy_done, 1);
	dc_recouple();
	return NULL;
}

static void *waiting_high(void *arg)
{
	(void)arg;
	if (dc_decouple(cpu, 200))
		return NULL;
	atomic_fetch_add(&kick_ready, 1);
	uint32_t n = 0;
	if (dc_irq_wait(kick_irq, dc_now() + 2000000000ull, &n) == 0)
		atomic_store(&kick_woke_ns, dc_now());
	dc_recouple();
	return NULL;
}

static void preempting_trigger(void)
{
	kick_irq = dc_irq_create();
	pthread_t hi, lo;
	pthread_create(&hi, NULL, waiting_high, NULL);
	while (atomic_load(&kick_ready) < 1)
		dc_sleep_until(dc_now() + 1000000);
	dc_sleep_until(dc_now() + 5000000);
	pthread_create(&lo, NULL, busy_low, NULL);
	while (atomic_load(&kick_ready) < 2)
		dc_sleep_until(dc_now() + 1000000);
	dc_sleep_until(dc_now() + 10000000);	/* the low one computes now */
	atomic_store(&kick_trig_ns, dc_now());
	CHECK_EQ(dc_irq_trigger(kick_irq), 0);
	pthread_join(hi, NULL);
	pthread_join(lo, NULL);
	uint64_t woke = atomic_load(&kick_woke_ns), trig = atomic_load(&kick_trig_ns);
	CHECK(woke != 0, "the high-priority waiter never woke");
	CHECK_EQ(atomic_load(&busy_done), 1);
	if (woke) {
		printf("trigger to a waiter above a computing thread: woke after %.1f us\n",
		       (woke - trig) / 1e3);
		/* Without preemption it would wait for the 80 ms computation. */
		CHECK(woke - trig < 20000000, "woke %.1f ms after the trigger", (woke - trig) / 1e6);
	}
	dc_cap_close(kick_irq);
}

/* --- the shared placement: the executive sleeps in Linux and the doorbell wakes it --- */
static dc_cap_t shared_irq;
static _Atomic int shared_ready;

static void *paced_trigger(void *arg)
{
	(void)arg;
	test_pin_to_housekeeping();
	while (!atomic_load(&shared_ready))
		usleep(1000);
	usleep(5000);
	for (int i = 0; i < 200; i++) {
		dc_irq_trigger(shared_irq);
		usleep(1000);
	}
	return NULL;
}

static void shared_placement(void)
{
	struct dc_executive_attr attr = { .placement = DC_PLACEMENT_SHARED };
	CHECK_EQ(dc_executive_configure(cpu, &attr), 0);
	shared_irq = dc_irq_create();
	pthread_t t;
	pthread_create(&t, NULL, paced_trigger, NULL);
	CHECK_EQ(dc_decouple(cpu, 50), 0);
	atomic_store(&shared_ready, 1);
	uint64_t total = 0;
	while (total < 200) {
		uint32_t n;
		if (dc_irq_wait(shared_irq, dc_now() + 5000000000ull, &n))
			break;
		total += n;
	}
	struct dc_executive_stats st;
	CHECK_EQ(dc_executive_stats(cpu, &st), 0);
	CHECK_EQ(dc_recouple(), 0);
	pthread_join(t, NULL);
	CHECK_EQ(total, 200);
	CHECK_EQ(st.placement, DC_PLACEMENT_SHARED);
	CHECK(st.linux_wakeups > 0, "the shared executive never slept in Linux");
	printf("shared placement: 200 paced triggers counted, executive woke from Linux %llu times\n",
	       (unsigned long long)st.linux_wakeups);
	dc_cap_close(shared_irq);
	attr.placement = DC_PLACEMENT_DEDICATED;
	dc_executive_configure(cpu, &attr);
}

int main(void)
{
	test_pin_to_housekeeping();
	cpu = test_rt_cpu();
	latch();
	timeouts("Linux waiter", 2000000);
	close_while_waiting(0);
	from_signal_handler();

	if (!strcmp(test_sanitizer(), "tsan"))
		return test_done();	/* the rest decouples */
	struct dc_executive_attr attr = { .placement = DC_PLACEMENT_DEDICATED };
	dc_executive_configure(cpu, &attr);
	int err = dc_decouple(cpu, 50);
	if (err == -EPERM)
		SKIP("no permission for SCHED_FIFO");
	CHECK_EQ(err, 0);
	latch();
	timeouts("decoupled waiter", 100000);
	CHECK_EQ(dc_recouple(), 0);
	close_while_waiting(1);
	priority_order();
	local_trigger();
	preempting_trigger();
	shared_placement();
	return test_done();
}
