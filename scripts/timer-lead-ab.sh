#!/usr/bin/env bash
# The timer lead's effect, side by side: decouple lat on the isolated CPU under
# hackbench, alternating DC_TIMER_LEAD_NS=0 and the default, ROUNDS times.
#   flock /tmp/decouple-cpu1.lock scripts/timer-lead-ab.sh [CPU [ROUNDS [SECONDS]]]
# Needs root, hackbench.  Prints p50/p90/p99/p99.9 in ns of each run.
exec "$(dirname "$0")/lat-ab.sh" "${1:-1}" "${2:-2}" "${3:-5}" 'lead-0=DC_TIMER_LEAD_NS=0' 'lead-default='
