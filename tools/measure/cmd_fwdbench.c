/* SPDX-License-Identifier: MIT */
/*
 * decouple fwdbench: what a Linux system call costs a decoupled thread,
 * forwarded to its Linux context explicitly and by trapping, against the
 * same call made natively, in one run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "decouple.h"
#include "fwdbench.h"
#include "json.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: decouple fwdbench [--cpu N] [--calls N] [--rounds N] [--prio N] [--json FILE]\n"
		"\n"
		"Round trips of getppid(2): native (a thread under Linux), explicit\n"
		"(dc_linux_syscall() from a decoupled thread) and trapped (a plain call from\n"
		"decoupled code, forwarded by Syscall User Dispatch).  The paths alternate\n"
		"round by round in one run; percentiles in nanoseconds, and p50 ratios to\n"
		"native.\n"
		"\n"
		"  -c, --cpu N      the executive's CPU (default: the first of dc_default_cpus)\n"
		"  -n, --calls N    calls per path (default 100000)\n"
		"  -r, --rounds N   rounds the calls are split over (default 5)\n"
		"  -p, --prio N     priority of the decoupled thread, 1-255 (default 10)\n"
		"  -j, --json FILE  also write the numbers to FILE as JSON\n"
		"  -h, --help       this text\n"
		"\n"
		"DC_FWD_SPIN_NS tunes how long both sides poll before sleeping.\n"
		"See decouple-fwdbench(1) and dc_linux_syscall(3).\n");
}

static int number(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct fwdbench_opts *o, const char **json_path)
{
	static const struct option longopts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "calls", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "prio", required_argument, NULL, 'p' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;
	long v;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "c:n:r:p:j:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (number(optarg, 0, 1023, &v)) {
				fprintf(stderr, "decouple fwdbench: --cpu '%s': expected a CPU number\n", optarg);
				return 2;
			}
			o->cpu = (int)v;
			break;
		case 'n':
			if (number(optarg, 1, 100000000, &v)) {
				fprintf(stderr, "decouple fwdbench: --calls '%s': expected 1 to 100000000\n", optarg);
				return 2;
			}
			o->calls = v;
			break;
		case 'r':
			if (number(optarg, 1, 1000, &v)) {
				fprintf(stderr, "decouple fwdbench: --rounds '%s': expected 1 to 1000\n", optarg);
				return 2;
			}
			o->rounds = (int)v;
			break;
		case 'p':
			if (number(optarg, DC_PRIO_MIN, DC_PRIO_MAX, &v)) {
				fprintf(stderr, "decouple fwdbench: --prio '%s': expected 1 to 255\n", optarg);
				return 2;
			}
			o->prio = (int)v;
			break;
		case 'j':
			*json_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "decouple fwdbench: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (o->calls < o->rounds)
		o->rounds = (int)o->calls;
	return 0;
}

/* The p50 that ratios are taken against: native's, never zero. */
static double native_p50(const struct fwdbench_result *r)
{
	return r->path[FWD_NATIVE].p50_us > 0 ? r->path[FWD_NATIVE].p50_us : 1e-3;
}

/* 0, or -errno after a message. */
static int write_json(const char *path, const struct fwdbench_opts *o,
		      const struct fwdbench_result *r)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		int err = -errno;
		fprintf(stderr, "decouple fwdbench: %s: %s\n", path, strerror(errno));
		return err;
	}
	struct json j;
	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_int(&j, "cpu", o->cpu);
	json_int(&j, "calls", o->calls);
	json_int(&j, "rounds", o->rounds);
	json_int(&j, "wrong_answers", r->wrong_answers);
	/* Path names as the table prints them; null for a path not measured here. */
	json_object_begin(&j, "paths");
	for (int p = 0; p < FWD_NPATHS; p++) {
		const struct latency_stats *s = &r->path[p];
		if (!s->samples) {
			json_null(&j, fwdbench_path_names[p]);
			continue;
		}
		json_object_begin(&j, fwdbench_path_names[p]);
		json_int(&j, "samples", (long long)s->samples);
		json_double(&j, "p50_ns", s->p50_us * 1e3);
		json_double(&j, "p99_ns", s->p99_us * 1e3);
		json_double(&j, "p999_ns", s->p999_us * 1e3);
		json_double(&j, "p9999_ns", s->p9999_us * 1e3);
		json_double(&j, "max_ns", s->max_us * 1e3);
		json_double(&j, "p50_ratio", s->p50_us / native_p50(r));
		json_object_end(&j);
	}
	json_object_end(&j);
	json_object_end(&j);
	int failed = ferror(f);
	if (fclose(f) || failed) {
		fprintf(stderr, "decouple fwdbench: %s: write error\n", path);
		return -EIO;
	}
	return 0;
}

int cmd_fwdbench(int argc, char **argv)
{
	struct fwdbench_opts o = { .cpu = -1, .calls = 100000, .rounds = 5, .prio = 10 };
	const char *json_path = NULL;
	int rc = parse_args(argc, argv, &o, &json_path);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (o.cpu < 0 && dc_default_cpus(&o.cpu, 1) < 1) {
		fprintf(stderr, "decouple fwdbench: no real-time CPU (DC_CPUS?); give --cpu\n");
		return 2;
	}
	struct fwdbench_result r;
	int err = fwdbench_run(&o, &r);
	if (err) {
		fprintf(stderr, "decouple fwdbench: %s\n", strerror(-err));
		return 1;
	}
	printf("getppid round trips, executive on CPU %d, %ld calls per path in %d rounds (ns)\n",
	       o.cpu, o.calls, o.rounds);
	printf("%-9s %8s %8s %8s %8s %9s %10s\n", "path", "p50", "p99", "p99.9", "p99.99", "max",
	       "p50/native");
	double base = native_p50(&r);
	for (int p = 0; p < FWD_NPATHS; p++) {
		const struct latency_stats *s = &r.path[p];
		if (!s->samples) {
			printf("%-9s %8s   (no Syscall User Dispatch here)\n", fwdbench_path_names[p], "-");
			continue;
		}
		printf("%-9s %8.0f %8.0f %8.0f %8.0f %9.0f %9.1fx\n", fwdbench_path_names[p],
		       s->p50_us * 1e3, s->p99_us * 1e3, s->p999_us * 1e3, s->p9999_us * 1e3,
		       s->max_us * 1e3, s->p50_us / base);
	}
	if (json_path && write_json(json_path, &o, &r))
		return 1;
	if (r.wrong_answers) {
		fprintf(stderr, "decouple fwdbench: %ld calls returned the wrong value\n",
			r.wrong_answers);
		return 1;
	}
	return 0;
}
