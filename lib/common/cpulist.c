/* SPDX-License-Identifier: MIT */
/* CPU lists: "0-3,8".  See cpulist.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>

#include "cpulist.h"

/* A decimal CPU number; advances *s.  -1 when there is none or it is too big. */
static int parse_cpu(const char **s)
{
	const char *p = *s;
	long v = 0;
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p++ - '0');
		if (v >= CPU_SETSIZE)
			return -1;
	}
	*s = p;
	return (int)v;
}

int dc_cpulist_parse(const char *s, cpu_set_t *set)
{
	CPU_ZERO(set);
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return 0;
	for (;;) {
		int first = parse_cpu(&s), last;
		if (first < 0)
			return -EINVAL;
		last = first;
		if (*s == '-') {
			s++;
			last = parse_cpu(&s);
			if (last < first)
				return -EINVAL;
		}
		for (int c = first; c <= last; c++)
			CPU_SET(c, set);
		if (*s != ',')
			break;
		s++;
	}
	while (isspace((unsigned char)*s))
		s++;
	return *s ? -EINVAL : 0;
}

int dc_cpulist_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t n = 0;
	if (!len)
		return -ENOSPC;
	buf[0] = 0;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, set))
			continue;
		int last = c;
		while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, set))
			last++;
		int w = last == c ? snprintf(buf + n, len - n, "%s%d", n ? "," : "", c)
				  : snprintf(buf + n, len - n, "%s%d-%d", n ? "," : "", c, last);
		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += (size_t)w;
		c = last;
	}
	return (int)n;
}
