/* SPDX-License-Identifier: MIT */
/* decouple bench: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int cmd_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "decouple bench: not implemented yet\n");
	return 2;
}
