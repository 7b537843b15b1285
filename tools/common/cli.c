/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cpulist.h"
#include "partition.h"

int cli_int(const char *prog, const char *opt, const char *arg,
	    long long min, long long max, long long *out)
{
	char *end;
	/* strtoll accepts leading blanks and a sign; a flag value should not need them. */
	if (!arg || !*arg || !(isdigit((unsigned char)arg[0]) || (arg[0] == '-' && min < 0)))
		goto not_number;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (errno || *end)
		goto not_number;
	if (v < min || v > max) {
		fprintf(stderr, "%s: %s: %lld is out of range (%lld..%lld)\n",
			prog, opt, v, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
not_number:
	fprintf(stderr, "%s: %s: '%s' is not a whole number\n", prog, opt, arg ? arg : "");
	return -EINVAL;
}

int cli_duration(const char *prog, const char *opt, const char *arg, uint64_t *ns)
{
	char *end;
	if (!arg || !isdigit((unsigned char)arg[0]))
		goto bad;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno)
		goto bad;
	uint64_t unit = 1;
	switch (tolower((unsigned char)*end)) {
	case 0:
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: goto bad;
	}
	if (*end && end[1])
		goto bad;
	/* A year is more than any run needs, and keeps the product far from overflow. */
	if (v == 0 || v > 366ull * 86400 / unit) {
		fprintf(stderr, "%s: %s: '%s': the duration must be between 1 s and a year\n",
			prog, opt, arg);
		return -EINVAL;
	}
	*ns = v * unit * 1000000000ull;
	return 0;
bad:
	fprintf(stderr, "%s: %s: '%s' is not a duration (seconds, or a number with "
		"suffix s, m, h or d)\n", prog, opt, arg ? arg : "");
	return -EINVAL;
}

int cli_cpu(const char *prog, const char *opt, const char *arg, int *cpu)
{
	long long v;
	int err = cli_int(prog, opt, arg, 0, CPU_SETSIZE - 1, &v);
	if (err)
		return err;
	cpu_set_t online;
	char list[256] = "?";
	/* When the online list cannot be read, the run itself will tell. */
	if (dc_online_cpus(&online) != 0 || CPU_ISSET((int)v, &online)) {
		*cpu = (int)v;
		return 0;
	}
	dc_cpulist_format(&online, list, sizeof(list));
	fprintf(stderr, "%s: %s: CPU %lld does not exist or is offline (online CPUs: %s)\n",
		prog, opt, v, list);
	return -ENODEV;
}

int cli_keep_off_cpu(int cpu)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -errno;
	if (!CPU_ISSET(cpu, &set) || CPU_COUNT(&set) < 2)
		return 0;
	CPU_CLR(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}
