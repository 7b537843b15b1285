/* SPDX-License-Identifier: MIT */
/*
 * decouple irqbench: Irq delivery latency of a decoupled waiter against a
 * SCHED_FIFO 99 Linux thread blocked on an eventfd, idle and optionally
 * under load, and an exact-count check.  See irqbench.h.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "decouple.h"
#include "irqbench.h"
#include "json.h"
#include "load.h"

#define DEFAULT_LOAD "hackbench -s 10000 -l 10000"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: decouple irqbench [OPTIONS]\n"
		"\n"
		"Irq delivery latency, from the trigger's timestamp to the waiter running:\n"
		"a decoupled thread in dc_irq_wait() (dedicated placement) against a\n"
		"SCHED_FIFO 99 Linux thread blocked on an eventfd, on the same CPU, taking\n"
		"turns in one run.  Then TRIGGERS triggers from two Linux threads to one\n"
		"decoupled waiter, whose counts must add up exactly.\n"
		"\n"
		"  -c, --cpu N           real-time CPU (default: the first of dc_default_cpus)\n"
		"  -n, --samples N       samples per waiter and phase (default 10000)\n"
		"  -i, --interval US     mean time between samples (default 200)\n"
		"  -l, --load            also measure under load (" DEFAULT_LOAD ")\n"
		"  -L, --load-cmd CMD    the load command (implies --load)\n"
		"  -t, --count TRIGGERS  exact-count check size (default 2000000, 0: skip)\n"
		"  -j, --json FILE       also write the numbers to FILE as JSON\n"
		"  -h, --help            this text\n"
		"\n"
		"Run as root (SCHED_FIFO).  Percentiles are in microseconds; the ratio is\n"
		"Linux / decoupled.\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end || !*s || *s == '-')
		return -1;
	*v = x;
	return 0;
}

static void print(const char *phase, const struct irqbench_result *r)
{
	const struct irqbench_stats *d = &r->decoupled, *l = &r->linux;
	printf("%-5s %-22s %9s %9s %9s %9s\n", phase, "waiter", "p50", "p99", "p99.9", "max");
	printf("%-5s %-22s %9.2f %9.2f %9.2f %9.2f\n", "", "decoupled (dc_irq_wait)", d->p50, d->p99,
	       d->p999, d->max);
	printf("%-5s %-22s %9.2f %9.2f %9.2f %9.2f\n", "", "Linux FIFO 99 eventfd", l->p50, l->p99,
	       l->p999, l->max);
	printf("%-5s %-22s %8.1fx %8.1fx %8.1fx %8.1fx\n", "", "ratio Linux/decoupled",
	       l->p50 / d->p50, l->p99 / d->p99, l->p999 / d->p999, l->max / d->max);
}

/* Everything measured, for --json. */
struct irqbench_report {
	int cpu;
	uint64_t samples, interval_us;
	const char *load_cmd;		/* NULL: no load phase */
	struct irqbench_result idle, load;
	bool have_load, have_count, exact;
	uint64_t triggers, counted;
	double count_s;
};

static void json_waiter(struct json *j, const char *key, const struct irqbench_stats *s)
{
	json_object_begin(j, key);
	json_int(j, "samples", (long long)s->n);
	json_double(j, "p50_us", s->p50);
	json_double(j, "p99_us", s->p99);
	json_double(j, "p999_us", s->p999);
	json_double(j, "max_us", s->max);
	json_object_end(j);
}

static void json_phase(struct json *j, const char *key, const struct irqbench_result *r)
{
	json_object_begin(j, key);
	json_waiter(j, "decoupled", &r->decoupled);
	json_waiter(j, "linux", &r->linux);
	/* Linux / decoupled: how many times faster the decoupled waiter runs. */
	json_double(j, "p50_ratio", r->linux.p50 / r->decoupled.p50);
	json_double(j, "p99_ratio", r->linux.p99 / r->decoupled.p99);
	json_object_end(j);
}

/* 0, or -errno after a message. */
static int write_json(const char *path, const struct irqbench_report *rep)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		int err = -errno;
		fprintf(stderr, "decouple irqbench: %s: %s\n", path, strerror(errno));
		return err;
	}
	struct json j;
	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_int(&j, "cpu", rep->cpu);
	json_int(&j, "samples", (long long)rep->samples);
	json_int(&j, "interval_us", (long long)rep->interval_us);
	if (rep->load_cmd)
		json_string(&j, "load_cmd", rep->load_cmd);
	else
		json_null(&j, "load_cmd");
	json_phase(&j, "idle", &rep->idle);
	if (rep->have_load)
		json_phase(&j, "load", &rep->load);
	else
		json_null(&j, "load");
	if (rep->have_count) {
		json_object_begin(&j, "count");
		json_int(&j, "triggers", (long long)rep->triggers);
		json_int(&j, "counted", (long long)rep->counted);
		json_bool(&j, "exact", rep->exact);
		json_double(&j, "seconds", rep->count_s);
		json_object_end(&j);
	} else {
		json_null(&j, "count");
	}
	json_object_end(&j);
	int failed = ferror(f);
	if (fclose(f) || failed) {
		fprintf(stderr, "decouple irqbench: %s: write error\n", path);
		return -EIO;
	}
	return 0;
}

