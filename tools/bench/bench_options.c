/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_options.h"
#include "cpulist.h"
#include "partition.h"

void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: decouple bench [--duration S] [--interval US] [--cpu N] [--out DIR]\n"
		"                      [--configs LIST] [--rounds N] [--load CMD] [--list]\n"
		"\n"
		"The paper's evaluation in one run: cyclictest (rt-tests) against a\n"
		"decoupled thread (decouple lat), idle and under load, on a CPU shared\n"
		"with Linux and on one partitioned away from it (decouple isolate), beside\n"
		"the noise floor of a bare polling loop (decouple noise); the same for a\n"
		"timer interrupt: a SCHED_FIFO 99 timerfd reader against the decoupled ISR\n"
		"and the interrupt floor (decouple irqlat).  Once, before\n"
		"partitioning: Irq delivery (decouple irqbench, idle and under the load) and\n"
		"forwarded system calls (decouple fwdbench).  The machine is\n"
		"released afterwards.  Writes summary.json, summary.md, CONFIG.hist and\n"
		"gnuplot figures into DIR.  Needs root for the partitioned configurations.\n"
		"\n"
		"  -D, --duration S    seconds per configuration, all rounds together (10)\n"
		"  -i, --interval US   wake-up period in µs (1000, cyclictest's default)\n"
		"  -c, --cpu N         the real-time CPU (default: the last online CPU)\n"
		"  -o, --out DIR       where the report goes (results)\n"
		"  -C, --configs LIST  comma-separated configuration names, irqbench and\n"
		"                      fwdbench among them (default: all)\n"
		"  -r, --rounds N      interleave in N rounds (default: duration / 2, 1..5)\n"
		"  -l, --load CMD      the load (default: %s), restarted until stopped\n"
		"      --list          list the configurations and exit\n"
		"  -h, --help          this text\n"
		"\n"
		"Exit status: 0 done, 1 a configuration failed or the machine could not be\n"
		"restored, 2 usage error or missing program, 128+N stopped by signal N (what\n"
		"was measured until then is reported).  See decouple-bench(1).\n",
		BENCH_DEFAULT_LOAD);
}

static void list_configs(void)
{
	for (int i = 0; i < BENCH_NCONFIGS; i++)
		printf("%-25s %-24s %s\n", bench_configs[i].name, bench_configs[i].figure,
		       bench_configs[i].what);
	printf("%-25s %-24s %s\n", bench_extra_names[BENCH_IRQBENCH], "(issue 4)",
	       "decouple irqbench: Irq delivery, decoupled against Linux, idle and loaded; once");
	printf("%-25s %-24s %s\n", bench_extra_names[BENCH_FWDBENCH], "(issue 3)",
	       "decouple fwdbench: forwarded getppid against native; once");
}

/* A whole number in [lo, hi], or -1. */
static long number_arg(const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
}

static int bad_value(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "decouple bench: %s '%s': %s\n", opt, val, want);
	return 2;
}

