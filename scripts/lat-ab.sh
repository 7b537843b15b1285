#!/usr/bin/env bash
# Two variants of decouple lat side by side: dedicated placement on the
# isolated CPU under hackbench, alternating, ROUNDS times.  A variant is
# LABEL=ASSIGNMENTS, run as `env ASSIGNMENTS $DECOUPLE lat ...`; DECOUPLE=PATH
# among the assignments picks another build.
#   flock /tmp/decouple-cpu1.lock scripts/lat-ab.sh CPU ROUNDS SECONDS A B
# e.g. 'lead-0=DC_TIMER_LEAD_NS=0' 'lead-default=', or
#      'old=DECOUPLE=/tmp/old/build/decouple' 'new='
# Needs root, hackbench.  Prints p50/p90/p99/p99.9 in ns of each run.
set -u
if [ $# -ne 5 ]; then
	echo "usage: $0 CPU ROUNDS SECONDS LABEL=ASSIGNMENTS LABEL=ASSIGNMENTS" >&2
	exit 2
fi
cpu=$1; rounds=$2; secs=$3; shift 3
decouple=${DECOUPLE:-build/decouple}
tmp=$(mktemp -d /tmp/lat-ab.XXXXXX)
"$decouple" isolate --cpus "$cpu" >/dev/null || exit 1
( while :; do hackbench -s 10000 -l 10000 >/dev/null 2>&1; done ) & load=$!
cleanup() { kill $load 2>/dev/null; pkill hackbench; sleep 1; pkill -9 hackbench; "$decouple" release >/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
sleep 1
pct() { sort -n "$1" | awk '{a[NR]=$1} END{printf "p50 %d  p90 %d  p99 %d  p99.9 %d ns (%d samples)\n", a[int(NR*.5)], a[int(NR*.9)], a[int(NR*.99)], a[int(NR*.999)], NR}'; }
for r in $(seq "$rounds"); do
	for variant in "$@"; do
		label=${variant%%=*}
		# The variant's assignments may replace DECOUPLE, so the binary is
		# named inside the child; the assignments split on purpose.
		# shellcheck disable=SC2086
		env DECOUPLE="$decouple" ${variant#*=} sh -c '"$DECOUPLE" "$@"' lat lat -a "$cpu" -p 99 -i 1000 \
			-D "$secs" -q --placement dedicated --samples "$tmp/s" >/dev/null 2>&1 ||
			{ echo "lat failed ($label)"; exit 1; }
		printf "round %d, %-14s " "$r" "$label"; pct "$tmp/s"
	done
done
