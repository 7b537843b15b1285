/* SPDX-License-Identifier: MIT */
/* decouple fwdbench: --help, bad options (exit 2), and a short run with every row. */
#include <stdio.h>

#include "harness.h"

static int run(const char *args, char *out, size_t len)
{
	return test_tool_output("fwdbench", args, out, len);
}

int main(void)
{
	static char out[16384];
	CHECK_EQ(run("--help", out, sizeof(out)), 0);
	CHECK(strstr(out, "usage: decouple fwdbench"), "help: %s", out);
	CHECK_EQ(run("--bogus", out, sizeof(out)), 2);
	CHECK(strstr(out, "usage: decouple fwdbench"), "no usage after a bad flag: %s", out);
	CHECK_EQ(run("--calls 0", out, sizeof(out)), 2);
	CHECK(strstr(out, "--calls"), "message: %s", out);
	CHECK_EQ(run("--prio 256", out, sizeof(out)), 2);
	CHECK_EQ(run("--cpu x", out, sizeof(out)), 2);
	CHECK_EQ(run("extra", out, sizeof(out)), 2);

	test_skip_decoupled_under_tsan();
	char args[64];
	snprintf(args, sizeof(args), "-c %d -n 2000 -r 2", test_rt_cpu());
	int rc = run(args, out, sizeof(out));
	if (rc == 1 && strstr(out, "Operation not permitted"))
		SKIP("no permission for SCHED_FIFO");
	CHECK_EQ(rc, 0);
	CHECK(strstr(out, "\nnative ") && strstr(out, "\nexplicit ") && strstr(out, "\ntrapped ") &&
	      strstr(out, "\ntrap-only "), "output: %s", out);
	CHECK(strstr(out, "2000 calls per path in 2 rounds"), "output: %s", out);
	fputs(out, stdout);
	return test_done();
}
