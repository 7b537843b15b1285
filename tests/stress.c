/* SPDX-License-Identifier: MIT */
/*
 * Stress: randomized mixes of everything that interleaves on one executive
 * (docs/internals.md), for DC_STRESS_SECONDS (default 8; `make stress` runs
 * it longer, under ASan too):
 *   - decouple/recouple of several threads, over and over;
 *   - forwarded calls, explicit and trapped, and blocking ones with signals
 *     landing in them, whose handlers trigger Irqs from the Linux context;
 *   - trigger and close of the same caps, from decoupled code, a Linux
 *     thread and a SIGALRM closer;
 *   - wait_any attach/detach by a decoupled waiter;
 *   - fork and exit from decoupled code;
 *   - preemption by a higher-priority periodic thread.
 * Invariants: every successful trigger of the counted Irqs is taken by a
 * wait or still pending at the end (exact); every thread keeps making
 * progress and finishes; no fd and no mapping is leaked.
 */
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "decouple.h"
#include "decouple-io.h"
#include "core.h"
#include "harness.h"

#define NFWD	3
#define NCHURN	16

struct fwd {
	int prio, tid, pipefd[2];
	_Atomic long progress, rounds;
	pthread_t t;
};

static int cpu, pid, ppid;
static dc_cap_t counted[2];
static _Atomic dc_cap_t churn[NCHURN];
static _Atomic long triggered, taken, bad, forks, periods, waits, creates, closes;
static _Atomic long handler_decoupled, toggles;
static _Atomic uint64_t worst_late;
static _Atomic int stop, stop_waiter, denied;
static struct fwd fw[NFWD];

#define BAD(...) do { if (bad++ < 10) fprintf(stderr, __VA_ARGS__); } while (0)

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void count_trigger(dc_cap_t c)
{
	if (dc_irq_trigger(c) == 0)
		triggered++;
}

/* In a forwarder's Linux context (during a forwarded call) or its plain thread. */
static void on_usr1(int sig)
{
	(void)sig;
	if (dc_is_decoupled())
		handler_decoupled++;
	count_trigger(counted[0]);
}

/* The main thread's closer: every 100 us, one of the churned caps goes. */
static void on_alarm(int sig)
{
	(void)sig;
	static unsigned next;
	dc_cap_t c = atomic_exchange(&churn[next++ % NCHURN], -1);
	if (c >= 0) {
		if (dc_cap_close(c) != 0)
			bad++;
		closes++;
	}
}

static void spin_ns(uint64_t ns)
{
	uint64_t until = dc_now() + ns;
	while (dc_now() < until)
		;
}

static void fwd_op(struct fwd *me, uint32_t *s)
{
	switch (rnd(s) % 8) {
	case 0: {
		long r = dc_linux_syscall(SYS_getppid, 0, 0, 0, 0, 0, 0);
		if (r != ppid)
			BAD("explicit getppid: %ld\n", r);
		break;
	}
	case 1: {
		long r = syscall(SYS_getpid);	/* trapped */
		if (r != pid)
			BAD("trapped getpid: %ld\n", r);
		break;
	}
	case 2: {
		/* Blocks 1 ms in the Linux context: the signals land in it. */
		struct pollfd p = { .fd = me->pipefd[0], .events = POLLIN };
		int r = poll(&p, 1, 1);
		if (r != 0 && !(r < 0 && errno == EINTR))
			BAD("poll: %d\n", r);
		break;
	}
	case 3:
		count_trigger(counted[rnd(s) & 1]);
		break;
	case 4: {
		int r = dc_irq_trigger(atomic_load(&churn[rnd(s) % NCHURN]));
		if (r != 0 && r != -EBADF)
			BAD("churn trigger: %d\n", r);
		break;
	}
	case 5:
		spin_ns(30000);		/* preempted by the periodic thread */
		break;
	case 6:
		dc_yield();
		break;
	default:
		dc_sleep_until(dc_now() + 20000);
		break;
	}
}

