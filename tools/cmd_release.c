/* SPDX-License-Identifier: MIT */
/* decouple release: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int cmd_release(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "decouple release: not implemented yet\n");
	return 2;
}
