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
