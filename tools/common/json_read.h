/* SPDX-License-Identifier: MIT */
/*
 * Just enough JSON reading for `decouple bench` to check and embed the
 * reports of its child tools (irqbench, fwdbench) and to quote a few of
 * their numbers.  No allocation: values are found in place.
 */
#ifndef DC_TOOL_JSON_READ_H
#define DC_TOOL_JSON_READ_H

#include <stdbool.h>

/* Whether doc is one complete JSON value, with nothing but blanks around it. */
bool json_valid(const char *doc);

/*
 * The value at a dot-separated path of object keys ("idle.linux.p50_us") in
 * a valid document: a pointer to its first character, or NULL when a key is
 * missing or a step is not an object.  Keys with dots cannot be named.
 */
const char *json_lookup(const char *doc, const char *path);

/* The number at path; NaN when it is missing, null or not a number. */
double json_number(const char *doc, const char *path);

/* 1 or 0 for true or false at path; -1 otherwise. */
int json_boolean(const char *doc, const char *path);

#endif
