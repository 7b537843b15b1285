/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_run.h"
#include "partition.h"

double bench_elapsed(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

/* In the child after fork (bench has one thread, so stdio-free library calls are safe). */
static void child(char *const argv[], int fd, int admit_cpu)
{
	/*
	 * Its own group: a terminal's Ctrl-C reaches bench alone, which stops
	 * the measurement itself and keeps what it measured so far.
	 */
	setpgid(0, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
	if (admit_cpu >= 0) {
		int err = dc_partition_admit(admit_cpu, (int)getpid());
		if (err) {
			static const char msg[] = "decouple bench: cannot enter the real-time cpuset\n";
			(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
			_exit(126);
		}
	}
	execvp(argv[0], argv);
	static const char msg[] = "decouple bench: cannot execute the measuring program\n";
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(127);
}

int bench_spawn(struct bench_child *c, char *const argv[], const char *out_path, int admit_cpu)
{
	int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	fflush(NULL);
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	if (pid == 0)
		child(argv, fd, admit_cpu);
	setpgid(pid, pid);	/* also here: the group exists before we may signal it */
	close(fd);
	c->pid = pid;
	return 0;
}

void bench_wait(struct bench_child *c, volatile sig_atomic_t *stop, double timeout_s,
		void (*tick)(void *ctx, double elapsed), void *ctx, struct bench_outcome *o)
{
	struct rusage ru;
	int ws = 0;
	double killed_at = -1;
	memset(o, 0, sizeof(*o));
	for (;;) {
		/* Seen ended but not reaped: its pid, the group's id, is still ours. */
		siginfo_t si = { 0 };
		int r = waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT);
		if ((r == 0 && si.si_pid == c->pid) || (r < 0 && errno != EINTR))
			break;
		double t = bench_elapsed(&c->start);
		if (killed_at < 0 && ((stop && *stop) || t > timeout_s)) {
			kill(-c->pid, SIGTERM);
			killed_at = t;
			o->stopped = true;
		} else if (killed_at >= 0 && t > killed_at + 2.0) {
			kill(-c->pid, SIGKILL);
		}
		if (tick)
			tick(ctx, t);
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	/* Whatever the measuring program left behind in its group goes too. */
	kill(-c->pid, SIGKILL);
	memset(&ru, 0, sizeof(ru));
	while (wait4(c->pid, &ws, 0, &ru) < 0 && errno == EINTR)
		;
	o->wall_s = bench_elapsed(&c->start);
	o->cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		   (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	o->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 1;
	c->pid = 0;
}

int bench_run_simple(char *const argv[], const char *out_path)
{
	struct bench_child c;
	struct bench_outcome o;
	if (bench_spawn(&c, argv, out_path, -1))
		return 127;
	bench_wait(&c, NULL, 1e9, NULL, NULL, &o);
	return o.status;
}
