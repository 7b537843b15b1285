/* SPDX-License-Identifier: MIT */
/* decouple noise: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int cmd_noise(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "decouple noise: not implemented yet\n");
	return 2;
}
