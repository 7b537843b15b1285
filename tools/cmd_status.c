/* SPDX-License-Identifier: MIT */
/* decouple status: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int cmd_status(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "decouple status: not implemented yet\n");
	return 2;
}
