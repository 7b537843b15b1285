/* SPDX-License-Identifier: MIT */
/* decouple: the command-line tool.  Dispatches to tools/cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "decouple.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "lat",     cmd_lat,     "wake-up latency of a decoupled thread (cyclictest's counterpart)" },
	{ "bench",   cmd_bench,   "the paper's evaluation: cyclictest vs decoupled, idle vs hackbench" },
	{ "isolate", cmd_isolate, "take CPUs away from Linux for real-time use" },
	{ "release", cmd_release, "give isolated CPUs back, restoring every saved setting" },
	{ "status",  cmd_status,  "show the partition and what still runs on its CPUs" },
	{ "noise",   cmd_noise,   "measure the noise floor of a CPU with a polling loop" },
	{ "irqlat",  cmd_irqlat,  "interrupt latency: decoupled ISR vs Linux thread vs cyclictest vs the floor" },
	{ "irqbench", cmd_irqbench, "Irq delivery latency: decoupled waiter vs Linux thread on an eventfd" },
	{ "fwdbench", cmd_fwdbench, "cost of a forwarded Linux system call: native, explicit, trapped" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: decouple COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`decouple COMMAND --help` describes each one.  See decouple(1).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("decouple %d.%d\n", DC_VERSION_MAJOR, DC_VERSION_MINOR);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "decouple: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
