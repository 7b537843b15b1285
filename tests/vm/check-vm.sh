#!/usr/bin/env bash
# make check-vm: boot Debian's kernel under QEMU (TCG, 2 vCPUs, no network)
# with an initramfs of busybox, the UIO modules and this project's tests
# built static (BUILD, default build-vm), run tests/vm/tests.list inside
# (tests/vm/init) with QEMU's edu PCI device on uio_pci_generic, and print
# each result as a test line of the host's runner: "PASS vm/NAME", ...
# A boot that does not reach the tests within DC_VM_TIMEOUT seconds (default
# 300) fails, with the console log.  docs/testing.md tells how to run one
# test inside by hand.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build-vm}
timeout_s=${DC_VM_TIMEOUT:-300}
fail() { echo "FAIL vm/boot: $*"; exit 1; }

command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is not installed (scripts/install-deps.sh)"
[ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' ||
	fail "no static busybox (Debian's busybox-static; scripts/install-deps.sh)"
kdir=$("$here/kernel.sh" "$build/kernel") || fail "Debian's kernel package could not be unpacked"
kver=$(basename "$(ls -d "$kdir"/lib/modules/*/)")
vmlinuz=$kdir/boot/vmlinuz-$kver
[ -r "$vmlinuz" ] || fail "no $vmlinuz"

root=$build/vm-root
rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules,dc/tests}
cp /bin/busybox "$root/bin/busybox"
cp "$here/init" "$root/init"
for m in uio uio_pci_generic; do
	ko=$(find "$kdir/lib/modules/$kver" -name "$m.ko*" | head -1)
	[ -n "$ko" ] || fail "$m is not a module of $kver"
	case $ko in
	*.xz) xz -dc "$ko" > "$root/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$ko" > "$root/lib/modules/$m.ko" ;;
	*) cp "$ko" "$root/lib/modules/$m.ko" ;;
	esac
done
strip -o "$root/dc/decouple" "$build/decouple" || fail "no static $build/decouple"
# DC_VM_TESTS="a b": just these tests (docs/testing.md).
if [ -n "${DC_VM_TESTS:-}" ]; then
	printf '%s\n' $DC_VM_TESTS > "$root/dc/tests.list"
else
	grep -v -e '^#' -e '^$' "$here/tests.list" > "$root/dc/tests.list"
fi
while read -r t; do
	if [ -f "$build/tests/$t" ] && ! head -c 4 "$build/tests/$t" | grep -q ELF; then
		cp "$build/tests/$t" "$root/dc/tests/$t"	# a script
	else
		strip -o "$root/dc/tests/$t" "$build/tests/$t" || fail "no static $build/tests/$t"
	fi
done < "$root/dc/tests.list"
initrd=$build/vm-initrd.gz
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$initrd" || fail "cpio"

log=$build/vm-console.log
start=$(date +%s)
timeout -k 5 "$timeout_s" qemu-system-x86_64 -accel tcg,thread=multi -smp 2 -m 1536 ${DC_VM_CPU:+-cpu $DC_VM_CPU} \
	-nographic -no-reboot -nic none -device edu \
	-kernel "$vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3" </dev/null >"$log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
tr -d '\r' < "$log" > "$log.txt"
if ! grep -q 'dcvm: kernel' "$log.txt"; then
	echo "FAIL vm/boot: the VM did not reach the tests (qemu exit $rc after ${secs}s); console:"
	tail -40 "$log.txt" | sed 's/^/    /'
	exit 1
fi
grep -m1 -o 'dcvm: kernel.*' "$log.txt" | sed 's/^dcvm: /# vm: /'
sed -n 's/^dcvm: \(PASS\|FAIL\|SKIP\) \(.*\)$/\1 vm\/\2/p; s/^dcvm:     /    /p' "$log.txt"
if ! grep -q '^dcvm: done' "$log.txt"; then
	echo "FAIL vm/run: the VM stopped before its last test (qemu exit $rc after ${secs}s); console:"
	tail -40 "$log.txt" | sed 's/^/    /'
	exit 1
fi
echo "# vm: ${secs}s in QEMU"
