/* SPDX-License-Identifier: MIT */
/* Benchmark load: runs, is restarted when it ends, and leaves nothing behind. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>

#include "load.h"
#include "harness.h"

static int count_group(pid_t pgid)
{
	/* kill(-pgid, 0) says whether any member is left. */
	return kill(-pgid, 0) == 0;
}

int main(void)
{
	struct load l = { 0 };
	char tmpl[] = "/tmp/dc-load-XXXXXX";
	int fd = mkstemp(tmpl);
	CHECK(fd >= 0, "mkstemp");
	close(fd);

	/* A short command that the loop must restart: it appends a line each time. */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "echo x >> %s; sleep 0.05; sleep 30 & wait", tmpl);
	CHECK_EQ(load_start(&l, cmd), 0);
	pid_t pgid = l.pgid;
	CHECK(pgid > 0, "no process group");
	struct timespec ts = { 0, 300000000 };
	nanosleep(&ts, NULL);
	CHECK(count_group(pgid), "load is not running");
	CHECK_EQ(load_stop(&l), 0);
	CHECK(!count_group(pgid), "processes of the load survived");
	CHECK_EQ(l.pgid, 0);
	CHECK_EQ(load_stop(&l), 0);

	/* Restarted: a command that ends at once runs many times. */
	snprintf(cmd, sizeof(cmd), "echo x >> %s; sleep 0.02", tmpl);
	unlink(tmpl);
	CHECK_EQ(load_start(&l, cmd), 0);
	nanosleep(&ts, NULL);
	CHECK_EQ(load_stop(&l), 0);
	FILE *f = fopen(tmpl, "r");
	int lines = 0, c;
	while (f && (c = fgetc(f)) != EOF)
		lines += c == '\n';
	if (f)
		fclose(f);
	unlink(tmpl);
	CHECK(lines >= 3, "load ran %d times in 300 ms", lines);
	return test_done();
}
