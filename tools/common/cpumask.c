/* SPDX-License-Identifier: MIT */
/* Hexadecimal CPU masks.  See cpumask.h. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "cpumask.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int cpumask_parse(const char *s, cpu_set_t *set)
{
	CPU_ZERO(set);
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	if (!len)
		return -EINVAL;
	/* Right to left: each comma-separated word holds 32 CPUs. */
	int word = 0, digit = 0;
	for (size_t i = len; i-- > 0;) {
		if (s[i] == ',') {
			if (digit == 0)
				return -EINVAL;
			word++;
			digit = 0;
			continue;
		}
		int v = hexval(s[i]);
		if (v < 0 || digit == 8)
			return -EINVAL;
		for (int b = 0; b < 4; b++) {
			if (!(v & (1 << b)))
				continue;
			int cpu = word * 32 + digit * 4 + b;
			if (cpu >= CPU_SETSIZE)
				return -EINVAL;
			CPU_SET(cpu, set);
		}
		digit++;
	}
	return digit ? 0 : -EINVAL;
}

int cpumask_width(const char *s)
{
	int n = 0;
	for (; *s; s++)
		if (hexval(*s) >= 0)
			n++;
	return n;
}

int cpumask_format(const cpu_set_t *set, int width, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	int digits = 1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, set))
			digits = c / 4 + 1;
	if (width > digits)
		digits = width;
	size_t need = (size_t)digits + (size_t)(digits - 1) / 8 + 1;
	if (need > len)
		return -ENOSPC;
	size_t pos = need - 1;
	buf[pos] = 0;
	for (int d = 0; d < digits; d++) {
		if (d && d % 8 == 0)
			buf[--pos] = ',';
		int v = 0;
		for (int b = 0; b < 4; b++) {
			int cpu = d * 4 + b;
			if (cpu < CPU_SETSIZE && CPU_ISSET(cpu, set))
				v |= 1 << b;
		}
		buf[--pos] = hex[v];
	}
	return (int)(need - 1);
}
