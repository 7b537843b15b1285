#!/usr/bin/env bash
# The timer lead's effect, side by side: decouple lat on the isolated CPU under
# hackbench, alternating DC_TIMER_LEAD_NS=0 and the default, ROUNDS times.
#   flock /tmp/decouple-cpu1.lock scripts/timer-lead-ab.sh [CPU [ROUNDS [SECONDS]]]
# Needs root, hackbench.  Prints p50/p99/p99.9 in ns of each run.
set -u
cpu=${1:-1}; rounds=${2:-2}; secs=${3:-5}
decouple=${DECOUPLE:-build/decouple}
tmp=$(mktemp -d /tmp/timer-lead.XXXXXX)
"$decouple" isolate --cpus "$cpu" >/dev/null || exit 1
( while :; do hackbench -s 10000 -l 10000 >/dev/null 2>&1; done ) & load=$!
cleanup() { kill $load 2>/dev/null; pkill hackbench; sleep 1; pkill -9 hackbench; "$decouple" release >/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
sleep 1
pct() { sort -n "$1" | awk '{a[NR]=$1} END{printf "p50 %d  p99 %d  p99.9 %d ns (%d samples)\n", a[int(NR*.5)], a[int(NR*.99)], a[int(NR*.999)], NR}'; }
for r in $(seq "$rounds"); do
	for lead in 0 default; do
		if [ $lead = 0 ]; then env=DC_TIMER_LEAD_NS=0; else env=DC_UNUSED=1; fi
		env $env "$decouple" lat -a "$cpu" -p 99 -i 1000 -D "$secs" -q --placement dedicated \
			--samples "$tmp/s" >/dev/null 2>&1 || { echo "lat failed"; exit 1; }
		printf "round %d, lead %-7s " "$r" "$lead"; pct "$tmp/s"
	done
done
