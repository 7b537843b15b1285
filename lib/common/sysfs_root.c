/* SPDX-License-Identifier: MIT */
/* Where sysfs is: $DC_SYSFS_ROOT, else $DC_SYSROOT/sys (tests use fake trees). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "partition.h"

int dc_sysfs_path(char *buf, size_t len, const char *rel)
{
	const char *root = getenv("DC_SYSFS_ROOT");
	int n;
	if (root && *root)
		n = snprintf(buf, len, "%s%s", root, rel);
	else
		n = snprintf(buf, len, "%s/sys%s", dc_sysroot(), rel);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
