/* SPDX-License-Identifier: MIT */
/* dc_now(): monotonic, and within 1 us of CLOCK_MONOTONIC over 10 s. */
#include <stdint.h>
#include <time.h>
#include <sys/wait.h>

#include "decouple.h"
#include "harness.h"

static uint64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The same checks with DC_CLOCK=vdso (the fallback) in a child process. */
static int run_fallback(const char *self)
{
	pid_t pid = fork();
	if (pid == 0) {
		setenv("DC_CLOCK", "vdso", 1);
		execl(self, self, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int main(int argc, char **argv)
{
	(void)argc;
	int fallback = getenv("DC_CLOCK") != NULL;
	/* Sanitizers slow every call down; the clock itself is the same. */
	uint64_t span = test_sanitizer()[0] || fallback ? 2000000000ull : 10000000000ull;
	uint64_t start = mono(), prev = dc_now(), worst = 0, checks = 0, backwards = 0;

	while (mono() - start < span) {
		for (int i = 0; i < 1000; i++) {
			uint64_t now = dc_now();
			if (now < prev)
				backwards++;
			prev = now;
		}
		/* Bracket one dc_now() by two CLOCK_MONOTONIC reads. */
		uint64_t before = mono(), ours = dc_now(), after = mono();
		uint64_t off = 0;
		if (ours < before)
			off = before - ours;
		else if (ours > after)
			off = ours - after;
		if (off > worst)
			worst = off;
		checks++;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	printf("%s: %llu comparisons over %.0f s: worst offset %llu ns, %llu backward steps\n",
	       fallback ? "vdso" : "tsc", (unsigned long long)checks, span / 1e9, (unsigned long long)worst,
	       (unsigned long long)backwards);
	CHECK_EQ(backwards, 0);
	CHECK(worst <= 1000, "dc_now() was %llu ns off CLOCK_MONOTONIC", (unsigned long long)worst);
	CHECK(checks > 100, "only %llu comparisons", (unsigned long long)checks);

	if (!fallback)
		CHECK_EQ(run_fallback(argv[0]), 0);
	return test_done();
}
