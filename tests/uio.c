/* SPDX-License-Identifier: MIT */
/*
 * UIO against a fake sysfs tree (DC_SYSFS_ROOT) and a regular file standing
 * in for /dev/uio0: maps parsed and mapped at K * page size plus the
 * in-page offset, lookup by node, by uioN and by name, the device's IRQ
 * numbers (device/irq, device/msi_irqs/), and clear errors for a missing
 * device, missing or malformed map and irq files, and permissions; a PCI
 * device's memory BARs where it lists no maps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "decouple.h"
#include "decouple-io.h"
#include "harness.h"

static char root[64];

static void put(const char *content, const char *fmt, ...)
{
	char rel[256], path[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	/* mkdir -p of the parent */
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		mkdir(path, 0755);
		*p = '/';
	}
	if (!content)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		abort();
	close(fd);
}

static void make_tree(void)
{
	long page = sysconf(_SC_PAGESIZE);
	put("simdev\n", "sys/class/uio/uio0/name");
	put("0xfe000000\n", "sys/class/uio/uio0/maps/map0/addr");
	put("0x100\n", "sys/class/uio/uio0/maps/map0/size");
	put("0x0\n", "sys/class/uio/uio0/maps/map0/offset");
	put("regs\n", "sys/class/uio/uio0/maps/map0/name");
	put("0xfe101040\n", "sys/class/uio/uio0/maps/map1/addr");
	put("0x20\n", "sys/class/uio/uio0/maps/map1/size");
	put("0x40\n", "sys/class/uio/uio0/maps/map1/offset");
	/* map1 has no name file; that is allowed */
	put("11\n", "sys/class/uio/uio0/device/irq");
	/* The node: map K lives at K pages, its registers `offset` into the page. */
	char path[512];
	snprintf(path, sizeof(path), "%s/dev", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/dev/uio0", root);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	uint32_t a = 0xa0a0a0a0, b = 0xb1b1b1b1;
	if (fd < 0 || ftruncate(fd, 2 * page) || pwrite(fd, &a, 4, 0) != 4 ||
	    pwrite(fd, &b, 4, page + 0x40) != 4)
		abort();
	close(fd);
	/* uio1: broken in several ways, one map at a time */
	put("broken\n", "sys/class/uio/uio1/name");
	snprintf(path, sizeof(path), "%s/dev/uio1", root);
	close(open(path, O_RDWR | O_CREAT, 0600));
}

static void good(void)
{
	char node[512];
	snprintf(node, sizeof(node), "%s/dev/uio0", root);
	const char *names[] = { node, "uio0", "simdev" };
	for (int i = 0; i < 3; i++) {
		struct dc_uio *u = NULL;
		int err = dc_uio_open(names[i], &u);
		CHECK(err == 0, "dc_uio_open(%s) = %d", names[i], err);
		if (err)
			continue;
		CHECK_EQ(u->index, 0);
		CHECK(!strcmp(u->name, "simdev"), "name %s", u->name);
		CHECK_EQ(u->nmaps, 2);
		CHECK_EQ(u->map[0].phys, 0xfe000000);
		CHECK_EQ(u->map[0].size, 0x100);
		CHECK_EQ(u->map[0].offset, 0);
		CHECK(!strcmp(u->map[0].name, "regs"), "map0 name %s", u->map[0].name);
		CHECK_EQ(u->map[1].phys, 0xfe101040);
		CHECK_EQ(u->map[1].size, 0x20);
		CHECK_EQ(u->map[1].offset, 0x40);
		CHECK_EQ(u->map[1].name[0], 0);
		/* uio0 is an INTx PCI device: device/irq only. */
		CHECK_EQ(u->nirqs, 1);
		CHECK_EQ(u->irqs[0], 11);
		/* The fake node is a file: the previous round's irqcontrol "1" landed at 0. */
		CHECK_EQ(*(volatile uint32_t *)u->map[0].addr, i == 0 ? 0xa0a0a0a0 : 1);
		CHECK_EQ(*(volatile uint32_t *)u->map[1].addr, 0xb1b1b1b1);
		/* Writes reach the device. */
		*(volatile uint32_t *)u->map[0].addr = 0x12345678;
		CHECK_EQ(*(volatile uint32_t *)u->map[0].addr, 0x12345678);
		/* A regular file cannot be polled: no interrupt, said so. */
		CHECK_EQ(u->irq, -EPERM);
		CHECK_EQ(dc_uio_irq_control(u, 1), 0);
		dc_uio_close(u);
	}
	int fd = open(node, O_RDONLY);
	uint32_t v = 0;
	CHECK_EQ(pread(fd, &v, 4, 0), 4);
	CHECK_EQ(v, 1);		/* the 4-byte irqcontrol write */
	close(fd);
}

static struct dc_uio *open_ok(const char *dev)
{
	struct dc_uio *u = NULL;
	int err = dc_uio_open(dev, &u);
	CHECK(err == 0, "dc_uio_open(%s) = %d", dev, err);
	return err ? NULL : u;
}

/* The IRQ numbers of uio2, a device without maps, as sysfs shows them. */
static void irq_numbers(void)
{
	char path[512];
	put("irqs\n", "sys/class/uio/uio2/name");
	snprintf(path, sizeof(path), "%s/dev/uio2", root);
	close(open(path, O_RDWR | O_CREAT, 0600));

	/* No device/irq and no msi_irqs (a platform device without a line): none. */
	struct dc_uio *u = open_ok("uio2");
	if (u) {
		CHECK_EQ(u->nirqs, 0);
		dc_uio_close(u);
	}
	/* The PCI core's "no INTx". */
	put("0\n", "sys/class/uio/uio2/device/irq");
	if ((u = open_ok("uio2"))) {
		CHECK_EQ(u->nirqs, 0);
		dc_uio_close(u);
	}
	/* MSI on: device/irq is the first vector, listed once; the others ascending. */
	put("41\n", "sys/class/uio/uio2/device/irq");
	put("msi\n", "sys/class/uio/uio2/device/msi_irqs/43");
	put("msi\n", "sys/class/uio/uio2/device/msi_irqs/41");
	put("msi\n", "sys/class/uio/uio2/device/msi_irqs/42");
	put("", "sys/class/uio/uio2/device/msi_irqs/README");	/* not a vector */
	if ((u = open_ok("uio2"))) {
		CHECK_EQ(u->nirqs, 3);
		CHECK_EQ(u->irqs[0], 41);
		CHECK_EQ(u->irqs[1], 42);
		CHECK_EQ(u->irqs[2], 43);
		dc_uio_close(u);
	}
	/* MSI-X with INTx beside it, and more vectors than fit: INTx, then the smallest. */
	put("10\n", "sys/class/uio/uio2/device/irq");
	for (int v = 120; v >= 100; v -= 2) {
		char rel[96];
		snprintf(rel, sizeof(rel), "sys/class/uio/uio2/device/msi_irqs/%d", v);
		put("msix\n", "%s", rel);
	}
	if ((u = open_ok("uio2"))) {
		static const int want[8] = { 10, 41, 42, 43, 100, 102, 104, 106 };
		CHECK_EQ(u->nirqs, 8);
		for (int i = 0; i < 8; i++)
			CHECK(u->irqs[i] == want[i], "irqs[%d] = %d, expected %d", i, u->irqs[i], want[i]);
		dc_uio_close(u);
	}
	/* A device/irq that is not a number is an error, as a malformed map file is. */
	put("eleven\n", "sys/class/uio/uio2/device/irq");
	u = (struct dc_uio *)1;
	CHECK_EQ(dc_uio_open("uio2", &u), -EINVAL);
	CHECK(u == (struct dc_uio *)1, "*out set on failure");
	put("-3\n", "sys/class/uio/uio2/device/irq");
	CHECK_EQ(dc_uio_open("uio2", &u), -EINVAL);
}

/* A file of `size` bytes whose first word is `first`. */
static void put_sized(size_t size, uint32_t first, const char *rel)
{
	char path[512];
	put(NULL, "%s", rel);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size) || pwrite(fd, &first, 4, 0) != 4)
		abort();
	close(fd);
}

