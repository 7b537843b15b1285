/* SPDX-License-Identifier: MIT */
/* Warnings on stderr (Linux context only: they use stdio and errno). */
#ifndef DC_LOG_H
#define DC_LOG_H

#include <stdatomic.h>

void dc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dc_warn_once(_Atomic int *once, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
