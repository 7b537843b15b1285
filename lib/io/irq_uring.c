/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "io.h"

int dc_uring_add(struct dc_irq *irq, int fd, enum dc_fd_kind kind, int cpu)
{
	(void)irq; (void)fd; (void)kind; (void)cpu;
	return -EOPNOTSUPP;
}
