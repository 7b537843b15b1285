/* SPDX-License-Identifier: MIT */
/*
 * A real device end to end: QEMU's edu PCI device (1234:11e8) on
 * uio_pci_generic, as make check-vm sets it up (tests/vm/init).
 * dc_uio_open() maps BAR0 (uio_pci_generic lists no maps: the BAR comes
 * from sysfs's resource0); a decoupled ISR thread serves N interrupts that a
 * Linux thread raises through the device's raise register (0x60), one at a
 * time; the ISR reads the device's interrupt status (0x24), acknowledges it
 * (0x64) and re-enables INTx through the PCI command register, as
 * uio_pci_generic requires.  Checked on every delivery path: the executive's
 * io_uring, the bridge, a Linux waiter, and a poll-mode Irq on the status
 * register itself.  Counts must be exact: the Irq's, the kernel's
 * (/proc/interrupts), and the device's status, 0 at the end.  Then the
 * device is unbound while the ISR waits: the wait ends with -ENODEV (or
 * -EBADF), never a hang.  Register layout: QEMU's docs/specs/edu.rst.
 * Skips where no edu device is bound (anywhere but check-vm).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>

#include "decouple.h"
#include "decouple-io.h"
#include "harness.h"

#define EDU_ID		0x00
#define EDU_LIVENESS	0x04
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64

enum how { VIA_URING, VIA_BRIDGE, VIA_LINUX, VIA_POLL };
static const char *const how_name[] = { "uring", "bridge", "Linux waiter", "poll" };

static int cpu, n_irqs;
static struct dc_uio *uio;
static volatile uint32_t *regs;
static dc_cap_t irq;
static _Atomic uint32_t raised;		/* the bit of the interrupt in flight */
static _Atomic int acked, counted, wrong_status, isr_err, isr_ready;
static enum how how;

static uint32_t rd(unsigned off)
{
	return regs[off / 4];
}

static void wr(unsigned off, uint32_t v)
{
	regs[off / 4] = v;
}

/* uioN whose PCI device is 1234:11e8, or -1. */
static int find_edu(char *pci, size_t len)
{
	for (int i = 0; i < 16; i++) {
		char path[128], buf[64] = "";
		snprintf(path, sizeof(path), "/sys/class/uio/uio%d/device/device", i);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		int ok = fgets(buf, sizeof(buf), f) && !strncmp(buf, "0x11e8", 6);
		fclose(f);
		snprintf(path, sizeof(path), "/sys/class/uio/uio%d/device/vendor", i);
		f = fopen(path, "r");
		ok = ok && f && fgets(buf, sizeof(buf), f) && !strncmp(buf, "0x1234", 6);
		if (f)
			fclose(f);
		snprintf(path, sizeof(path), "/sys/class/uio/uio%d/device", i);
		char target[256];
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (ok && n > 0) {
			target[n] = 0;
			snprintf(pci, len, "%s", strrchr(target, '/') + 1);
			return i;
		}
	}
	return -1;
}

/* The kernel's count of the device's interrupts: its /proc/interrupts line. */
static long kernel_count(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[512];
	long total = -1;
	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "uio_pci_generic"))
			continue;
		char *p = strchr(line, ':');
		total = 0;
		for (int c = 0; p && c < 64; c++) {
			char *end;
			long v = strtol(p + 1, &end, 10);
			if (end == p + 1)
				break;
			total += v;
			p = end;
		}
	}
	if (f)
		fclose(f);
	return total;
}

static void *isr(void *arg)
{
	(void)arg;
	if (how != VIA_LINUX && dc_decouple(cpu, 50)) {
		isr_err = -1;
		return NULL;
	}
	isr_ready = 1;
	while (acked < n_irqs) {
		uint32_t n = 0;
		int r = dc_irq_wait(irq, dc_now() + 5000000000ull, &n);
		if (r) {
			isr_err = r;
			break;
		}
		counted += (int)n;
		if (how != VIA_POLL) {
			/* The device's word on it, then its acknowledgement, then INTx again. */
			uint32_t st = rd(EDU_IRQ_STATUS);
			if (st != raised)
				wrong_status++;
			wr(EDU_IRQ_ACK, st);
			if (dc_uio_irq_control(uio, 1))
				isr_err = -1001;
		}
		acked += (int)n;
	}
	if (how != VIA_LINUX)
		dc_recouple();
	return NULL;
}

static dc_cap_t make_irq(void)
{
	if (how == VIA_POLL) {
		struct dc_poll_attr pa = {
			.status = &regs[EDU_IRQ_STATUS / 4],
			.ack = &regs[EDU_IRQ_ACK / 4],
			.mask = ~0u,
			.mode = DC_POLL_FLAGS,
			.cpu = cpu,
		};
		return dc_irq_from_poll(&pa);
	}
	struct dc_irq_fd_attr fa = {
		.kind = DC_FD_UIO,
		.path = how == VIA_BRIDGE ? DC_IRQ_PATH_BRIDGE : DC_IRQ_PATH_URING,
		.cpu = cpu,
	};
	return dc_irq_from_fd_attr(uio->fd, &fa);
}

