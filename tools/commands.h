/* SPDX-License-Identifier: MIT */
/* The subcommands of the decouple tool: one file each, tools/cmd_NAME.c. */
#ifndef DC_TOOL_COMMANDS_H
#define DC_TOOL_COMMANDS_H

/* Each returns the process exit status: 0 ok, 1 failure, 2 usage error. */
int cmd_lat(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_isolate(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_noise(int argc, char **argv);
int cmd_irqlat(int argc, char **argv);
int cmd_irqbench(int argc, char **argv);
int cmd_fwdbench(int argc, char **argv);

#endif
