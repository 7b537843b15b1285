/* SPDX-License-Identifier: MIT */
/* decouple lat: placeholder until its issue lands. */
#include <stdio.h>

#include "commands.h"

int cmd_lat(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "decouple lat: not implemented yet\n");
	return 2;
}
