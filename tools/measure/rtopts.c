/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "decouple.h"
#include "rtopts.h"
#include "stopsig.h"

void rtopts_init(struct rtopts *o)
{
	memset(o, 0, sizeof(*o));
	o->prio = 99;
	optind = 1;
	opterr = 0;
}

int rtopts_option(const char *prog, int c, char **argv, struct rtopts *o)
{
	long long v;

	switch (c) {
	case 'a':
		if (cli_cpu(prog, "-a", optarg, &o->cpu))
			return -EINVAL;
		o->cpu_set = true;
		return 0;
	case 'p':
		if (cli_int(prog, "-p", optarg, 1, 99, &v))
			return -EINVAL;
		o->prio = (int)v;
		return 0;
	case 'D':
		if (cli_duration(prog, "-D", optarg, &o->duration_ns))
			return -EINVAL;
		return 0;
	case 'h':
		if (cli_int(prog, "-h", optarg, 1, 10000000, &v))
			return -EINVAL;
		o->buckets = (unsigned)v;
		return 0;
	case 'q': o->quiet = true; return 0;
	case RTOPT_HISTFILE: o->histfile = optarg; return 0;
	case RTOPT_JSON: o->json = optarg; return 0;
	case RTOPT_SAMPLES: o->samples = optarg; return 0;
	case RTOPT_HELP:
		return 1;
	case ':':
		fprintf(stderr, "%s: %s needs a value\n", prog, argv[optind - 1]);
		return -EINVAL;
	default:
		if (optopt)
			fprintf(stderr, "%s: unknown option -%c\n", prog, optopt);
		else
			fprintf(stderr, "%s: unknown option %s\n", prog, argv[optind - 1]);
		fprintf(stderr, "Try '%s --help'.\n", prog);
		return -EINVAL;
	}
}

int rtopts_check(const char *prog, int argc, char **argv, const struct rtopts *o)
{
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return -EINVAL;
	}
	if (o->histfile && !o->buckets) {
		fprintf(stderr, "%s: --histfile needs -h US (the histogram's range)\n", prog);
		return -EINVAL;
	}
	return 0;
}

int rtopts_default_cpu(const char *prog, struct rtopts *o)
{
	int cpus[1];

	if (o->cpu_set)
		return 0;
	if (dc_default_cpus(cpus, 1) < 1) {
		fprintf(stderr, "%s: no default real-time CPU (DC_CPUS malformed?): use -a\n", prog);
		return -EINVAL;
	}
	o->cpu = cpus[0];
	return 0;
}

int rtopts_stopsig(const char *prog)
{
	int err = stopsig_install();
	if (err) {
		fprintf(stderr, "%s: sigaction: %s\n", prog, strerror(-err));
		return 1;
	}
	return 0;
}

void rtopts_setup_error(const char *prog, int err, int cpu, int rlimit_prio, const char *what)
{
	if (err == -EPERM && rlimit_prio > 0)
		fprintf(stderr, "%s: no permission for SCHED_FIFO: run as root or with "
			"CAP_SYS_NICE (and an RLIMIT_RTPRIO of at least %d)\n", prog, rlimit_prio);
	else if (err == -EPERM)
		fprintf(stderr, "%s: no permission for SCHED_FIFO: run as root or with "
			"CAP_SYS_NICE\n", prog);
	else if (err == -ENODEV)
		fprintf(stderr, "%s: CPU %d is offline or outside this process's "
			"allowed CPUs\n", prog, cpu);
	else
		fprintf(stderr, "%s: cannot %s CPU %d: %s\n", prog, what, cpu, strerror(-err));
}

int rtopts_save_samples(const char *prog, const struct rtopts *o, const struct samples *s)
{
	int err = samples_save(s, o->samples);
	if (err) {
		fprintf(stderr, "%s: %s: %s\n", prog, o->samples, strerror(-err));
		return 1;
	}
	return 0;
}

int rtopts_write_histogram(const char *prog, const struct rtopts *o, const struct samples *s)
{
	FILE *hf = stdout;
	if (o->histfile && !(hf = fopen(o->histfile, "w"))) {
		int err = errno;
		fprintf(stderr, "%s: %s: %s\n", prog, o->histfile, strerror(err));
		return -err;
	}
	samples_write_histogram(hf, s, o->buckets);
	if (hf != stdout && fclose(hf)) {
		fprintf(stderr, "%s: %s: write error\n", prog, o->histfile);
		return -EIO;
	}
	return 0;
}

FILE *rtopts_json_open(const char *prog, const struct rtopts *o, struct json *j)
{
	FILE *f = fopen(o->json, "w");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, o->json, strerror(errno));
		return NULL;
	}
	json_init(j, f);
	return f;
}

int rtopts_json_close(const char *prog, const struct rtopts *o, FILE *f)
{
	int failed = ferror(f);
	if (fclose(f) || failed) {
		fprintf(stderr, "%s: %s: write error\n", prog, o->json);
		return -EIO;
	}
	return 0;
}

int rtopts_placement(const char *prog, const char *arg, enum dc_placement *out)
{
	static const struct { const char *word; enum dc_placement p; } words[] = {
		{ "dedicated", DC_PLACEMENT_DEDICATED },
		{ "shared", DC_PLACEMENT_SHARED },
		{ "auto", DC_PLACEMENT_AUTO },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!strcmp(arg, words[i].word)) {
			*out = words[i].p;
			return 0;
		}
	}
	fprintf(stderr, "%s: --placement: '%s': expected dedicated, shared or auto\n", prog, arg);
	return -EINVAL;
}
