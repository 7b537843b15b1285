/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON writer for the tools' reports.  It tracks nesting
 * and commas so that callers only name keys and values.  Keys are NULL
 * inside arrays and for the top-level value.
 */
#ifndef DC_TOOL_JSON_H
#define DC_TOOL_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];	/* nothing written yet at this level */
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
/* Non-finite doubles are written as null, which JSON can carry. */
void json_double(struct json *j, const char *key, double value);
void json_int(struct json *j, const char *key, long long value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
/*
 * text as the value, verbatim (less trailing blanks): a JSON document of
 * another tool, embedded.  The caller checks that it is valid JSON.
 */
void json_raw(struct json *j, const char *key, const char *text);

#endif
