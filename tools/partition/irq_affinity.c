/* SPDX-License-Identifier: MIT */
/*
 * Interrupts off the isolated CPUs.  Some IRQs refuse a new affinity (per-CPU
 * and kernel-managed ones, some chips): those are reported and stay.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpumask.h"
#include "irq_affinity.h"
#include "maskfile.h"
#include "sysfs.h"

static int by_number(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The IRQ numbers in /proc/irq, in order.  How many, or -errno. */
static int list_irqs(int *irqs, int max)
{
	char full[PATH_MAX];
	sysfs_path(full, sizeof(full), "/proc/irq");
	DIR *d = opendir(full);
	if (!d)
		return -errno;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		if (e->d_name[0] && !*end && v >= 0)
			irqs[n++] = (int)v;
	}
	closedir(d);
	qsort(irqs, (size_t)n, sizeof(int), by_number);
	return n;
}

/* The name of an IRQ's handler: the directory /proc/irq/N/NAME, if any. */
static void irq_name(int irq, char *buf, size_t len)
{
	char dir[PATH_MAX], full[PATH_MAX];
	snprintf(dir, sizeof(dir), "/proc/irq/%d", irq);
	sysfs_path(full, sizeof(full), dir);
	buf[0] = 0;
	DIR *d = opendir(full);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char sub[PATH_MAX + 256];
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		if (sysfs_is_dir(sub)) {
			str_fmt(buf, len, "%s", e->d_name);
			break;
		}
	}
	closedir(d);
}

static void append(char *list, size_t len, const char *item)
{
	size_t n = strlen(list);
	if (n + strlen(item) + 3 < len)
		snprintf(list + n, len - n, "%s%s", n ? ", " : "", item);
	else if (n + 5 < len && !strstr(list, "..."))
		snprintf(list + n, len - n, ", ...");
}

#define MAX_IRQS 8192

void irq_isolate(struct changer *c, const cpu_set_t *iso, const cpu_set_t *hk)
{
	static int irqs[MAX_IRQS];
	char refused[2048] = "", old[256], new[256];
	int moved = 0, clear = 0, nref = 0;
	int n = list_irqs(irqs, MAX_IRQS);
	if (n < 0) {
		fprintf(c->out, "IRQs: cannot list /proc/irq: %s\n", strerror(-n));
		return;
	}
	for (int i = 0; i < n; i++) {
		char path[64], name[128], item[256];
		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity", irqs[i]);
		int r = maskfile_exclude(c, path, iso, hk, old, new, sizeof(old));
		if (r == 1)
			moved++;
		else if (r == 0)
			clear++;
		else if (r != -ENOENT) {
			irq_name(irqs[i], name, sizeof(name));
			snprintf(item, sizeof(item), "%d%s%s%s: %s", irqs[i], name[0] ? " (" : "", name,
				 name[0] ? ")" : "", r == -EINVAL ? "malformed mask" : strerror(-r));
			append(refused, sizeof(refused), item);
			nref++;
		}
		/* IRQs without smp_affinity (ENOENT) cannot be steered at all: nothing to do. */
	}
	fprintf(c->out, "IRQs: %d %s off the isolated CPUs, %d were off already", moved,
		c->dry_run ? "to move" : "moved", clear);
	if (nref)
		fprintf(c->out, "; %d refused: %s", nref, refused);
	fputc('\n', c->out);

	int r = maskfile_exclude(c, "/proc/irq/default_smp_affinity", iso, hk, old, new, sizeof(old));
	if (r < 0)
		fprintf(c->out, "default IRQ affinity: cannot change /proc/irq/default_smp_affinity: %s\n",
			r == -EINVAL ? "malformed mask" : strerror(-r));
	else
		change_report(c, "default IRQ affinity: %s -> %s\n", old, new);
}

/* Does the mask in /proc/irq/N/file include a CPU of `cpus`?  -1 when unreadable. */
static int mask_meets(int irq, const char *file, const cpu_set_t *cpus)
{
	char path[64], buf[256];
	cpu_set_t mask, both;
	snprintf(path, sizeof(path), "/proc/irq/%d/%s", irq, file);
	if (sysfs_read(path, buf, sizeof(buf)) < 0 || cpumask_parse(buf, &mask))
		return -1;
	CPU_AND(&both, &mask, cpus);
	return CPU_COUNT(&both) != 0;
}

void irq_on_cpus(const cpu_set_t *cpus, struct irq_census *out)
{
	static int irqs[MAX_IRQS];
	int n = list_irqs(irqs, MAX_IRQS);
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n; i++) {
		char name[128], item[192];
		int allowed = mask_meets(irqs[i], "smp_affinity", cpus);
		int effective = mask_meets(irqs[i], "effective_affinity", cpus);
		if (allowed <= 0 && effective <= 0)
			continue;
		irq_name(irqs[i], name, sizeof(name));
		snprintf(item, sizeof(item), "%d%s%s%s", irqs[i], name[0] ? " (" : "", name, name[0] ? ")" : "");
		if (allowed > 0) {
			out->allowed++;
			append(out->allowed_list, sizeof(out->allowed_list), item);
		} else {
			out->pending++;
			append(out->pending_list, sizeof(out->pending_list), item);
		}
	}
}
