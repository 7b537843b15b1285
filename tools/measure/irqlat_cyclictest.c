/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_run.h"
#include "cyclictest_parse.h"
#include "irqlat_cyclictest.h"

int irqlat_cyclictest_found(void)
{
	const char *path = getenv("PATH");
	char dir[4096], file[4200];
	while (path && *path) {
		size_t len = strcspn(path, ":");
		snprintf(dir, sizeof(dir), "%.*s", (int)len, len ? path : ".");
		snprintf(file, sizeof(file), "%s/cyclictest", dir);
		if (access(file, X_OK) == 0)
			return 1;
		path += len + (path[len] == ':');
	}
	return 0;
}

/* bench_wait() looks at a sig_atomic_t; the tick mirrors our flag into it. */
static volatile sig_atomic_t ct_stop;

static void tick(void *ctx, double elapsed)
{
	struct irqlat_ct *c = ctx;
	ct_stop = atomic_load_explicit(c->stop, memory_order_relaxed);
	if (c->tick)
		c->tick(c->ctx, elapsed);
}

/* Every thread's "T: C: NS" lines; a latency of a period or more skipped periods. */
static int parse(struct irqlat_ct *c, const char *path, size_t *got)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char line[512];
	int ret = 0;
	*got = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned t;
		uint64_t cycle, ns;
		if (!cyclictest_parse_line(line, &t, &cycle, &ns)) {
			line[strcspn(line, "\n")] = 0;
			if (line[0])
				snprintf(c->why, sizeof(c->why), "%.200s", line);
			continue;
		}
		if (t >= (unsigned)c->nthreads)
			continue;
		struct irqlat_thread *th = &c->th[t];
		if ((ret = samples_add(&th->s, ns)) != 0)
			break;
		th->missed += ns / c->period_ns;
		rtm_live_publish(&th->live, ns);
		(*got)++;
	}
	fclose(f);
	return ret;
}

int irqlat_cyclictest_turn(struct irqlat_ct *c)
{
	char cpu[16], prio[16], us[24], loops[24], threads[16];
	char out[] = "/tmp/decouple-irqlat-cyclictest.XXXXXX";
	snprintf(cpu, sizeof(cpu), "%d", c->cpu);
	snprintf(prio, sizeof(prio), "%d", c->prio);
	snprintf(us, sizeof(us), "%llu", (unsigned long long)(c->period_ns / 1000));
	snprintf(loops, sizeof(loops), "%llu", (unsigned long long)c->loops);
	snprintf(threads, sizeof(threads), "%d", c->nthreads);
	char *argv[] = { "cyclictest", "-m", "-a", cpu, "-p", prio, "-i", us, "-d", "0",
			 "-t", threads, "-l", loops, "-q", "-v", "-N", NULL };
	c->status = 0;
	c->why[0] = 0;
	for (int i = 0; i < c->nthreads; i++)
		rtm_live_reset(&c->th[i].live);
	int fd = mkstemp(out);
	if (fd < 0)
		return -errno;
	close(fd);
	struct bench_child child;
	struct bench_outcome o;
	/* cyclictest pins itself, which an isolated CPU refuses outside its cpuset. */
	int err = bench_spawn(&child, argv, out, c->cpu);
	if (err)
		goto out;
	ct_stop = 0;
	double timeout = (double)c->loops * c->period_ns / 1e9 + 30;
	bench_wait(&child, &ct_stop, timeout, tick, c, &o);
	c->status = o.status;
	size_t got = 0;
	err = parse(c, out, &got);
	if (!err && got)
		c->why[0] = 0;
out:
	unlink(out);
	return err;
}
