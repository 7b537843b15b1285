/* SPDX-License-Identifier: MIT */
/*
 * Test-only interleaving points.  The rare interleavings of the lifetime and
 * preemption protocols (docs/internals.md) are made to happen by tests that
 * define dc_test_point(): the library references it weakly, so in every
 * other program it is NULL and a point costs a load and a branch.  None sits
 * on the executive's loop, the sleep spin or the Irq wait.
 */
#ifndef DC_TESTPOINT_H
#define DC_TESTPOINT_H

enum dc_test_point {
	DC_TP_FWD_POSTED = 1,	/* decoupled side: request published, not yet blocked */
	DC_TP_FWD_ANSWERING,	/* Linux context: `done` set, the wake-up not yet posted */
	DC_TP_EP_LOCKED,	/* wait_any.c detach(): holding the endpoint's lock */
	DC_TP_CLOCK_STORE,	/* clock.c: in the middle of publishing a new map */
};

extern void dc_test_point(int where) __attribute__((weak));

#define DC_TEST_POINT(where) do {			\
	if (__builtin_expect(dc_test_point != 0, 0))	\
		dc_test_point(where);			\
} while (0)

#endif
