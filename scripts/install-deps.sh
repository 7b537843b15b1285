#!/usr/bin/env bash
# Install what building, testing and benchmarking need (Debian packages).
# Idempotent: installs only what is missing.  Needs root for apt-get.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have gcc       || need+=(gcc)
have make      || need+=(make)
have clang     || need+=(clang)
have cyclictest || need+=(rt-tests)
have hackbench || need+=(rt-tests)
have gnuplot   || need+=(gnuplot-nox)
have python3   || need+=(python3)
[ -e /usr/include/liburing.h ] || need+=(liburing-dev)
# make check-vm: QEMU, a static busybox and cpio for its initramfs (Debian's
# kernel package itself is fetched by tests/vm/kernel.sh, unpacked, not installed).
if [ "$(uname -m)" = x86_64 ]; then
	have qemu-system-x86_64 || need+=(qemu-system-x86)
	[ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q static || need+=(busybox-static)
	have cpio || need+=(cpio)
	have file || need+=(file)
fi
if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages (${need[*]}); run as root or: apt-get install ${need[*]}" >&2
	exit 2
fi
echo "install-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u) >/dev/null
