/* SPDX-License-Identifier: MIT */
/* decouple irqbench: --help, bad options (exit 2), and a short run that counts exactly. */
#include <stdio.h>

#include "harness.h"

static int run(const char *args, char *out, size_t len)
{
	return test_tool_output("irqbench", args, out, len);
}

int main(void)
{
	static char out[65536];
	CHECK_EQ(run("--help", out, sizeof(out)), 0);
	CHECK(strstr(out, "usage: decouple irqbench"), "help: %s", out);
	CHECK_EQ(run("--bogus", out, sizeof(out)), 2);
	CHECK_EQ(run("--samples 0", out, sizeof(out)), 2);
	CHECK(strstr(out, "--samples"), "message: %s", out);
	CHECK_EQ(run("--cpu x", out, sizeof(out)), 2);
	CHECK_EQ(run("extra", out, sizeof(out)), 2);

	test_skip_decoupled_under_tsan();
	char args[64];
	snprintf(args, sizeof(args), "-c %d -n 200 -i 100 -t 100000", test_rt_cpu());
	int rc = run(args, out, sizeof(out));
	if (rc == 1 && strstr(out, "Operation not permitted"))
		SKIP("no permission for SCHED_FIFO");
	CHECK_EQ(rc, 0);
	CHECK(strstr(out, "decoupled (dc_irq_wait)") && strstr(out, "Linux FIFO 99 eventfd"),
	      "output: %s", out);
	CHECK(strstr(out, "100000 counted by the decoupled waiter") && strstr(out, ": exact"),
	      "output: %s", out);
	fputs(out, stdout);
	return test_done();
}
