#!/bin/sh
# gen-profiles.sh - write the AppArmor profiles for an install layout.
#
#   apparmor/gen-profiles.sh SRCDIR OUTDIR SBINDIR HELPERDIR SYSCONFDIR
#
# SRCDIR is the apparmor/ source directory; OUTDIR receives p9guard and
# p9guard-helper with the binaries' installed paths filled in (HELPERDIR is
# the directory holding p9guard-helper, $(pkglibexecdir)).  The
# tunable and the abstraction they include are used from SRCDIR as they
# are.  Used by `make` (apparmor/apparmor.am) and tests/policy/run.sh.
set -eu

[ $# -eq 5 ] || { echo "usage: $0 SRCDIR OUTDIR SBINDIR HELPERDIR SYSCONFDIR" >&2; exit 2; }
src=$1 out=$2 sbindir=$3 helperdir=$4 sysconfdir=$5

for d in "$sbindir" "$helperdir" "$sysconfdir"; do
	case $d in
	/*) ;;
	*) echo "$0: '$d' is not an absolute path" >&2; exit 2 ;;
	esac
	case $d in
	*'|'* | *'&'* | *[[:space:]]* | *'\'*)
		echo "$0: '$d': a character a profile path cannot hold unquoted" >&2; exit 2 ;;
	esac
done

mkdir -p "$out"
for name in p9guard p9guard-helper; do
	sed -e "s|@SBINDIR@|$sbindir|g" -e "s|@HELPERDIR@|$helperdir|g" \
	    -e "s|@SYSCONFDIR@|$sysconfdir|g" "$src/$name.in" > "$out/$name.tmp"
	mv "$out/$name.tmp" "$out/$name"
done