/*
 * A PCI device without maps (uio_pci_generic before Linux 6.x listed none):
 * the memory BARs of device/resource are mapped through resourceN, I/O
 * BARs and empty ones are skipped; a malformed line is an error.  (The
 * INTx re-enable through device/config needs a node that refuses the
 * irqcontrol write: check-vm's edu test does that on a real one.)
 */
static void pci_bars(void)
{
	char path[512];
	put("pcidev\n", "sys/class/uio/uio3/name");
	snprintf(path, sizeof(path), "%s/dev/uio3", root);
	close(open(path, O_RDWR | O_CREAT, 0600));
	put("0x00000000fea00000 0x00000000fea00fff 0x0000000000040200\n"
	    "0x000000000000c000 0x000000000000c01f 0x0000000000040101\n"
	    "0x00000000fe800000 0x00000000fe801fff 0x0000000000140204\n"
	    "0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
	    "sys/class/uio/uio3/device/resource");
	put_sized(4096, 0x010000ed, "sys/class/uio/uio3/device/resource0");
	put_sized(8192, 0xcafe0002, "sys/class/uio/uio3/device/resource2");
	put_sized(256, 0x04000007, "sys/class/uio/uio3/device/config");
	struct dc_uio *u = open_ok("uio3");
	if (u) {
		CHECK_EQ(u->nmaps, 2);
		CHECK(!strcmp(u->map[0].name, "BAR0") && !strcmp(u->map[1].name, "BAR2"),
		      "maps named %s, %s", u->map[0].name, u->map[1].name);
		CHECK_EQ(u->map[0].phys, 0xfea00000);
		CHECK_EQ(u->map[0].size, 4096);
		CHECK_EQ(u->map[1].phys, 0xfe800000);
		CHECK_EQ(u->map[1].size, 8192);
		CHECK_EQ(*(volatile uint32_t *)u->map[0].addr, 0x010000ed);
		CHECK_EQ(*(volatile uint32_t *)u->map[1].addr, 0xcafe0002);
		CHECK(u->pci_config_fd >= 0, "config space not opened");
		dc_uio_close(u);
	}
	put("0xfea00000 garbage\n", "sys/class/uio/uio3/device/resource");
	u = (struct dc_uio *)1;
	CHECK_EQ(dc_uio_open("uio3", &u), -EINVAL);
	CHECK(u == (struct dc_uio *)1, "*out set on failure");
}