static void *forwarder(void *arg)
{
	struct fwd *me = arg;
	uint32_t s = 0x9e3779b9u ^ (uint32_t)me->prio;
	me->tid = (int)syscall(SYS_gettid);
	while (!stop) {
		int err = dc_decouple(cpu, me->prio);
		if (err) {
			if (err == -EPERM)
				denied = 1;
			else
				BAD("decouple: %d\n", err);
			return NULL;
		}
		int ops = 20 + (int)(rnd(&s) % 200);
		for (int k = 0; k < ops && !stop; k++) {
			fwd_op(me, &s);
			me->progress++;
		}
		if (dc_recouple())
			BAD("recouple failed\n");
		me->rounds++;
		me->progress++;
	}
	return NULL;
}

static void *forker(void *arg)
{
	(void)arg;
	while (!stop) {
		if (dc_decouple(cpu, 25))
			return NULL;
		for (int k = 0; k < 5 && !stop; k++) {
			pid_t c = fork();
			if (c == 0)
				_exit(7);
			if ((pid_t)syscall(SYS_getpid) != pid)
				_exit(99);	/* a child resumed somewhere else */
			int st = 0;
			if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
				BAD("fork child: pid %d status %#x\n", (int)c, st);
			forks++;
			dc_sleep_until(dc_now() + 2000000);
		}
		dc_recouple();
	}
	return NULL;
}

static void *periodic(void *arg)
{
	(void)arg;
	if (dc_decouple(cpu, 90)) {
		denied = 1;
		return NULL;
	}
	uint64_t next = dc_now();
	while (!stop_waiter) {
		next += 1000000;
		dc_sleep_until(next);
		uint64_t now = dc_now();
		if (now - next > worst_late)
			worst_late = now - next;
		if (now - next > 1000000)
			next = now;
		periods++;
	}
	dc_recouple();
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	if (dc_decouple(cpu, 60)) {
		denied = 1;
		return NULL;
	}
	dc_irq_attach(counted[0], 0);
	dc_irq_attach(counted[1], 1);
	int attached1 = 1;
	for (;;) {
		uint64_t label;
		uint32_t n = 0;
		int r = dc_wait_any(dc_now() + 5000000, &label, &n);
		if (r == 0)
			taken += n;
		else if (r != -ETIMEDOUT)
			BAD("wait_any: %d\n", r);
		waits++;
		/* attach/detach churn: events meanwhile wait in the Irq and count on re-attach */
		if (waits % 64 == 0 && !stop_waiter) {
			if (attached1 ? dc_irq_detach(counted[1]) : dc_irq_attach(counted[1], 1))
				BAD("attach/detach failed\n");
			attached1 = !attached1;
			toggles++;
		}
		if (stop_waiter && r == -ETIMEDOUT)
			break;
	}
	if (attached1)
		dc_irq_detach(counted[1]);
	dc_irq_detach(counted[0]);
	dc_recouple();
	return NULL;
}

static void *signaller(void *arg)
{
	(void)arg;
	uint32_t s = 12345;
	while (!stop) {
		int tid = fw[rnd(&s) % NFWD].tid;
		if (tid)
			syscall(SYS_tgkill, pid, tid, SIGUSR1);
		usleep(200);
	}
	return NULL;
}

static void *churner(void *arg)
{
	(void)arg;
	uint32_t s = 777;
	while (!stop) {
		for (int i = 0; i < NCHURN; i++) {
			if (atomic_load(&churn[i]) >= 0)
				continue;
			dc_cap_t c = dc_irq_create();
			if (c < 0) {
				BAD("create: %d\n", c);
				continue;
			}
			creates++;
			dc_cap_t none = -1;
			if (!atomic_compare_exchange_strong(&churn[i], &none, c))
				dc_cap_close(c);
		}
		int r = dc_irq_trigger(atomic_load(&churn[rnd(&s) % NCHURN]));
		if (r != 0 && r != -EBADF)
			BAD("churn trigger: %d\n", r);
		count_trigger(counted[rnd(&s) & 1]);
		if (rnd(&s) % 4 == 0) {
			dc_cap_t c = atomic_exchange(&churn[rnd(&s) % NCHURN], -1);
			if (c >= 0 && dc_cap_close(c) == 0)
				closes++;
		}
		usleep(50);
	}
	return NULL;
}

