/* SPDX-License-Identifier: MIT */
/* Capabilities: invalid, closed, stale and double-closed caps all fail with -EBADF. */
#include <errno.h>
#include <stdint.h>

#include "decouple.h"
#include "decouple-io.h"
#include "harness.h"

int main(void)
{
	uint32_t n = 77;
	CHECK_EQ(dc_irq_trigger(-1), -EBADF);
	CHECK_EQ(dc_irq_trigger(123456), -EBADF);
	CHECK_EQ(dc_irq_wait(-5, 0, &n), -EBADF);
	CHECK_EQ(dc_cap_close(-1), -EBADF);
	CHECK_EQ(dc_cap_close(4095), -EBADF);
	CHECK_EQ(dc_irq_attach(77, 1), -EBADF);
	CHECK_EQ(dc_irq_pending(77), -EBADF);

	dc_cap_t a = dc_irq_create();
	CHECK(a >= 0 && a < 4096, "first cap %d is not a small index", a);
	CHECK_EQ(dc_irq_trigger(a), 0);
	CHECK_EQ(dc_irq_pending(a), 1);
	CHECK_EQ(dc_cap_close(a), 0);
	CHECK_EQ(dc_cap_close(a), -EBADF);		/* double close */
	CHECK_EQ(dc_irq_trigger(a), -EBADF);		/* closed */
	CHECK_EQ(dc_irq_wait(a, 0, &n), -EBADF);
	CHECK_EQ(n, 0);

	/* Cycle every entry of the table: a's entry is reused, a stays stale. */
	int distinct_stale = 1;
	for (int i = 0; i < 10000; i++) {
		dc_cap_t c = dc_irq_create();
		CHECK(c >= 0, "create %d: %d", i, c);
		if (c == a)
			distinct_stale = 0;
		CHECK_EQ(dc_cap_close(c), 0);
	}
	CHECK(distinct_stale, "a closed cap was handed out again");
	CHECK_EQ(dc_irq_trigger(a), -EBADF);

	/* Many open at once, each its own object. */
	enum { N = 1000 };
	static dc_cap_t caps[N];
	for (int i = 0; i < N; i++) {
		caps[i] = dc_irq_create();
		CHECK(caps[i] >= 0, "create %d: %d", i, caps[i]);
		for (int k = 0; k <= i % 3; k++)
			dc_irq_trigger(caps[i]);
	}
	for (int i = 0; i < N; i++) {
		CHECK_EQ(dc_irq_wait(caps[i], 0, &n), 0);
		CHECK_EQ(n, i % 3 + 1);
		CHECK_EQ(dc_cap_close(caps[i]), 0);
	}
	return test_done();
}
