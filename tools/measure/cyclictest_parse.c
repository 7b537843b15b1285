/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cyclictest_parse.h"

/* An unsigned decimal after optional blanks; the end, or NULL. */
static const char *number(const char *p, uint64_t *v)
{
	char *end;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p))
		return NULL;
	errno = 0;
	*v = strtoull(p, &end, 10);
	return errno ? NULL : end;
}

int cyclictest_parse_line(const char *line, unsigned *thread, uint64_t *cycle, uint64_t *ns)
{
	uint64_t t, c, v = 0;
	const char *p = number(line, &t);
	if (!p || *p++ != ':' || !(p = number(p, &c)) || *p++ != ':')
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	int negative = *p == '-';
	if (!(p = number(p + negative, &v)))
		return 0;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p)
		return 0;
	*thread = (unsigned)t;
	*cycle = c;
	*ns = negative ? 0 : v;
	return 1;
}

/* "T: 0 ( 4965) P:99 I:1000 C:   1000 Min: ... Max:  220854" */
static void parse_summary(const char *line, struct cyclictest_info *info)
{
	const char *c = strstr(line, " C:"), *m = strstr(line, " Max:");
	uint64_t v;
	if (c && number(c + 3, &v))
		info->summary_cycles = v;
	if (m && number(m + 5, &v))
		info->summary_max_ns = v;
}

int cyclictest_parse_file(const char *path, struct samples *s, struct cyclictest_info *info)
{
	struct cyclictest_info dummy;
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	char line[512];
	uint64_t next = 0;
	int ret = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned thread;
		uint64_t cycle, ns;
		if (!cyclictest_parse_line(line, &thread, &cycle, &ns)) {
			if (!strncmp(line, "T: 0 ", 5) || !strncmp(line, "T:0 ", 4))
				parse_summary(line, info);
			else
				info->other++;
			continue;
		}
		if (thread != 0)
			continue;
		/* cyclictest drops values when its printer falls a buffer behind. */
		if (cycle > next)
			info->missing += cycle - next;
		next = cycle + 1;
		if ((ret = samples_add(s, ns)))
			break;
		info->samples++;
	}
	fclose(f);
	return ret;
}