static void serve_n(enum how h)
{
	how = h;
	acked = counted = wrong_status = isr_err = isr_ready = 0;
	irq = make_irq();
	CHECK(irq >= 0, "%s: no Irq: %d", how_name[h], irq);
	if (irq < 0)
		return;
	long k0 = kernel_count();
	pthread_t t;
	pthread_create(&t, NULL, isr, NULL);
	while (!isr_ready && !isr_err)
		usleep(1000);
	uint64_t t0 = dc_now();
	for (int i = 0; i < n_irqs && !isr_err; i++) {
		uint32_t bit = 1u << (i % 32);
		raised = bit;
		wr(EDU_IRQ_RAISE, bit);
		/* One at a time: the next raise only after the ISR acknowledged this one. */
		uint64_t give_up = dc_now() + 5000000000ull;
		while (acked <= i && !isr_err && dc_now() < give_up)
			sched_yield();
		if (acked <= i) {
			CHECK(0, "%s: interrupt %d not served within 5 s", how_name[h], i);
			break;
		}
	}
	double secs = (double)(dc_now() - t0) / 1e9;
	pthread_join(t, NULL);
	long k1 = kernel_count();
	printf("%s: %d raised, %d counted, %d acknowledged in %.2f s; kernel counted %ld; "
	       "status now %#x\n", how_name[h], n_irqs, counted, acked, secs, k1 - k0,
	       rd(EDU_IRQ_STATUS));
	CHECK_EQ(isr_err, 0);
	CHECK_EQ(counted, n_irqs);
	CHECK_EQ(acked, n_irqs);
	CHECK_EQ(wrong_status, 0);
	CHECK_EQ(rd(EDU_IRQ_STATUS), 0);
	if (h == VIA_URING)
		CHECK_EQ(dc_irq_path_of(irq), DC_IRQ_PATH_URING);
	if (h == VIA_BRIDGE)
		CHECK_EQ(dc_irq_path_of(irq), DC_IRQ_PATH_BRIDGE);
	/* Polled, the line stays masked after the first: the kernel saw at most that one. */
	if (h != VIA_POLL)
		CHECK_EQ(k1 - k0, n_irqs);
	CHECK_EQ(dc_cap_close(irq), 0);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* Unbind the device while the ISR waits: the wait must end, with -ENODEV or -EBADF. */
static void removal(enum how h, const char *pci)
{
	how = h;
	n_irqs = 1 << 30;	/* the ISR waits until the device goes */
	acked = counted = isr_err = isr_ready = 0;
	irq = make_irq();
	CHECK(irq >= 0, "%s: no Irq: %d", how_name[h], irq);
	pthread_t t;
	pthread_create(&t, NULL, isr, NULL);
	while (!isr_ready)
		usleep(1000);
	usleep(200000);		/* waiting now */
	uint64_t t0 = dc_now();
	CHECK_EQ(write_str("/sys/bus/pci/drivers/uio_pci_generic/unbind", pci), 0);
	pthread_join(t, NULL);
	double ms = (double)(dc_now() - t0) / 1e6;
	printf("%s: device unbound while waiting: the wait returned %d (%s) after %.1f ms, "
	       "%d events before\n", how_name[h], isr_err, strerror(-isr_err), ms, counted);
	CHECK(isr_err == -ENODEV || isr_err == -EBADF, "%s: wait returned %d", how_name[h], isr_err);
	/*
	 * The io_uring path fires one event on the kernel's wake-up word before
	 * it reads the fd (docs/irq.md): the removal's wake-ups (2 seen with
	 * Linux 6.1) may count so, before the wait says -ENODEV.
	 */
	CHECK(counted <= (h == VIA_URING ? 2 : 0), "%s: %d events from a removed device",
	      how_name[h], counted);
	uint32_t n = 7;
	CHECK_EQ(dc_irq_wait(irq, dc_now() + 1000000, &n), -ENODEV);
	CHECK_EQ(n, 0);
	dc_cap_close(irq);
	dc_uio_close(uio);
	uio = NULL;
}

static void open_edu(int index)
{
	char name[16];
	snprintf(name, sizeof(name), "uio%d", index);
	int err = dc_uio_open(name, &uio);
	CHECK_EQ(err, 0);
	if (err)
		exit(test_done());
	/* Ours alone: the default Irq would read the same counter. */
	dc_cap_close(uio->irq);
	uio->irq = -1;
	/* 6.1's uio_pci_generic lists the memory BARs as maps; older ones leave it to us. */
	CHECK(uio->nmaps >= 1 && uio->map[0].size == 1u << 20, "BAR0 (1 MiB) not mapped (%d maps)",
	      uio->nmaps);
	CHECK(uio->pci_config_fd >= 0, "no PCI config space");
	regs = uio->map[0].addr;
}

int main(void)
{
	char pci[64];
	int index = find_edu(pci, sizeof(pci));
	if (index < 0)
		SKIP("no QEMU edu device on uio_pci_generic here (make check-vm runs this test in a "
		     "VM that has one)");
	cpu = test_decoupled_main();
	const char *env = getenv("DC_EDU_N");
	n_irqs = env ? atoi(env) : 10000;
	open_edu(index);
	printf("uio%d (%s, PCI %s): map0 \"%s\" %zu bytes at %#llx, id %#x, IRQ %d\n", index,
	       uio->name, pci, uio->map[0].name, uio->map[0].size, (unsigned long long)uio->map[0].phys, rd(EDU_ID),
	       uio->nirqs ? uio->irqs[0] : -1);
	CHECK_EQ(rd(EDU_ID) & 0xff, 0xed);
	wr(EDU_LIVENESS, 0x12345678);
	CHECK_EQ(rd(EDU_LIVENESS), ~0x12345678u);

	int n = n_irqs;
	for (enum how h = VIA_URING; h <= VIA_POLL; h++) {
		n_irqs = n;
		serve_n(h);
	}
	removal(VIA_URING, pci);
	/* Bound again, as a new uioN, for the bridge's turn. */
	CHECK_EQ(write_str("/sys/bus/pci/drivers/uio_pci_generic/bind", pci), 0);
	usleep(100000);
	index = find_edu(pci, sizeof(pci));
	CHECK(index >= 0, "the edu device did not come back on uio_pci_generic");
	if (index >= 0) {
		open_edu(index);
		removal(VIA_BRIDGE, pci);
	}
	return test_done();
}
