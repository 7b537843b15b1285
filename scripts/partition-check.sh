#!/usr/bin/env bash
# Issue 5's acceptance by hand: --dry-run changes nothing, isolate leaves no
# user thread allowed on the CPU, release restores every value byte for byte.
#   flock /tmp/decouple-cpu1.lock scripts/partition-check.sh [CPU]
# Needs root.  DECOUPLE names the tool (default build/decouple).
set -u
cpu=${1:-1}
decouple=${DECOUPLE:-build/decouple}
tmp=$(mktemp -d /tmp/partition-check.XXXXXX)
snap() {
	for f in /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/cpuset/*/cpuset.cpus \
		 /sys/fs/cgroup/cpuset.cpus.effective /sys/fs/cgroup/*/cpuset.cpus \
		 /proc/irq/*/smp_affinity /proc/irq/default_smp_affinity \
		 /sys/devices/virtual/workqueue/cpumask /proc/sys/kernel/sched_rt_runtime_us; do
		[ -f "$f" ] && { echo "== $f"; cat "$f" 2>/dev/null; }
	done
}
fail=0
snap > "$tmp/before"
"$decouple" isolate --cpus "$cpu" --dry-run > "$tmp/dry.log" 2>&1 || { echo "dry-run failed"; fail=1; }
snap > "$tmp/dry"
cmp -s "$tmp/before" "$tmp/dry" && echo "dry-run: nothing changed" || { echo "dry-run CHANGED settings"; fail=1; }
"$decouple" isolate --cpus "$cpu" > "$tmp/isolate.log" 2>&1 || { echo "isolate failed: $(tail -1 "$tmp/isolate.log")"; exit 1; }
"$decouple" status | sed -n '/threads allowed/,/user threads/p'
"$decouple" release > "$tmp/release.log" 2>&1 || { echo "release failed"; fail=1; }
snap > "$tmp/after"
if cmp -s "$tmp/before" "$tmp/after"; then
	echo "after release: $(grep -c '^==' "$tmp/before") files byte-identical"
else
	echo "after release: settings differ:"; diff "$tmp/before" "$tmp/after" | head; fail=1
fi
rm -rf "$tmp"
exit $fail
