/* SPDX-License-Identifier: MIT */
/*
 * Interrupts off the isolated CPUs.  Some IRQs refuse a new affinity (per-CPU
 * and kernel-managed ones, some chips): those are reported and stay.
 *
 * The device IRQs named by `--irq` go the other way: onto the isolated CPUs,
 * so that a decoupled ISR's interrupt is taken where its executive polls,
 * without a cross-CPU hop (DESIGN.md, "Interrupts").  For those a refusal is
 * an error: the user asked for that placement, and getting the other one
 * silently would measure the wrong thing.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpulist.h"
#include "cpumask.h"
#include "irq_affinity.h"
#include "maskfile.h"
#include "partition.h"
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

void irq_describe(int irq, char *buf, size_t len)
{
	char name[128];
	irq_name(irq, name, sizeof(name));
	if (name[0])
		str_fmt(buf, len, "%d (%s)", irq, name);
	else
		snprintf(buf, len, "%d", irq);
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

/* --- the IRQs that --irq keeps on the isolated CPUs ----------------------------- */

int irq_keep_has(const struct irq_keep *k, int irq)
{
	for (int i = 0; k && i < k->n; i++)
		if (k->irq[i] == irq)
			return 1;
	return 0;
}

static int keep_add(struct irq_keep *k, int irq)
{
	if (irq_keep_has(k, irq))
		return 0;	/* "6,6" means 6 */
	if (k->n == IRQ_KEEP_MAX)
		return -ENOSPC;
	k->irq[k->n++] = irq;
	return 0;
}

/* A decimal IRQ number of `len` bytes at `s`, as /proc/interrupts writes them.  -1 if not one. */
static int irq_number(const char *s, size_t len)
{
	if (!len || len > 7)
		return -1;
	int v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Can `irq` be kept?  0, or -EINVAL with the reason. */
static int keep_check(int irq, char *why, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/irq/%d", irq);
	if (!sysfs_is_dir(path)) {
		snprintf(why, len, "IRQ %d does not exist (no %s; see /proc/interrupts)", irq, path);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	if (!sysfs_exists(path)) {
		snprintf(why, len, "IRQ %d cannot be steered (no %s)", irq, path);
		return -EINVAL;
	}
	return 0;
}

int irq_keep_parse(const char *arg, struct irq_keep *k, char *why, size_t len)
{
	const char *p = arg;
	if (!*p) {
		snprintf(why, len, "no IRQ named (e.g. --irq 11 or --irq 36,37)");
		return -EINVAL;
	}
	for (;;) {
		size_t n = strcspn(p, ",");
		int irq = irq_number(p, n);
		if (!n) {
			snprintf(why, len, "an empty item (IRQ numbers separated by single commas)");
			return -EINVAL;
		}
		if (irq < 0) {
			snprintf(why, len, "'%.*s' is not an IRQ number (a decimal number as in "
				 "/proc/interrupts)", (int)(n > 32 ? 32 : n), p);
			return -EINVAL;
		}
		if (keep_check(irq, why, len))
			return -EINVAL;
		if (keep_add(k, irq)) {
			snprintf(why, len, "more than %d IRQs", IRQ_KEEP_MAX);
			return -EINVAL;
		}
		p += n;
		if (!*p++)
			return 0;
	}
}

void irq_keep_format(const struct irq_keep *k, char *buf, size_t len)
{
	buf[0] = 0;
	for (int i = 0; i < k->n; i++) {
		char item[160];
		irq_describe(k->irq[i], item, sizeof(item));
		append(buf, len, item);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

static int load_keep(const struct dc_state_record *r, void *ctx)
{
	if (r->argc != 2 || strcmp(r->argv[0], "keep-irq"))
		return 0;	/* the other records are someone else's */
	int irq = irq_number(r->argv[1], strlen(r->argv[1]));
	if (irq < 0)
		return -EINVAL;
	return keep_add(ctx, irq) ? -EINVAL : 0;
}

int irq_keep_load(const char *path, struct irq_keep *k)
{
	k->n = 0;
	int err = dc_state_read(path, load_keep, k);
	if (err)
		k->n = 0;
	return err;
}

int irq_keep_apply(struct changer *c, const struct irq_keep *k, const cpu_set_t *iso)
{
	char list[1024], kept[2048] = "", old[256];
	if (!k || !k->n)
		return 0;
	if (dc_cpulist_format(iso, list, sizeof(list)) < 0)
		return -ENOSPC;
	for (int i = 0; i < k->n; i++) {
		char path[64], item[160];
		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", k->irq[i]);
		irq_describe(k->irq[i], item, sizeof(item));
		/* Journaled before the write, like every other change: release restores the old list. */
		int r = change_write(c, path, list, old, sizeof(old));
		if (r < 0) {
			fprintf(stderr, "decouple isolate: --irq: IRQ %s cannot be kept on CPU %s: "
				"writing %s: %s%s\n", item, list, path, strerror(-r),
				r == -EPERM || r == -EIO ? " (the kernel does not let user space "
				"set this interrupt's affinity: kernel-managed, per-CPU, or its chip "
				"cannot)" : "");
			return r;
		}
		append(kept, sizeof(kept), item);
	}
	fprintf(c->out, "IRQs %s on CPU %s (--irq): %s\n", c->dry_run ? "to keep" : "kept", list, kept);
	return 0;
}

/* --- every other IRQ off the isolated CPUs ----------------------------------- */

void irq_isolate(struct changer *c, const cpu_set_t *iso, const cpu_set_t *hk,
		 const struct irq_keep *keep)
{
	static int irqs[MAX_IRQS];
	char refused[2048] = "", old[256], new[256];
	int moved = 0, clear = 0, nref = 0, kept = 0;
	int n = list_irqs(irqs, MAX_IRQS);
	if (n < 0) {
		fprintf(c->out, "IRQs: cannot list /proc/irq: %s\n", strerror(-n));
		return;
	}
	for (int i = 0; i < n; i++) {
		char path[64], name[160], item[256];
		if (irq_keep_has(keep, irqs[i])) {
			kept++;		/* irq_keep_apply put it there */
			continue;
		}
		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity", irqs[i]);
		int r = maskfile_exclude(c, path, iso, hk, old, new, sizeof(old));
		if (r == 1)
			moved++;
		else if (r == 0)
			clear++;
		else if (r != -ENOENT) {
			irq_describe(irqs[i], name, sizeof(name));
			snprintf(item, sizeof(item), "%s: %s", name,
				 r == -EINVAL ? "malformed mask" : strerror(-r));
			append(refused, sizeof(refused), item);
			nref++;
		}
		/* IRQs without smp_affinity (ENOENT) cannot be steered at all: nothing to do. */
	}
	fprintf(c->out, "IRQs: %d %s off the isolated CPUs, %d were off already", moved,
		c->dry_run ? "to move" : "moved", clear);
	if (kept)
		fprintf(c->out, ", %d kept there (--irq)", kept);
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
		char item[192];
		int allowed = mask_meets(irqs[i], "smp_affinity", cpus);
		int effective = mask_meets(irqs[i], "effective_affinity", cpus);
		if (allowed <= 0 && effective <= 0)
			continue;
		irq_describe(irqs[i], item, sizeof(item));
		if (allowed > 0) {
			out->allowed++;
			append(out->allowed_list, sizeof(out->allowed_list), item);
		} else {
			out->pending++;
			append(out->pending_list, sizeof(out->pending_list), item);
		}
	}
}
