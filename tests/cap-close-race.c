/* SPDX-License-Identifier: MIT */
/*
 * Close against trigger (issue 20, defect 1): the main loop triggers a cap
 * while a SIGALRM handler closes it every 20 us.  A lookup interrupted
 * between pinning the table entry and taking its reference must still find
 * the object: the table's reference is dropped by the last one to unpin a
 * closed entry, never while a lookup holds it.  Runs in a child, so that a
 * use-after-free (SIGSEGV) is reported rather than being the test's end.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "decouple.h"
#include "decouple-io.h"
#include "harness.h"

static _Atomic dc_cap_t cur = -1;
static _Atomic long closes, triggers, stale;

static void on_alarm(int sig)
{
	(void)sig;
	if (dc_cap_close(atomic_load(&cur)) == 0)
		closes++;
}

static double seconds(void)
{
	const char *env = getenv("DC_TEST_SECONDS");
	double s = env ? atof(env) : 2.0;
	return s > 0 ? s : 2.0;
}

static int race(double secs)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 20 }, { 0, 20 } };
	setitimer(ITIMER_REAL, &it, NULL);
	uint64_t end = dc_now() + (uint64_t)(secs * 1e9);
	while (dc_now() < end) {
		atomic_store(&cur, dc_irq_create());
		/* Until the handler has closed it: every lookup may be the one it interrupts. */
		for (;;) {
			int r = dc_irq_trigger(atomic_load(&cur));
			if (r == -EBADF)
				break;
			if (r != 0)
				return 2;
			triggers++;
		}
		stale++;
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("child: %ld closes, %ld triggers, %ld caps closed under the loop\n",
	       (long)closes, (long)triggers, (long)stale);
	fflush(stdout);
	return closes > 1000 ? 0 : 3;
}

static int race_child(void *arg)
{
	return race(*(double *)arg);
}

int main(void)
{
	double secs = seconds();
	test_in_child(race_child, &secs, 0, "the closer/trigger race killed the child",
		      "3: too few closes, 2: trigger error");
	return test_done();
}
