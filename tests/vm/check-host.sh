#!/bin/bash
# check-host.sh — after a guest run, compare what the guest created with the
# host's own view of the export.
#
#   tests/vm/check-host.sh EXPORT
#
# The guest suite writes EXPORT/p9g-test/{root,u4711,u4712}/MANIFEST, one
# line per node it created and verified itself:
#     TYPE PERM UID GID EXTRA PATH
# TYPE f d l c b p s; PERM octal incl. setuid/setgid/sticky; EXTRA is the
# size (f), major:minor (c, b), the hex of the link text (l), or "-"; PATH
# is relative to the export root. Type T lines carry the mtime the guest
# saw, "SEC.NSEC" in EXTRA, compared with the host's to the nanosecond.
# Owners, groups and modes must be exactly
# the guest's — a server that creates as root and chowns later, applies its
# own umask, or loses the set-group-ID inheritance shows up here.
#
# Prints one P9G-RESULT line per manifest (like the guest does) and a
# P9G-HOST-MISMATCH line per difference. Exit 0 when all match.
set -euo pipefail

export_dir=${1:?usage: check-host.sh EXPORT}
base=$export_dir/p9g-test
status=0

# stat %F names -> our one-letter types
type_letter() {
    case $1 in
    "regular file"|"regular empty file") echo f ;;
    directory) echo d ;;
    "symbolic link") echo l ;;
    "character special file") echo c ;;
    "block special file") echo b ;;
    fifo) echo p ;;
    socket) echo s ;;
    *) echo "?" ;;
    esac
}

hex_of() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

for phase in root u4711 u4712; do
    manifest=$base/$phase/MANIFEST
    if [ ! -f "$manifest" ]; then
        echo "P9G-RESULT: FAIL host/$phase (0.00s): no $manifest (did the phase run?)"
        status=1
        continue
    fi
    n=0
    bad=0
    while read -r type perm uid gid extra path; do
        n=$((n + 1))
        host=$export_dir/$path
        if [ "$type" = T ]; then
            if ! hm=$(stat -c '%.9Y' -- "$host" 2>&1) || [ "$hm" != "$extra" ]; then
                echo "P9G-HOST-MISMATCH: $path: guest mtime $extra, host $hm"
                bad=$((bad + 1))
            fi
            continue
        fi
        if ! st=$(stat -c '%F|%a|%u|%g|%s|%t|%T' -- "$host" 2>&1); then
            echo "P9G-HOST-MISMATCH: $path: $st"
            bad=$((bad + 1))
            continue
        fi
        IFS='|' read -r hf ha hu hg hs ht hT <<< "$st"
        ht_=$(type_letter "$hf")
        case $ht_ in
        f) hx=$hs ;;
        c|b) hx=$((16#$ht)):$((16#$hT)) ;;
        l) hx=$(hex_of "$(readlink -- "$host")") ;;
        *) hx=- ;;
        esac
        if [ "$ht_" != "$type" ] || [ "$((8#$ha))" != "$((8#$perm))" ] \
            || [ "$hu" != "$uid" ] || [ "$hg" != "$gid" ] || [ "$hx" != "$extra" ]; then
            printf 'P9G-HOST-MISMATCH: %s: guest %s %s %s:%s %s, host %s %04o %s:%s %s\n' \
                "$path" "$type" "$perm" "$uid" "$gid" "$extra" \
                "$ht_" "$((8#$ha))" "$hu" "$hg" "$hx"
            bad=$((bad + 1))
        fi
    done < "$manifest"
    if [ "$bad" = 0 ] && [ "$n" -gt 0 ]; then
        echo "P9G-RESULT: ok host/$phase (0.00s): $n entries match"
    else
        echo "P9G-RESULT: FAIL host/$phase (0.00s): $bad of $n entries differ"
        status=1
    fi
done
exit "$status"