/* 0 to go on, -1 after --help or --list, or an exit status. */
int bench_parse_args(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'D' },
		{ "interval", required_argument, NULL, 'i' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ "configs", required_argument, NULL, 'C' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "load", required_argument, NULL, 'l' },
		{ "list", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *configs = NULL;
	char bad[64];
	int opt;
	o->duration = 10;
	o->interval = 1000;
	o->cpu = -1;
	o->rounds = 0;
	o->out = "results";
	o->load = BENCH_DEFAULT_LOAD;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "D:i:c:o:C:r:l:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'D':
			if ((o->duration = (int)number_arg(optarg, 1, 86400)) < 0)
				return bad_value("--duration", optarg, "whole seconds, 1 to 86400");
			break;
		case 'i':
			if ((o->interval = (int)number_arg(optarg, 50, 1000000)) < 0)
				return bad_value("--interval", optarg, "µs, 50 to 1000000");
			break;
		case 'c':
			if ((o->cpu = (int)number_arg(optarg, 0, CPU_SETSIZE - 1)) < 0)
				return bad_value("--cpu", optarg, "a CPU number");
			break;
		case 'r':
			if ((o->rounds = (int)number_arg(optarg, 1, 1000)) < 0)
				return bad_value("--rounds", optarg, "1 to 1000");
			break;
		case 'o': o->out = optarg; break;
		case 'C': configs = optarg; break;
		case 'l': o->load = optarg; break;
		case 'L': list_configs(); return -1;
		case 'h': bench_usage(stdout); return -1;
		default: bench_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "decouple bench: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!*o->out || !*o->load)
		return bad_value(*o->out ? "--load" : "--out", "", "must not be empty");
	if (!configs) {
		for (int i = 0; i < BENCH_NSELECT; i++)
			o->sel[i] = true;
	} else if (bench_configs_parse(configs, o->sel, bad, sizeof(bad))) {
		fprintf(stderr, "decouple bench: unknown configuration '%s'; `decouple bench --list` "
			"names them\n", bad);
		return 2;
	}
	if (!o->rounds)
		o->rounds = o->duration / 2 < 1 ? 1 : o->duration / 2 > 5 ? 5 : o->duration / 2;
	if (o->rounds > o->duration) {
		fprintf(stderr, "decouple bench: --rounds %d is more than --duration %d: each round "
			"measures every configuration for at least a second\n", o->rounds, o->duration);
		return 2;
	}
	return 0;
}

/* The real-time CPU: online, and not the only one.  0 or an exit status. */
int bench_check_cpu(struct bench_opts *o)
{
	cpu_set_t online;
	char list[256];
	if (dc_online_cpus(&online)) {
		fprintf(stderr, "decouple bench: cannot read the online CPUs "
			"(/sys/devices/system/cpu/online)\n");
		return 1;
	}
	dc_cpulist_format(&online, list, sizeof(list));
	if (CPU_COUNT(&online) < 2) {
		fprintf(stderr, "decouple bench: only one CPU is online (%s): the benchmark needs one "
			"to measure on and one for Linux and the load\n", list);
		return 2;
	}
	if (o->cpu < 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &online))
				o->cpu = c;
	if (!CPU_ISSET(o->cpu, &online)) {
		fprintf(stderr, "decouple bench: CPU %d does not exist or is offline (online: %s)\n",
			o->cpu, list);
		return 2;
	}
	return 0;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	if (!path)
		path = "/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, ":");
		if (len && snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, prog) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		p += len + (p[len] == ':');
	}
	return false;
}

/* cyclictest, hackbench and gnuplot where the selection needs them.  0 or 2. */
int bench_check_programs(const struct bench_opts *o)
{
	bool cyclic = false, figures = false;
	/* irqbench is also measured under the load. */
	bool load = o->sel[BENCH_NCONFIGS + BENCH_IRQBENCH];
	const char *missing[3];
	int n = 0;
	for (int i = 0; i < BENCH_NCONFIGS; i++) {
		if (!o->sel[i])
			continue;
		cyclic |= bench_configs[i].tool == BENCH_CYCLICTEST;
		load |= bench_configs[i].load;
		figures = true;	/* the extras draw none */
	}
	if (cyclic && !in_path("cyclictest"))
		missing[n++] = "cyclictest";
	/* A load of the user's own is theirs to provide. */
	if (load && !strcmp(o->load, BENCH_DEFAULT_LOAD) && !in_path("hackbench"))
		missing[n++] = "hackbench";
	if (figures && !in_path("gnuplot"))
		missing[n++] = "gnuplot";
	if (!n)
		return 0;
	fprintf(stderr, "decouple bench: missing");
	for (int i = 0; i < n; i++)
		fprintf(stderr, " %s", missing[i]);
	fprintf(stderr, ": install them with `apt-get install rt-tests gnuplot-nox` (Debian, "
		"Ubuntu), or run `make bench`, which installs them itself\n");
	return 2;
}
