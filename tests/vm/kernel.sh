#!/usr/bin/env bash
# Unpack Debian's kernel package for check-vm into DIR (default
# build-vm/kernel) and print the directory that holds vmlinuz and
# lib/modules.  The package is fetched with apt-get download and unpacked
# with dpkg-deb: a kernel for the VM, not one installed into this host's /boot.
set -euo pipefail
dir=${1:-build-vm/kernel}
meta=linux-image-amd64
pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$pkg" ]; then
	apt-get update -qq >&2
	pkg=$(apt-cache depends "$meta" | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
[ -n "$pkg" ] || { echo "kernel.sh: apt knows no $meta" >&2; exit 1; }
out=$dir/$pkg
if [ ! -e "$out/.unpacked" ]; then
	mkdir -p "$dir"
	tmp=$(mktemp -d "$dir/dl.XXXXXX")
	# _apt cannot write into our tree: download into a world-writable temp dir.
	chmod 777 "$tmp"
	(cd "$tmp" && apt-get download -qq "$pkg" >&2) ||
		(apt-get update -qq >&2 && cd "$tmp" && apt-get download -qq "$pkg" >&2)
	rm -rf "$out"
	dpkg-deb -x "$tmp"/"$pkg"_*.deb "$out"
	rm -rf "$tmp"
	touch "$out/.unpacked"
fi
echo "$out"
