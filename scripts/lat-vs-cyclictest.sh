#!/usr/bin/env bash
# decouple lat against cyclictest, measured in one run (issue 2's figures):
#   (a) idle, unpartitioned:  -i 200 -l LOOPS, p50 ratio cyclictest / decouple
#   (b) hackbench -s 10000 -l 10000 on all CPUs, shared placement, -i 1000 for
#       SECONDS each: p50/p99 of both and the executive's polling CPU share.
#
#   flock /tmp/decouple-cpu1.lock scripts/lat-vs-cyclictest.sh [CPU [LOOPS [SECONDS]]]
#
# CPU defaults to 1, LOOPS to 10000, SECONDS to 20.  DECOUPLE names the tool
# (default build/decouple); OUT keeps the JSON files (default: a temporary
# directory, printed).  Needs root, cyclictest, hackbench and python3.
set -u
cpu=${1:-1}
loops=${2:-10000}
secs=${3:-20}
decouple=${DECOUPLE:-build/decouple}
out=${OUT:-$(mktemp -d /tmp/lat-vs-cyclictest.XXXXXX)}
mkdir -p "$out"
for t in cyclictest hackbench python3; do
	command -v $t >/dev/null || { echo "$t is missing (apt-get install rt-tests python3)" >&2; exit 2; }
done
[ -x "$decouple" ] || { echo "no $decouple: run make first" >&2; exit 2; }

load_pgid=
stop_load() {
	[ -n "$load_pgid" ] || return 0
	kill -TERM -- "-$load_pgid" 2>/dev/null
	sleep 0.5
	kill -KILL -- "-$load_pgid" 2>/dev/null
	wait "$load_pgid" 2>/dev/null
	load_pgid=
}
trap stop_load EXIT INT TERM

echo "results in $out"
echo "(a) idle, CPU $cpu, -i 200 -l $loops"
"$decouple" lat -a "$cpu" -p 99 -i 200 -l "$loops" -q --json="$out/a-decouple.json" >/dev/null || exit 1
cyclictest -m -a "$cpu" -p 99 -i 200 -l "$loops" -q -h 5000 --json="$out/a-cyclictest.json" >/dev/null || exit 1

echo "(b) hackbench -s 10000 -l 10000 on all CPUs, shared placement, -i 1000 -D $secs"
# Its own session, restarted when it ends: the whole group is killed afterwards.
setsid bash -c 'while :; do hackbench -s 10000 -l 10000 >/dev/null 2>&1; done' &
load_pgid=$!
sleep 2
"$decouple" lat -a "$cpu" -p 99 -i 1000 -D "$secs" -q --placement shared \
	--json="$out/b-decouple.json" >/dev/null || exit 1
cyclictest -m -a "$cpu" -p 99 -i 1000 -D "$secs" -q -h 20000 \
	--json="$out/b-cyclictest.json" >/dev/null || exit 1
stop_load

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]

def ct_pct(t, p):
    # cyclictest keeps 1 us buckets: the bucket holding the nearest-rank sample.
    need, acc = p * t["cycles"], 0
    for k in sorted(t["histogram"], key=int):
        acc += t["histogram"][k]
        if acc >= need:
            return float(k)
    return float(t["max"])

for run in "ab":
    d = json.load(open(f"{out}/{run}-decouple.json"))
    c = json.load(open(f"{out}/{run}-cyclictest.json"))
    dt, ct = d["thread"]["0"], c["thread"]["0"]
    ex = d["decouple"].get("executive", {})
    c50, c99 = ct_pct(ct, 0.50), ct_pct(ct, 0.99)
    print(f"({run}) decouple lat ({d['decouple']['placement']}): p50 {dt['p50_us']:.3f} us, "
          f"p99 {dt['p99_us']:.3f} us, p99.9 {dt['p999_us']:.3f} us, max {dt['max_us']:.1f} us, "
          f"executive busy {ex.get('cpu_percent', 0):.1f}% (polling {ex.get('spin_percent', 0):.1f}%)")
    print(f"    cyclictest:               p50 {c50:.0f} us, p99 {c99:.0f} us, max {ct['max']} us "
          f"(1 us buckets)")
    print(f"    p50 ratio {c50 / max(dt['p50_us'], 0.001):.0f}, p99 ratio {c99 / max(dt['p99_us'], 0.001):.1f}")
PY
