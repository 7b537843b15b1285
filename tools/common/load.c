/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "load.h"

int load_start(struct load *l, const char *cmd)
{
	char loop[1024];
	/* Restart the load when it finishes, so it covers the whole window. */
	if (snprintf(loop, sizeof(loop), "while :; do %s >/dev/null 2>&1; done", cmd) >= (int)sizeof(loop))
		return -ENAMETOOLONG;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setpgid(0, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl("/bin/sh", "sh", "-c", loop, (char *)NULL);
		_exit(127);
	}
	/* Also from the parent: no window in which the group does not exist. */
	setpgid(pid, pid);
	l->pgid = pid;
	return 0;
}

static int group_alive(pid_t pgid)
{
	return kill(-pgid, 0) == 0;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int load_stop(struct load *l)
{
	if (!l->pgid)
		return 0;
	kill(-l->pgid, SIGTERM);
	for (int i = 0; i < 50 && group_alive(l->pgid); i++) {
		while (waitpid(-l->pgid, NULL, WNOHANG) > 0)
			;
		pause_ms(20);
	}
	if (group_alive(l->pgid))
		kill(-l->pgid, SIGKILL);
	for (int i = 0; i < 100 && group_alive(l->pgid); i++) {
		while (waitpid(-l->pgid, NULL, WNOHANG) > 0)
			;
		pause_ms(10);
	}
	while (waitpid(-l->pgid, NULL, WNOHANG) > 0)
		;
	int left = group_alive(l->pgid);
	l->pgid = 0;
	return left;
}
