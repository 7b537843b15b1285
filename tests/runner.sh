#!/usr/bin/env bash
# Run every test program of one or more build directories and print one
# closing line: "N passed, N failed, N skipped".
#   tests/runner.sh DIR[:SANITIZER] ... [@vm:VMBUILD]
# @vm:VMBUILD boots the static tests of VMBUILD in QEMU (tests/vm/check-vm.sh)
# and counts each of their lines as a test.
# A test exits 0 (pass), 77 (skip, with its reason on stdout) or anything
# else (fail).  DC_TEST_TIMEOUT (seconds, default 240) bounds each one.
set -u
passed=0 failed=0 skipped=0
failures=()
timeout_s=${DC_TEST_TIMEOUT:-240}
# The lines of tests/vm/check-vm.sh (PASS/FAIL/SKIP vm/NAME ...), counted here.
run_vm() {
	local out line
	out=$(mktemp)
	"$(dirname "$0")/vm/check-vm.sh" "$1" > "$out" 2>&1
	local rc=$?
	while IFS= read -r line; do
		echo "$line"
		case $line in
		"PASS "*) passed=$((passed + 1)) ;;
		"SKIP "*) skipped=$((skipped + 1)) ;;
		"FAIL "*) failed=$((failed + 1)); name=${line#FAIL }; failures+=("${name%% *}") ;;
		esac
	done < "$out"
	if [ $rc != 0 ] && ! grep -q '^FAIL ' "$out"; then
		failed=$((failed + 1)); failures+=("vm"); echo "FAIL vm: check-vm.sh exited $rc"
	fi
	rm -f "$out"
}

for spec in "$@"; do
	if [ "${spec#@vm:}" != "$spec" ]; then
		run_vm "${spec#@vm:}"
		continue
	fi
	dir=${spec%%:*}
	san=""
	[ "$spec" != "$dir" ] && san=${spec#*:}
	for t in "$dir"/tests/*; do
		[ -x "$t" ] || continue
		name="${san:+$san/}$(basename "$t")"
		log=$(mktemp)
		start=$(date +%s.%N)
		DC_TEST_SANITIZER=$san DC_BUILD_DIR=$dir timeout -k 10 "$timeout_s" "$t" >"$log" 2>&1
		rc=$?
		secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
		case $rc in
		0)  passed=$((passed + 1)); echo "PASS $name (${secs}s)" ;;
		77) skipped=$((skipped + 1)); echo "SKIP $name: $(grep -m1 '^skip:' "$log" | cut -c7-)" ;;
		*)  failed=$((failed + 1)); failures+=("$name")
		    [ $rc = 124 ] && echo "FAIL $name: timed out after ${timeout_s}s" || echo "FAIL $name (exit $rc, ${secs}s)"
		    sed 's/^/    /' "$log" | tail -40 ;;
		esac
		rm -f "$log"
	done
done
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
