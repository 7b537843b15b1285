/* SPDX-License-Identifier: MIT */
/*
 * Device access through UIO, as the paper proposes: the right to a device's
 * registers and interrupt is the permission to open its node, /dev/uioN.
 *
 * The maps come from /sys/class/uio/uioN/maps/mapK/{addr,size,offset,name};
 * map K is mmap()ed at file offset K * page size, and its registers start
 * `offset` bytes into the first page.  The interrupt reaches an Irq through
 * the fd bridge (4-byte totals; writing 1 re-enables).  Its IRQ numbers come
 * from the device's sysfs directory, so that the user can steer them
 * (`decouple isolate --irq`): where the interrupt is taken is part of the
 * latency (DESIGN.md, "Interrupts").
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io.h"
#include "partition.h"

/* class/uio/uioN/<rel>, opened; the fd or -errno. */
static int open_attr(int index, const char *rel, int flags)
{
	char sub[160], path[768];
	snprintf(sub, sizeof(sub), "/class/uio/uio%d/%s", index, rel);
	int err = dc_sysfs_path(path, sizeof(path), sub);
	if (err)
		return err;
	int fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* A sysfs file of the device, NUL-terminated and without its newline.  Length or -errno. */
static int read_attr(int index, const char *rel, char *buf, size_t len)
{
	int fd = open_attr(index, rel, O_RDONLY);
	int err;
	if (fd < 0)
		return fd;
	ssize_t n = read(fd, buf, len - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	buf[n] = 0;
	return (int)n;
}

/* A hex (or decimal) number as sysfs writes them; -EINVAL if it is not one. */
static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int map_attr(int index, int k, const char *attr, uint64_t *out, int optional)
{
	char rel[64], buf[64];
	snprintf(rel, sizeof(rel), "maps/map%d/%s", k, attr);
	int n = read_attr(index, rel, buf, sizeof(buf));
	if (n == -ENOENT && optional) {
		*out = 0;
		return 0;
	}
	if (n < 0) {
		dc_warn("uio%d: maps/map%d/%s: %s", index, k, attr, strerror(-n));
		return n;
	}
	if (parse_u64(buf, out)) {
		dc_warn("uio%d: maps/map%d/%s: \"%s\" is not a number", index, k, attr, buf);
		return -EINVAL;
	}
	return 0;
}

/* A decimal IRQ number, as sysfs writes them (device/irq, msi_irqs/N).  -EINVAL if not one. */
static int parse_irq(const char *s, int *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v > INT_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

#define UIO_MAX_IRQS ((int)(sizeof(((struct dc_uio *)0)->irqs) / sizeof(int)))

/* Insert `irq` into the ascending list `list` of at most UIO_MAX_IRQS, unless it is there. */
static void add_sorted(int *list, int *n, int irq)
{
	int i = 0;
	while (i < *n && list[i] < irq)
		i++;
	if ((i < *n && list[i] == irq) || i == UIO_MAX_IRQS)
		return;		/* there already, or beyond the smallest ones kept */
	if (*n == UIO_MAX_IRQS)
		(*n)--;
	memmove(&list[i + 1], &list[i], (size_t)(*n - i) * sizeof(int));
	list[i] = irq;
	(*n)++;
}

/*
 * The device's IRQ numbers: device/irq (a PCI device's INTx line, or with
 * MSI on, its first vector; "0" is the PCI core's "none"), then the vectors
 * of device/msi_irqs/, ascending.  A device without these files (no device
 * link, a platform device without a line) has none: that is not an error.
 */
static int read_irqs(struct dc_uio *u)
{
	char buf[32], sub[160], path[768];
	int irq, msi[UIO_MAX_IRQS], nmsi = 0;
	if (read_attr(u->index, "device/irq", buf, sizeof(buf)) >= 0) {
		if (parse_irq(buf, &irq)) {
			dc_warn("uio%d: device/irq: \"%s\" is not an IRQ number", u->index, buf);
			return -EINVAL;
		}
		if (irq > 0)
			u->irqs[u->nirqs++] = irq;
	}
	snprintf(sub, sizeof(sub), "/class/uio/uio%d/device/msi_irqs", u->index);
	DIR *d = dc_sysfs_path(path, sizeof(path), sub) ? NULL : opendir(path);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (parse_irq(e->d_name, &irq) == 0)
			add_sorted(msi, &nmsi, irq);
	closedir(d);
	for (int i = 0; i < nmsi && u->nirqs < UIO_MAX_IRQS; i++)
		if (u->nirqs == 0 || msi[i] != u->irqs[0])	/* device/irq may be the first vector */
			u->irqs[u->nirqs++] = msi[i];
	return 0;
}

/* uioN's N, or -1. */
static int uio_index(const char *name)
{
	if (strncmp(name, "uio", 3) || !isdigit((unsigned char)name[3]))
		return -1;
	char *end;
	long v = strtol(name + 3, &end, 10);
	return *end || v > 65535 ? -1 : (int)v;
}

/* The uioN whose name file says `name`, or -ENOENT. */
static int find_by_name(const char *name)
{
	char path[512];
	int err = dc_sysfs_path(path, sizeof(path), "/class/uio");
	if (err)
		return err;
	DIR *d = opendir(path);
	if (!d)
		return -ENOENT;
	int found = -ENOENT;
	struct dirent *e;
	while ((e = readdir(d)) && found < 0) {
		int i = uio_index(e->d_name);
		char buf[64];
		if (i >= 0 && read_attr(i, "name", buf, sizeof(buf)) >= 0 && !strcmp(buf, name))
			found = i;
	}
	closedir(d);
	return found;
}

static int resolve(const char *dev, int *index, char *node, size_t len)
{
	const char *base = strrchr(dev, '/');
	base = base ? base + 1 : dev;
	int i = uio_index(base);
	if (dev[0] == '/') {
		if (i < 0)
			return -EINVAL;
		snprintf(node, len, "%s", dev);
	} else {
		if (i < 0)
			i = find_by_name(dev);
		if (i < 0)
			return i;
		const char *root = getenv("DC_DEVROOT");
		snprintf(node, len, "%s/uio%d", root && *root ? root : "/dev", i);
	}
	*index = i;
	return 0;
}

static int map_all(struct dc_uio *u)
{
	long page = sysconf(_SC_PAGESIZE);
	for (int k = 0; k < DC_UIO_MAX_MAPS; k++) {
		char rel[32], buf[64], path[768], sub[160];
		snprintf(sub, sizeof(sub), "/class/uio/uio%d/maps/map%d", u->index, k);
		if (dc_sysfs_path(path, sizeof(path), sub) || access(path, F_OK) != 0)
			break;
		struct dc_uio_map *m = &u->map[k];
		uint64_t size, offset;
		int err = map_attr(u->index, k, "addr", &m->phys, 0);
		if (!err)
			err = map_attr(u->index, k, "size", &size, 0);
		if (!err)	/* older kernels have no offset file: page-aligned maps */
			err = map_attr(u->index, k, "offset", &offset, 1);
		if (err)
			return err;
		if (!size || offset >= (uint64_t)page) {
			dc_warn("uio%d: map%d: size %#llx, offset %#llx make no register window",
				u->index, k, (unsigned long long)size, (unsigned long long)offset);
			return -EINVAL;
		}
		snprintf(rel, sizeof(rel), "maps/map%d/name", k);
		if (read_attr(u->index, rel, buf, sizeof(buf)) >= 0)
			snprintf(m->name, sizeof(m->name), "%s", buf);
		size_t len = (size_t)(size + offset + (uint64_t)page - 1) & ~(size_t)(page - 1);
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, u->fd, (off_t)k * page);
		if (p == MAP_FAILED) {
			err = -errno;
			dc_warn("uio%d: mmap of map%d: %s", u->index, k, strerror(errno));
			return err;
		}
		m->addr = (char *)p + offset;
		m->size = (size_t)size;
		m->offset = (size_t)offset;
		u->nmaps = k + 1;
	}
	return 0;
}

#define PCI_COMMAND		0x04
#define PCI_COMMAND_INTX_DISABLE	(1u << 10)
#define PCI_BARS		6
#define IORESOURCE_MEM		0x00000200	/* include/linux/ioport.h */

/*
 * A PCI device without UIO maps (uio_pci_generic): its memory BARs, from
 * the start/end/flags lines of device/resource, each mmap()ed through
 * device/resourceN.  I/O-port BARs cannot be mapped and are skipped.
 */
static int map_pci_bars(struct dc_uio *u)
{
	char buf[1024];
	if (read_attr(u->index, "device/resource", buf, sizeof(buf)) < 0)
		return 0;	/* not PCI */
	char *line = buf, *next;
	for (int bar = 0; bar < PCI_BARS && line && u->nmaps < DC_UIO_MAX_MAPS; bar++, line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		unsigned long long start, end, flags;
		if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3) {
			dc_warn("uio%d: device/resource: \"%s\" is not start end flags", u->index, line);
			return -EINVAL;
		}
		if (!(flags & IORESOURCE_MEM) || end <= start)
			continue;
		char rel[32];
		snprintf(rel, sizeof(rel), "device/resource%d", bar);
		int fd = open_attr(u->index, rel, O_RDWR);
		if (fd < 0) {
			dc_warn("uio%d: %s: %s", u->index, rel, strerror(-fd));
			return fd;
		}
		size_t size = (size_t)(end - start + 1);
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		int err = p == MAP_FAILED ? -errno : 0;
		close(fd);	/* the mapping keeps the BAR */
		if (err) {
			dc_warn("uio%d: mmap of BAR%d: %s", u->index, bar, strerror(-err));
			return err;
		}
		struct dc_uio_map *m = &u->map[u->nmaps++];
		m->addr = p;
		m->size = size;
		m->phys = start;
		m->offset = 0;
		snprintf(m->name, sizeof(m->name), "BAR%d", bar);
	}
	return 0;
}

static void unmap_all(struct dc_uio *u)
{
	long page = sysconf(_SC_PAGESIZE);
	for (int k = 0; k < u->nmaps; k++) {
		struct dc_uio_map *m = &u->map[k];
		size_t len = (m->size + m->offset + (size_t)page - 1) & ~(size_t)(page - 1);
		munmap((char *)(uintptr_t)m->addr - m->offset, len);
	}
	u->nmaps = 0;
}

int dc_uio_open(const char *dev, struct dc_uio **out)
{
	if (!dev || !out)
		return -EINVAL;
	struct dc_uio *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->fd = -1;
	u->pci_config_fd = -1;
	u->irq = -ENODEV;
	char node[512];
	int err = resolve(dev, &u->index, node, sizeof(node));
	if (err) {
		dc_warn("%s: no such UIO device", dev);
		goto fail;
	}
	if (read_attr(u->index, "name", u->name, sizeof(u->name)) < 0) {
		err = -ENOENT;
		dc_warn("%s: uio%d is not in sysfs (class/uio/uio%d/name)", dev, u->index, u->index);
		goto fail;
	}
	u->fd = open(node, O_RDWR | O_CLOEXEC);
	if (u->fd < 0) {
		err = -errno;
		dc_warn("%s: %s", node, strerror(errno));
		goto fail;
	}
	err = read_irqs(u);
	if (err)
		goto fail;
	err = map_all(u);
	if (!err && u->nmaps == 0)
		err = map_pci_bars(u);
	if (err)
		goto fail;
	u->pci_config_fd = open_attr(u->index, "device/config", O_RDWR);
	if (u->pci_config_fd < 0)
		u->pci_config_fd = -1;	/* not PCI, or not ours to write */
	u->irq = dc_irq_from_fd_kind(u->fd, DC_FD_UIO);
	*out = u;
	return 0;
fail:
	dc_uio_close(u);
	return err;
}

int dc_uio_irq_control(struct dc_uio *u, int enable)
{
	int32_t v = enable ? 1 : 0;
	if (!u || u->fd < 0)
		return -EINVAL;
	if (write(u->fd, &v, sizeof(v)) == sizeof(v))
		return 0;
	int err = -errno;
	if (err != -ENOSYS || u->pci_config_fd < 0)
		return err;
	/* No irqcontrol: INTx through the PCI command register (2 bytes, little-endian). */
	uint8_t cmd[2];
	if (pread(u->pci_config_fd, cmd, 2, PCI_COMMAND) != 2)
		return errno ? -errno : -EIO;
	unsigned word = cmd[0] | (unsigned)cmd[1] << 8;
	unsigned want = enable ? word & ~PCI_COMMAND_INTX_DISABLE : word | PCI_COMMAND_INTX_DISABLE;
	if (want == word)
		return 0;
	cmd[0] = (uint8_t)want;
	cmd[1] = (uint8_t)(want >> 8);
	return pwrite(u->pci_config_fd, cmd, 2, PCI_COMMAND) == 2 ? 0 : (errno ? -errno : -EIO);
}

void dc_uio_close(struct dc_uio *u)
{
	if (!u)
		return;
	if (u->irq >= 0)
		dc_cap_close(u->irq);
	unmap_all(u);
	if (u->pci_config_fd >= 0)
		close(u->pci_config_fd);
	if (u->fd >= 0)
		close(u->fd);
	free(u);
}