/*
 * The load runs in its own process group, which a signal to ours (from
 * `decouple bench` stopping us, or Ctrl-C) does not reach: stop it here,
 * then die of the signal as we would have.
 */
static struct load running_load;

static void on_stop_signal(int sig)
{
	load_stop(&running_load);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_stop_signals(void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int cmd_irqbench(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "samples", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "load", no_argument, NULL, 'l' },
		{ "load-cmd", required_argument, NULL, 'L' },
		{ "count", required_argument, NULL, 't' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct irqbench_opts o = { .cpu = -1, .samples = 10000, .interval_ns = 200000 };
	uint64_t v, triggers = 2000000;
	const char *load_cmd = NULL, *json_path = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:n:i:lL:t:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_u64(optarg, &v) || v >= 1024) {
				fprintf(stderr, "decouple irqbench: --cpu %s: expected a CPU number\n", optarg);
				return 2;
			}
			o.cpu = (int)v;
			break;
		case 'n':
			if (parse_u64(optarg, &v) || !v || v > 100000000) {
				fprintf(stderr, "decouple irqbench: --samples %s: expected 1..100000000\n", optarg);
				return 2;
			}
			o.samples = v;
			break;
		case 'i':
			if (parse_u64(optarg, &v) || v > 1000000) {
				fprintf(stderr, "decouple irqbench: --interval %s: expected microseconds\n", optarg);
				return 2;
			}
			o.interval_ns = v * 1000;
			break;
		case 'l':
			if (!load_cmd)
				load_cmd = DEFAULT_LOAD;
			break;
		case 'L':
			load_cmd = optarg;
			break;
		case 't':
			if (parse_u64(optarg, &v) || v > 4000000000ull) {
				fprintf(stderr, "decouple irqbench: --count %s: expected a number of triggers\n", optarg);
				return 2;
			}
			triggers = v;
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "decouple irqbench: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (o.cpu < 0) {
		int cpus[1];
		if (dc_default_cpus(cpus, 1) < 1) {
			fprintf(stderr, "decouple irqbench: no real-time CPU (DC_CPUS?)\n");
			return 2;
		}
		o.cpu = cpus[0];
	}
	/* The load must not inherit what the measurement sets up (fork keeps both). */
	cpu_set_t all_cpus;
	if (sched_getaffinity(0, sizeof(all_cpus), &all_cpus)) {
		fprintf(stderr, "decouple irqbench: sched_getaffinity: %s\n", strerror(errno));
		return 1;
	}
	/* The trigger side should not be what Linux delays. */
	struct sched_param sp = { .sched_priority = 90 };
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		fprintf(stderr, "decouple irqbench: trigger thread stays SCHED_OTHER: %s\n", strerror(errno));

	printf("# irq delivery latency (us), CPU %d, %llu samples per waiter, ~%llu us apart\n",
	       o.cpu, (unsigned long long)o.samples, (unsigned long long)(o.interval_ns / 1000));
	struct irqbench_report rep = { .cpu = o.cpu, .samples = o.samples,
				       .interval_us = o.interval_ns / 1000, .load_cmd = load_cmd };
	int err = irqbench_latency(&o, &rep.idle);
	if (err)
		return 1;
	print("idle", &rep.idle);
	if (load_cmd) {
		struct sched_param other = { .sched_priority = 0 };
		sched_setscheduler(0, SCHED_OTHER, &other);
		sched_setaffinity(0, sizeof(all_cpus), &all_cpus);
		catch_stop_signals(on_stop_signal);
		err = load_start(&running_load, load_cmd);
		sched_setscheduler(0, SCHED_FIFO, &sp);
		if (err) {
			fprintf(stderr, "decouple irqbench: load '%s': %s\n", load_cmd, strerror(-err));
			return 1;
		}
		sleep(1);	/* let it build up */
		err = irqbench_latency(&o, &rep.load);
		load_stop(&running_load);
		catch_stop_signals(SIG_DFL);
		if (err)
			return 1;
		rep.have_load = true;
		print("load", &rep.load);
		printf("# load: %s\n", load_cmd);
	}
	if (triggers) {
		err = irqbench_count(o.cpu, triggers, &rep.counted, &rep.count_s);
		rep.have_count = true;
		rep.triggers = triggers / 2 * 2;	/* two threads, half each */
		rep.exact = !err && rep.counted == rep.triggers;
		printf("# exact counts: %llu triggers from 2 Linux threads, %llu counted by the "
		       "decoupled waiter in %.2f s: %s\n",
		       (unsigned long long)rep.triggers, (unsigned long long)rep.counted, rep.count_s,
		       rep.exact ? "exact" : "MISMATCH");
	}
	/* Written also after a mismatch: its numbers say how far off the count was. */
	if (json_path && write_json(json_path, &rep))
		return 1;
	return rep.have_count && !rep.exact ? 1 : 0;
}
