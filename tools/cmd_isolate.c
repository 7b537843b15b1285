/* SPDX-License-Identifier: MIT */
/* decouple isolate: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int cmd_isolate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "decouple isolate: not implemented yet\n");
	return 2;
}
