/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_extras.h"
#include "bench_run.h"
#include "json_read.h"

/* Far beyond their normal run (irqbench about 10 s, fwdbench a few): only a hang hits it. */
#define EXTRA_TIMEOUT_S	300.0
#define MAX_REPORT	(1 << 20)

/* The whole file as a string, or NULL (also when it is larger than a report can be). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = malloc(MAX_REPORT + 1);
	size_t n = buf ? fread(buf, 1, MAX_REPORT + 1, f) : 0;
	fclose(f);
	if (!buf || n > MAX_REPORT) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

/*
 * Why a tool failed: the last of its own error lines ("decouple NAME: ..."),
 * which stderr, unbuffered, wrote before stdout's table was flushed; else
 * the last non-empty line.
 */
static void why_failed(const char *path, const char *name, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512], prefix[64];
	bool own = false;
	snprintf(prefix, sizeof(prefix), "decouple %s:", name);
	buf[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");
		bool mine = !strncmp(line, prefix, strlen(prefix));
		if (!n || (own && !mine))
			continue;
		own |= mine;
		if (n >= len)
			n = len - 1;	/* its beginning says enough */
		memcpy(buf, line, n);
		buf[n] = 0;
	}
	if (f)
		fclose(f);
}

/* A reason is a line for the report: cut where it must be. */
static void set_reason(struct bench_extra *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_reason(struct bench_extra *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->reason, sizeof(x->reason), fmt, ap);
	va_end(ap);
}

int bench_extra_run(struct bench_extra *x, enum bench_extra_kind kind,
		    const struct bench_extra_env *e)
{
	char cpu[16], json[PATH_MAX], txt[PATH_MAX];
	snprintf(cpu, sizeof(cpu), "%d", e->cpu);
	snprintf(json, sizeof(json), "%s/%s.json", e->out, x->name);
	snprintf(txt, sizeof(txt), "%s/%s.txt", e->out, x->name);
	/*
	 * 5000 samples per waiter and phase keep irqbench near 10 s; its
	 * exact-count check keeps issue 4's size, which takes well under 1 s.
	 */
	char *irq[] = { (char *)e->self, "irqbench", "-c", cpu, "-n", "5000", "-L",
			(char *)e->load, "--json", json, NULL };
	char *fwd[] = { (char *)e->self, "fwdbench", "-c", cpu, "--json", json, NULL };
	char **argv = kind == BENCH_IRQBENCH ? irq : fwd;

	remove(json);	/* an old report must not pass for this run's */
	struct bench_child child;
	struct bench_outcome o;
	int err = bench_spawn(&child, argv, txt, -1);
	if (err) {
		x->state = BENCH_FAILED;
		set_reason(x, "cannot start decouple %s: %s", x->name,
			 strerror(-err));
		return -EIO;
	}
	bench_wait(&child, e->stop, EXTRA_TIMEOUT_S, e->tick, e->ctx, &o);
	x->wall_s = o.wall_s;
	if (*e->stop) {
		set_reason(x, "stopped by a signal before it finished");
		return -EINTR;
	}
	char why[200];
	why_failed(txt, x->name, why, sizeof(why));
	if (o.status) {
		x->state = BENCH_FAILED;
		set_reason(x, "decouple %s %s %d: see %s%s%s", x->name,
			 o.stopped ? "overran its time and was killed, status" : "exited", o.status,
			 txt, why[0] ? ": " : "", why);
		return -EIO;
	}
	x->json = slurp(json);
	if (!x->json || !json_valid(x->json)) {
		free(x->json);
		x->json = NULL;
		x->state = BENCH_FAILED;
		set_reason(x, "decouple %s wrote no valid JSON to %s "
			 "(its output: %s)", x->name, json, txt);
		return -EIO;
	}
	x->state = BENCH_DONE;
	return 0;
}

void bench_extra_brief(const struct bench_extra *x, enum bench_extra_kind kind, char *buf,
		       size_t len)
{
	const char *j = x->json;
	if (!j) {
		snprintf(buf, len, "%s", x->reason);
	} else if (kind == BENCH_IRQBENCH) {
		int exact = json_boolean(j, "count.exact");
		snprintf(buf, len, "p50 Linux/decoupled %.1f× idle, %.1f× under load; counts %s",
			 json_number(j, "idle.p50_ratio"), json_number(j, "load.p50_ratio"),
			 exact == 1 ? "exact" : exact == 0 ? "NOT exact" : "not checked");
	} else {
		snprintf(buf, len, "p50 explicit %.0f ns (%.1f× native %.0f ns), trapped %.0f ns",
			 json_number(j, "paths.explicit.p50_ns"),
			 json_number(j, "paths.explicit.p50_ratio"),
			 json_number(j, "paths.native.p50_ns"), json_number(j, "paths.trapped.p50_ns"));
	}
}

void bench_extra_free(struct bench_extra *x)
{
	free(x->json);
	x->json = NULL;
}
