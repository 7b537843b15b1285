#!/usr/bin/env bash
# The layering test: every symbol an object of the library or the tool
# references must be defined in its own part or in a part that
# tests/layering/rules lets it use.  Reads the objects of one build:
#   tests/layering/check.sh [BUILD_DIR]    (default: $DC_BUILD_DIR, else build)
# Exit 0 when the tree keeps its layers, 1 with one line per offending
# reference otherwise.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
rules=${DC_LAYERING_RULES:-$here/rules}
build=${1:-${DC_BUILD_DIR:-build}}
case $build in /*) ;; *) build=$top/$build ;; esac
obj=$build/obj
[ -d "$obj/lib" ] || { echo "no objects under $obj: build first"; exit 1; }
cd "$top" || exit 1

# part of an object: the longest PART of the rules that prefixes its source path
parts=$(awk '!/^#/ && NF && $1 != "api" { print $1 }' "$rules" | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2)
api_headers=$(awk '$1 == "api" { $1 = ""; print }' "$rules")
part_of() {
	local src=$1 p
	for p in $parts; do
		case $src in "$p"/*) echo "$p"; return ;; esac
	done
	echo "?"
}

defs=$(mktemp) refs=$(mktemp) api=$(mktemp)
trap 'rm -f "$defs" "$refs" "$api"' EXIT
while IFS= read -r o; do
	src=${o#"$obj"/}
	src=${src%.o}
	part=$(part_of "$src")
	nm --defined-only "$o" | awk -v p="$part" -v s="$src" '$2 ~ /^[TDBRVW]$/ { print $3, p, s }' >>"$defs"
	nm -u "$o" | awk -v p="$part" -v s="$src" '{ print $2, p, s }' >>"$refs"
done < <(find "$obj" -name '*.o' | sort)
# The functions the API headers declare.
for h in $api_headers; do
	grep -oE '\b[a-z_][a-z0-9_]*[[:space:]]*\(' "$h" | tr -d ' \t(' 
done | sort -u >"$api"

awk -v rules="$rules" -v apifile="$api" '
BEGIN {
	while ((getline line < rules) > 0) {
		if (line ~ /^#/ || line !~ /[^ \t]/) continue
		n = split(line, w, /[ \t]+/)
		if (w[1] == "api") continue
		known[w[1]] = 1
		for (i = 2; i <= n; i++) uses[w[1], w[i]] = 1
	}
	while ((getline s < apifile) > 0) api[s] = 1
}
FNR == NR { def[$1] = $2; next }
{
	sym = $1; part = $2; src = $3
	if (!(part in known)) { printf "%s: in no part of the rules\n", src; bad++; next }
	if (!(sym in def)) next			# libc, libpthread, the compiler
	d = def[sym]
	if (d == part || (part, d) in uses) next
	if ((part, "lib-api") in uses && d ~ /^lib\// && (sym in api)) next
	printf "%s (%s) references %s, defined in %s: not allowed by the rules\n", src, part, sym, d
	bad++
}
END { exit bad ? 1 : 0 }' "$defs" "$refs"
rc=$?
nobj=$(find "$obj" -name '*.o' | wc -l)
if [ $rc -eq 0 ]; then
	echo "layering: $nobj objects keep the layers of $(basename "$rules")"
else
	echo "layering: the tree breaks its layers (rules: $rules)"
fi
exit $rc