static void broken(const char *what, int expected)
{
	struct dc_uio *u = (struct dc_uio *)1;
	int err = dc_uio_open("uio1", &u);
	CHECK(err == expected, "%s: dc_uio_open = %d, expected %d", what, err, expected);
	CHECK(u == (struct dc_uio *)1, "%s: *out set on failure", what);
}

static void errors(void)
{
	struct dc_uio *u;
	CHECK_EQ(dc_uio_open("uio7", &u), -ENOENT);		/* no such device */
	CHECK_EQ(dc_uio_open("nosuchdevice", &u), -ENOENT);
	CHECK_EQ(dc_uio_open("/dev/notuio", &u), -EINVAL);
	CHECK_EQ(dc_uio_open(NULL, &u), -EINVAL);

	put("0x1000\n", "sys/class/uio/uio1/maps/map0/addr");
	broken("map0 without size", -ENOENT);
	put("lots\n", "sys/class/uio/uio1/maps/map0/size");
	broken("malformed size", -EINVAL);
	put("-4\n", "sys/class/uio/uio1/maps/map0/size");
	broken("negative size", -EINVAL);
	put("0x0\n", "sys/class/uio/uio1/maps/map0/size");
	broken("zero size", -EINVAL);
	put("0x100\n", "sys/class/uio/uio1/maps/map0/size");
	put("0x99999\n", "sys/class/uio/uio1/maps/map0/offset");
	broken("offset beyond the page", -EINVAL);
	put("0x10\n", "sys/class/uio/uio1/maps/map0/offset");
	put("zz\n", "sys/class/uio/uio1/maps/map0/addr");
	broken("malformed addr", -EINVAL);
	put("0x1000\n", "sys/class/uio/uio1/maps/map0/addr");
	{
		struct dc_uio *ok = NULL;
		CHECK_EQ(dc_uio_open("uio1", &ok), 0);
		dc_uio_close(ok);
	}

	/* The node's permissions decide, as the paper wants. */
	pid_t pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(3);
		_exit(dc_uio_open("uio0", &u) == -EACCES ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "unprivileged open: status %d", status);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/dc-uio-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	chmod(root, 0755);
	char sys[128], dev[128];
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(dev, sizeof(dev), "%s/dev", root);
	setenv("DC_SYSFS_ROOT", sys, 1);
	setenv("DC_DEVROOT", dev, 1);
	setenv("DC_QUIET", "1", 1);
	make_tree();
	good();
	irq_numbers();
	pci_bars();
	errors();
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		return 1;
	return test_done();
}
