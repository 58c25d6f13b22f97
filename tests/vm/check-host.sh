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
# With --mapped-xattr FMODE DMODE UID:GID (the server ran with
# --security-model mapped-xattr): the guest's owner, group and full mode
# (type included) must instead be exactly the user.virtfs.uid/gid/mode
# xattrs of the host file (4 bytes, little-endian, read with getfattr),
# and a device's major:minor its user.virtfs.rdev (8 bytes); the host file
# itself must be the server's: owner UID:GID, a directory for a directory
# with mode DMODE, else a regular file with mode FMODE (symlinks hold
# their target as content, nodes are empty).
#
# With --rootless UID GID START COUNT (p9guard --rootless run by the user
# UID, primary group GID, with the subordinate ranges START:COUNT) the host
# owners are the guest's ids in the helper's user namespace: 0 -> UID (GID),
# N -> START+N-1.
#
# Prints one P9G-RESULT line per manifest (like the guest does) and a
# P9G-HOST-MISMATCH line per difference. Exit 0 when all match.
set -euo pipefail

usage="usage: check-host.sh [--mapped-xattr FMODE DMODE UID:GID | --rootless UID GID START COUNT] EXPORT"
mapped=
rl_uid= rl_gid= rl_start= rl_count=
if [ "${1:-}" = --rootless ]; then
    [ $# = 6 ] || { echo "$usage" >&2; exit 2; }
    rl_uid=$2 rl_gid=$3 rl_start=$4 rl_count=$5
    shift 5
fi
if [ "${1:-}" = --mapped-xattr ]; then
    [ $# = 5 ] || { echo "$usage" >&2; exit 2; }
    mapped=1 mx_fmode=$((8#$2)) mx_dmode=$((8#$3)) mx_owner=$4
    shift 4
    command -v getfattr >/dev/null || { echo "check-host: no getfattr (package attr)" >&2; exit 2; }
fi
export_dir=${1:?$usage}
base=$export_dir/p9g-test
status=0

# The host id of a guest id ($2: the server user's own id of that kind):
# itself, or with --rootless (p9guard --rootless, its namespace: 0 the
# server's user, 1..COUNT the range from START, anything past it the
# unmapped id 65534 inside the range).
host_id() {
    if [ -z "$rl_uid" ]; then echo "$1"
    elif [ "$1" = 0 ]; then echo "$2"
    elif [ "$1" -le "$rl_count" ]; then echo $((rl_start + $1 - 1))
    else echo $((rl_start + 65534 - 1))
    fi
}

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

# st_mode file type bits of our one-letter types
type_bits() {
    case $1 in
    f) echo $((8#100000)) ;; d) echo $((8#40000)) ;; l) echo $((8#120000)) ;;
    c) echo $((8#20000)) ;; b) echo $((8#60000)) ;; p) echo $((8#10000)) ;;
    s) echo $((8#140000)) ;; *) echo 0 ;;
    esac
}

# A little-endian getfattr hex value (0x...) of exactly BYTES bytes as a
# decimal number; "bad" for another size.
le_value() {
    local h=${1#0x} bytes=$2 v=
    [ "${#h}" = $((2 * bytes)) ] || { echo bad; return; }
    while [ -n "$h" ]; do v=${h:0:2}$v; h=${h:2}; done
    echo $((16#$v))
}

# check_mapped TYPE PERM UID GID EXTRA PATH: mapped-xattr's view of one
# manifest entry; prints a mismatch line and returns 1 when it differs.
check_mapped() {
    local type=$1 perm=$2 uid=$3 gid=$4 extra=$5 path=$6 host=$export_dir/$6
    local st hf ha hu hg hs want_f want_a line name val
    local xu=none xg=none xm=none xr=none hx=-
    if ! st=$(stat -c '%F|%a|%u|%g|%s' -- "$host" 2>&1); then
        echo "P9G-HOST-MISMATCH: $path: $st"
        return 1
    fi
    IFS='|' read -r hf ha hu hg hs <<< "$st"
    hf=$(type_letter "$hf")
    if [ "$type" = d ]; then want_f=d want_a=$mx_dmode; else want_f=f want_a=$mx_fmode; fi
    while IFS= read -r line; do
        name=${line%%=*} val=${line#*=}
        case $name in
        user.virtfs.uid) xu=$(le_value "$val" 4) ;;
        user.virtfs.gid) xg=$(le_value "$val" 4) ;;
        user.virtfs.mode) xm=$(le_value "$val" 4) ;;
        user.virtfs.rdev) xr=$(le_value "$val" 8) ;;
        esac
    done < <(getfattr -h -d -m '^user\.virtfs\.' -e hex -- "$host" 2>/dev/null | grep '^user\.')
    case $type in
    f) hx=$hs ;;
    l) hx=$(od -An -v -tx1 < "$host" | tr -d ' \n') ;;
    c|b) if [ "$xr" != none ] && [ "$xr" != bad ]; then   # glibc's major()/minor()
             hx=$(( ((xr >> 8) & 0xfff) | ((xr >> 32) & 0xfffff000) )):$(( (xr & 0xff) | ((xr >> 12) & 0xffffff00) ))
         else
             hx="rdev:$xr"
         fi ;;
    esac
    if [ "$hf" != "$want_f" ] || [ "$((8#$ha))" != "$want_a" ] || [ "$hu:$hg" != "$mx_owner" ] \
        || [ "$xu" != "$uid" ] || [ "$xg" != "$gid" ] \
        || [ "$xm" != $(($(type_bits "$type") | 8#$perm)) ] || [ "$hx" != "$extra" ]; then
        printf 'P9G-HOST-MISMATCH: %s: guest %s %s %s:%s %s, want host %s %04o %s; host %s %04o %s:%s, user.virtfs uid %s gid %s mode %s, %s\n' \
            "$path" "$type" "$perm" "$uid" "$gid" "$extra" \
            "$want_f" "$want_a" "$mx_owner" "$hf" "$((8#$ha))" "$hu" "$hg" \
            "$xu" "$xg" "$([ "$xm" = none ] || [ "$xm" = bad ] && echo "$xm" || printf '%o' "$xm")" "$hx"
        return 1
    fi
    return 0
}

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
        if [ -n "$mapped" ]; then
            check_mapped "$type" "$perm" "$uid" "$gid" "$extra" "$path" || bad=$((bad + 1))
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
            || [ "$hu" != "$(host_id "$uid" "$rl_uid")" ] || [ "$hg" != "$(host_id "$gid" "$rl_gid")" ] \
            || [ "$hx" != "$extra" ]; then
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