static int count_dir(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;
	while (f && (c = fgetc(f)) != EOF)
		n += c == '\n';
	if (f)
		fclose(f);
	return n;
}

static long total_progress(void)
{
	long p = periods + waits + forks;
	for (int i = 0; i < NFWD; i++)
		p += fw[i].progress;
	return p;
}

/* Print a file's text, indented, or nothing when it cannot be read. */
static void dump_file(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		printf("      %s\n", line);
}

/*
 * What a stuck mix looks like: which parts stopped counting, the
 * executive's view, and where every task of the process is, in the kernel
 * and in its system call, so that a stall found once in an hour tells its
 * cause.
 */
static void dump_stuck(void)
{
	printf("stuck: no thread made progress for 5 s\n");
	printf("  periods %ld, waits %ld, forks %ld, triggers %ld, taken %ld\n", (long)periods,
	       (long)waits, (long)forks, (long)triggered, (long)taken);
	for (int i = 0; i < NFWD; i++)
		printf("  forwarder %d (tid %d): %ld ops, %ld rounds\n", i, fw[i].tid,
		       (long)fw[i].progress, (long)fw[i].rounds);
	struct dc_executive_stats st;
	if (dc_executive_stats(cpu, &st) == 0)
		printf("  executive cpu %d: running %d, threads %u, switches %llu, "
		       "preemptions %llu, forwarded %llu\n", cpu, st.running, st.threads,
		       (unsigned long long)st.switches, (unsigned long long)st.preemptions,
		       (unsigned long long)st.forwarded_calls);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("  dc_now %llu, CLOCK_MONOTONIC %llu\n", (unsigned long long)dc_now(),
	       (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
	/* Racy reads of the executive's own state: a picture, not a proof. */
	struct dc_executive *ex = dc_exec_of(cpu);
	if (ex) {
		printf("  doorbell %u, sleeping %d, inbox %p, current %p, in_thread %d, "
		       "preempt_pending %d, poll_until %llu, running_prio %d, rq top %d\n",
		       ex->doorbell, ex->sleeping, (void *)ex->inbox, (void *)ex->current,
		       ex->in_thread, ex->preempt_pending, (unsigned long long)ex->poll_until,
		       ex->running_prio, dc_rq_top_prio(&ex->rq));
		for (int i = 0; i < ex->tq.n && i < DC_MAX_THREADS; i++) {
			struct dc_thread *th = ex->tq.heap[i];
			printf("  timer %d: thread %p tid %d prio %d state %d deadline %llu "
			       "park_word %u pending %u\n", i, (void *)th, th->linux_tid, th->prio,
			       (int)th->state, (unsigned long long)th->deadline, th->park_word,
			       th->pending);
		}
	}
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[300];
		printf("  task %s:\n", e->d_name);
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
		dump_file(path);
		snprintf(path, sizeof(path), "/proc/self/task/%s/syscall", e->d_name);
		dump_file(path);
		snprintf(path, sizeof(path), "/proc/self/task/%s/stack", e->d_name);
		dump_file(path);
	}
	if (d)
		closedir(d);
	fflush(stdout);
	/* The user-mode side of the same picture, where gdb is installed. */
	char cmd[200];
	snprintf(cmd, sizeof(cmd),
		 "command -v gdb >/dev/null && gdb -p %d -batch -ex 'thread apply all bt' 2>&1 "
		 "| grep -E '^(Thread|#)'", (int)getpid());
	if (system(cmd) < 0)
		printf("  (no gdb backtrace)\n");
	fflush(stdout);
}

/* One mix for `secs` seconds; 0 if every thread finished. */
static int run_mix(double secs)
{
	stop = stop_waiter = 0;
	for (int i = 0; i < NCHURN; i++)
		churn[i] = -1;
	counted[0] = dc_irq_create();
	counted[1] = dc_irq_create();
	pthread_t per, wai, frk, sig, chu;
	pthread_create(&per, NULL, periodic, NULL);
	pthread_create(&wai, NULL, waiter, NULL);
	for (int i = 0; i < NFWD; i++) {
		fw[i].prio = 20 + 5 * i;
		fw[i].tid = 0;
		if (pipe(fw[i].pipefd))
			return 1;
		pthread_create(&fw[i].t, NULL, forwarder, &fw[i]);
	}
	pthread_create(&frk, NULL, forker, NULL);
	pthread_create(&sig, NULL, signaller, NULL);
	pthread_create(&chu, NULL, churner, NULL);
	struct itimerval it = { { 0, 100 }, { 0, 100 } };
	setitimer(ITIMER_REAL, &it, NULL);

	/*
	 * Stuck means no progress for 5 s by the clock.  Not by counting
	 * naps: the 100 us SIGALRM cuts each usleep() short, and 50 of them
	 * once took 5 ms, so a host stall of a few ms looked like a hang.
	 */
	uint64_t end = dc_now() + (uint64_t)(secs * 1e9);
	long last = -1;
	uint64_t last_change = dc_now();
	while (dc_now() < end && !denied) {
		usleep(100000);
		long p = total_progress();
		uint64_t now = dc_now();
		if (p != last) {
			last = p;
			last_change = now;
		} else if (now - last_change >= 5000000000ull) {
			dump_stuck();
			_exit(1);
		}
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	stop = 1;
	pthread_join(sig, NULL);
	pthread_join(chu, NULL);
	for (int i = 0; i < NFWD; i++)
		pthread_join(fw[i].t, NULL);
	pthread_join(frk, NULL);
	/* No trigger is on its way any more: let the waiter take the rest. */
	stop_waiter = 1;
	pthread_join(wai, NULL);
	pthread_join(per, NULL);
	long pending = dc_irq_pending(counted[0]) + dc_irq_pending(counted[1]);
	if (taken + pending != triggered)
		BAD("counts: %ld triggered, %ld taken + %ld pending\n", (long)triggered,
		    (long)taken, pending);
	dc_cap_close(counted[0]);
	dc_cap_close(counted[1]);
	for (int i = 0; i < NCHURN; i++) {
		dc_cap_t c = atomic_exchange(&churn[i], -1);
		if (c >= 0)
			dc_cap_close(c);
	}
	for (int i = 0; i < NFWD; i++) {
		close(fw[i].pipefd[0]);
		close(fw[i].pipefd[1]);
	}
	return 0;
}

int main(void)
{
	cpu = test_decoupled_main();
	pid = getpid();
	ppid = getppid();
	const char *env = getenv("DC_STRESS_SECONDS");
	double secs = env ? atof(env) : 8;
	if (secs <= 0)
		secs = 8;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);

	/* A short mix first: what a process keeps once (thread stacks, arenas) is no leak. */
	run_mix(0.3);
	if (denied)
		SKIP("no permission for SCHED_FIFO");
	int fds0 = count_dir("/proc/self/fd"), maps0 = count_maps();
	triggered = taken = 0;
	run_mix(secs);
	int fds1 = count_dir("/proc/self/fd"), maps1 = count_maps();

	long rounds = 0;
	for (int i = 0; i < NFWD; i++)
		rounds += fw[i].rounds;
	printf("%.0f s: %ld decouple rounds, %ld forks, %ld periods (worst %.1f us late), "
	       "%ld waits, %ld attach/detach, %ld caps created, %ld closed; %ld triggers counted "
	       "exactly; fds %d -> %d, mappings %d -> %d\n",
	       secs, rounds, (long)forks, (long)periods, (double)worst_late / 1e3, (long)waits,
	       (long)toggles, (long)creates, (long)closes, (long)triggered, fds0, fds1, maps0,
	       maps1);
	CHECK_EQ(bad, 0);
	CHECK_EQ(handler_decoupled, 0);
	CHECK(rounds > 0 && forks > 0 && periods > 0 && waits > 0, "a part of the mix never ran");
	CHECK_EQ(fds1, fds0);
	/* Endpoints stay (one page per thread that attached): a little slack, not one per round. */
	CHECK(maps1 - maps0 <= 8, "%d mappings more after the run", maps1 - maps0);
	return test_done();
}
