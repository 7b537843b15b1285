/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_read.h"

/* Deeper than any report: a guard against a hostile or broken file. */
#define MAX_DEPTH 64

static const char *blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* p at '"': past the closing quote, or NULL. */
static const char *skip_string(const char *p)
{
	for (p++; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;	/* end of text, or an unescaped control character */
		if (*p == '\\' && !*++p)
			return NULL;
	}
	return p + 1;
}

static const char *skip_digits(const char *p, bool need_one)
{
	const char *s = p;
	while (*p >= '0' && *p <= '9')
		p++;
	return need_one && p == s ? NULL : p;
}

/* JSON's number grammar; strtod alone would take "inf", hex and more. */
static const char *skip_number(const char *p)
{
	if (*p == '-')
		p++;
	if (!(p = skip_digits(p, true)))
		return NULL;
	if (*p == '.' && !(p = skip_digits(p + 1, true)))
		return NULL;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		p = skip_digits(p, true);
	}
	return p;
}

static const char *skip_word(const char *p, const char *w)
{
	size_t n = strlen(w);
	return strncmp(p, w, n) ? NULL : p + n;
}

static const char *skip_value(const char *p, int depth);

/* p at '{' or '[': past the matching close, or NULL. */
static const char *skip_container(const char *p, int depth)
{
	char close = *p == '{' ? '}' : ']';
	p = blanks(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if (*p != '"' || !(p = skip_string(p)))
				return NULL;
			p = blanks(p);
			if (*p++ != ':')
				return NULL;
		}
		if (!(p = skip_value(p, depth + 1)))
			return NULL;
		p = blanks(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = blanks(p);
	}
}

/* Past the value that starts at p (after blanks), or NULL when it is not one. */
static const char *skip_value(const char *p, int depth)
{
	if (depth > MAX_DEPTH)
		return NULL;
	p = blanks(p);
	switch (*p) {
	case '"': return skip_string(p);
	case '{': case '[': return skip_container(p, depth);
	case 't': return skip_word(p, "true");
	case 'f': return skip_word(p, "false");
	case 'n': return skip_word(p, "null");
	default: return skip_number(p);
	}
}

bool json_valid(const char *doc)
{
	const char *end = skip_value(doc, 0);
	return end && !*blanks(end);
}

/* In the object at p, the value of key (len bytes, compared as written), or NULL. */
static const char *member(const char *p, const char *key, size_t len)
{
	p = blanks(p);
	if (*p != '{')
		return NULL;
	p = blanks(p + 1);
	while (*p == '"') {
		const char *k = p + 1, *end = skip_string(p);
		if (!end)
			return NULL;
		bool match = (size_t)(end - 1 - k) == len && !strncmp(k, key, len);
		p = blanks(end);
		if (*p++ != ':')
			return NULL;
		p = blanks(p);
		if (match)
			return p;
		if (!(p = skip_value(p, 0)))
			return NULL;
		p = blanks(p);
		if (*p != ',')
			return NULL;
		p = blanks(p + 1);
	}
	return NULL;
}

const char *json_lookup(const char *doc, const char *path)
{
	const char *p = doc;
	for (;;) {
		size_t len = strcspn(path, ".");
		if (!(p = member(p, path, len)))
			return NULL;
		if (!path[len])
			return p;
		path += len + 1;
	}
}

double json_number(const char *doc, const char *path)
{
	const char *v = json_lookup(doc, path);
	if (!v || !skip_number(v))
		return NAN;
	return strtod(v, NULL);
}

int json_boolean(const char *doc, const char *path)
{
	const char *v = json_lookup(doc, path);
	if (v && skip_word(v, "true"))
		return 1;
	if (v && skip_word(v, "false"))
		return 0;
	return -1;
}
