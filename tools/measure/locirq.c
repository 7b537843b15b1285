/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "locirq.h"
#include "sysfs.h"

/* The header "           CPU0       CPU1 ...": column k is CPU cols[k]. */
static int header_cpus(const char *line, const char *end, int *cols, int max)
{
	int n = 0;
	const char *p = line;
	while (p < end && n < max) {
		const char *c = strstr(p, "CPU");
		if (!c || c >= end)
			break;
		char *num;
		long v = strtol(c + 3, &num, 10);
		if (num == c + 3 || v < 0 || v >= LOCIRQ_MAX_CPUS)
			return -EINVAL;
		cols[n++] = (int)v;
		p = num;
	}
	return n;
}

static int parse(const char *text, struct locirq *l)
{
	static int cols[LOCIRQ_MAX_CPUS];
	const char *nl = strchr(text, '\n');
	if (!nl)
		return -EINVAL;
	int ncols = header_cpus(text, nl, cols, LOCIRQ_MAX_CPUS);
	if (ncols <= 0)
		return -EINVAL;
	for (const char *line = nl + 1; *line; ) {
		const char *eol = strchr(line, '\n');
		if (!eol)
			eol = line + strlen(line);
		const char *p = line;
		while (*p == ' ')
			p++;
		if (!strncmp(p, "LOC:", 4)) {
			p += 4;
			for (int k = 0; k < ncols; k++) {
				char *e;
				unsigned long long v = strtoull(p, &e, 10);
				if (e == p || e > eol)
					return -EINVAL;
				l->count[cols[k]] = v;
				l->listed[cols[k]] = 1;
				p = e;
			}
			l->ok = 1;
			return 0;
		}
		line = *eol ? eol + 1 : eol;
	}
	return -ENOENT;
}

int locirq_read(struct locirq *l)
{
	memset(l, 0, sizeof(*l));
	/* One line per IRQ with a column per CPU: large machines need room. */
	for (size_t len = 1 << 16; len <= (64u << 20); len *= 4) {
		char *buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		int n = sysfs_read("/proc/interrupts", buf, len);
		int err = n < 0 ? n : parse(buf, l);
		free(buf);
		if (n != -EFBIG)
			return err;
	}
	return -EFBIG;
}

void locirq_add_diff(struct locirq *sum, const struct locirq *before, const struct locirq *after)
{
	if (!before->ok || !after->ok)
		return;
	sum->ok = 1;
	for (int c = 0; c < LOCIRQ_MAX_CPUS; c++) {
		if (!before->listed[c] || !after->listed[c])
			continue;
		sum->listed[c] = 1;
		if (after->count[c] >= before->count[c])
			sum->count[c] += after->count[c] - before->count[c];
	}
}

int locirq_busiest(const struct locirq *l)
{
	int best = -1;
	for (int c = 0; c < LOCIRQ_MAX_CPUS; c++)
		if (l->listed[c] && l->count[c] && (best < 0 || l->count[c] > l->count[best]))
			best = c;
	return best;
}
