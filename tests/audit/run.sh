#!/usr/bin/env bash
# run.sh - tests of the audit trail (p9guard-helper records, p9guard-audit).
#
# Usage: tests/audit/run.sh BUILDDIR        (as root; python3 needed)
#
# Starts p9guard on a temporary export with --audit file:... --audit stderr,
# drives a fixed script of operations through the 9P client library
# (tests/audit/audit_driver), and checks:
#   - every line of the audit file is valid JSON;
#   - each operation produced exactly the expected record (every field and
#     value; the time as RFC 3339 UTC with microseconds), including a chown
#     by a non-owner (EPERM), a create named ".." (EEXIST) and a set-id bit
#     cleared by a writer who is not the owner (allowed, noted);
#   - the same records went to standard error;
#   - p9guard-audit answers path, uid, session, failures, summary, --since,
#     --until as expected;
#   - rotation: while a client makes directories, the file is renamed and
#     the helper gets SIGHUP; records continue in a new file (mode 0600,
#     root's) and no record is lost across the two files;
#   - --audit-level changes leaves out successful reads and lookups but keeps
#     modifications, failures and sessions;
#   - a protocol violation (a name holding '/', refused by the codec) is
#     recorded before the helper exits;
#   - mknod, Trename, utimes (allowed and EPERM), open for write (allowed and
#     EACCES) over tcp: exactly the expected records, the session's peer
#     tcp:127.0.0.1:PORT, the file made with --audit-file-mode 0640; names
#     holding '/', empty or of 300 bytes in Tlcreate, Tmkdir, Twalk (and a
#     Tmkdir name holding a NUL) are
#     refused by the frontend (EINVAL, ENAMETOOLONG), create nothing, do not
#     disturb the helper, and each has exactly one record "refused_by":
#     "frontend" with the name (cut to 255 bytes) and its length;
#   - --audit syslog: every record reaches /dev/log as authpriv.notice, as
#     one readable line holding exactly its JSON record's fields (a
#     datagram listener bound there in p9guard's private mount namespace,
#     made with unshare);
#   - without --audit nothing is recorded;
#   - with --uid-map a record shows the host uid used and the guest's uid;
#     with --readonly a refused change is recorded as EROFS; with
#     --security-model none the helper's own ids are recorded.
# Prints "ok - ..."/"not ok - ..."/"skip - ..." per check, ends with "N
# passed, N failed" (", N skipped" when a check could not run here),
# exits 1 when a check failed.
set -euo pipefail

BUILDDIR=$(cd "${1:-.}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)	# records.py
FRONTEND=$BUILDDIR/p9guard
HELPER=$BUILDDIR/p9guard-helper
AUDIT=$BUILDDIR/p9guard-audit
DRIVER=$BUILDDIR/tests/audit/audit_driver

pass=0 fail=0 skipped=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
skip() { skipped=$((skipped + 1)); echo "skip - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: must run as root"
	echo "0 passed, 0 failed"
	exit 0
fi
for f in "$FRONTEND" "$HELPER" "$AUDIT" "$DRIVER"; do
	[ -x "$f" ] || { echo "error: $f not built (make; make check)" >&2; exit 2; }
done
command -v python3 >/dev/null || { echo "error: python3 is needed" >&2; exit 2; }

TMP=$(mktemp -d /tmp/p9audit.XXXXXX)
chmod 0755 "$TMP"
SERVER_PID=
SYSLOGD=	# the syslog socket's listener of section 9

children_of() {
	local st
	for st in /proc/[0-9]*/status; do
		awk -v p="$1" '$1 == "PPid:" && $2 == p { found = 1 } END { exit !found }' \
			"$st" 2>/dev/null && { st=${st#/proc/}; echo "${st%/status}"; }
	done
	return 0
}

stop_server() {
	local i=0
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	while kill -0 "$SERVER_PID" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

cleanup() {
	local rc=$?
	stop_server
	if [ -n "$SYSLOGD" ]; then
		kill "$SYSLOGD" 2>/dev/null || true
		wait "$SYSLOGD" 2>/dev/null || true
	fi
	rm -rf "$TMP"
	acct_cleanup
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The records name uid 1000 with gid 1000: the helper takes a non-create
# request's fsgid from the host's user database, so uid 1000 needs an
# account with primary group 1000 (made here if missing, removed after).
# shellcheck source=../lib/accounts.sh
. "$(dirname "$0")/../lib/accounts.sh"
acct_user 1000 p9g-audit1000 || { echo "error: cannot create uid 1000" >&2; exit 2; }
if [ "$(getent passwd 1000 | cut -d: -f4)" != 1000 ]; then
	echo "error: uid 1000's primary group is not 1000 ($(getent passwd 1000)); the" \
		"records this test expects assume it is" >&2
	exit 2
fi

# start NAME OPTIONS...: serve $TMP/NAME on $TMP/NAME.sock (or on
# $LISTEN_SPEC when set), p9guard started through the command prefix
# $START_WRAP when set; sets SOCK, LOG, SERVER_PID, HELPER_PID.  With
# --permissions host unless PERMISSIONS_HOST is set (to the empty string):
# the records checked are those of refusals by the host's DAC.
start() {
	local name=$1 i
	shift
	mkdir -m 0755 "$TMP/$name"
	SOCK=$TMP/$name.sock
	LOG=$TMP/$name.log
	# shellcheck disable=SC2086 # $START_WRAP: a command prefix, split on purpose
	P9GUARD_HELPER=$HELPER ${START_WRAP:-} "$FRONTEND" --export "$TMP/$name" \
		--listen "${LISTEN_SPEC:-unix:$SOCK}" --user nobody --socket-mode 0666 \
		${PERMISSIONS_HOST---permissions host} "$@" \
		>"$LOG" 2>&1 &
	SERVER_PID=$!
	i=0
	while [ -z "${LISTEN_SPEC:-}" ] && [ ! -S "$SOCK" ] && [ $i -lt 100 ] &&
		kill -0 "$SERVER_PID" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	HELPER_PID=
	for i in $(seq 50); do
		HELPER_PID=$(children_of "$SERVER_PID" | head -n 1)
		[ -n "$HELPER_PID" ] && grep -q ready "$LOG" && break
		sleep 0.1
	done
	if { [ -S "$SOCK" ] || [ -n "${LISTEN_SPEC:-}" ]; } && [ -n "$HELPER_PID" ] &&
		grep -q ready "$LOG"; then
		ok "p9guard serves $name (helper pid $HELPER_PID)"
	else
		notok "p9guard serves $name (log follows)"
		sed 's/^/# /' "$LOG"
		return 1
	fi
}

valid_json() { # every line of the files is one JSON object
	python3 -c '
import json, sys
n = 0
for name in sys.argv[1:]:
    for line in open(name, "rb"):
        if not isinstance(json.loads(line), dict):
            sys.exit("not an object: %r" % line)
        n += 1
sys.exit(0 if n else "no records")' "$@"
}

mkdir -m 0755 "$TMP/log"
AUD=$TMP/log/audit.jsonl

# ---- 1. the records of a fixed script of operations ----
start export --audit "file:$AUD" --audit stderr || exit 1
if "$DRIVER" "$SOCK" ops >"$TMP/ops.out" 2>&1; then
	ok "the operation script ran with the expected results"
else
	notok "the operation script ran with the expected results"
	sed 's/^/# /' "$TMP/ops.out"
fi
stop_server
check "the audit file is mode 0600, owned by root" \
	test "$(stat -c '%a %u' "$AUD")" = "600 0"
check "every line of the audit file is valid JSON" valid_json "$AUD"

if python3 - "$AUD" "$HERE" <<'EOF'; then ok "each operation has exactly the expected record"; else notok "each operation has exactly the expected record"; fi
import sys
sys.path.insert(0, sys.argv[2])
from records import R, ROOT as root, USER as user, compare, load
recs = load(sys.argv[1])
expected = [
    R(op="session_start", peer_reported_by="frontend", result="ok"),
    R(op="mkdir", path="/d", mode="0755", result="ok", **root),
    R(op="mkdir", path="/x\ufffd\u0001\"\\\u00e9", path_hex="2f78ff01225cc3a9", mode="0700",
      result="ok", **root),
    R(op="mkdir", path="/y\ufffd", path_hex="2f79ff", mode="0700", result="ok", **root),
    R(op="mkdir", path="/y\u00ff", mode="0700", result="ok", **root),
    R(op="lcreate", path="/d/f", flags="rdwr|creat", mode="0644", result="ok", **root),
    R(op="chmod", path="/d/f", mode="0600", result="ok", **root),
    R(op="chown", path="/d/f", new_uid=1000, new_gid=1000, result="ok", **root),
    R(op="truncate", path="/d/f", size=0, result="ok", **root),
    R(op="truncate", path="/d/f", size=3, via="open-fid", reported_by="frontend", result="ok",
      uid=0),
    R(op="xattrset", path="/d/f", xattr="user.audit", size=1, result="ok", **root),
    R(op="xattrremove", path="/d/f", xattr="user.audit", result="ok", **root),
    R(op="symlink", path="/d/l", target="f", result="ok", **root),
    R(op="link", path="/d/f", newpath="/d/h", result="ok", **root),
    R(op="renameat", path="/d/h", newpath="/d/h2", result="ok", **root),
    R(op="unlinkat", path="/d/h2", result="ok", **root),
    R(op="lcreate", path="/d/..", flags="rdwr|creat", mode="0644", result="EEXIST", **root),
    R(op="lcreate", path="/d/g", flags="rdwr|creat", mode="0644", result="ok", **root),
    R(op="chown", path="/d/g", new_uid=1000, result="EPERM", **user),
    R(op="lcreate", path="/d/s", flags="rdwr|creat", mode="0666", result="ok", **root),
    R(op="chmod", path="/d/s", mode="06666", result="ok", **root),
    R(op="chmod", path="/d/s", mode="0644", result="EPERM", **user),
    R(op="chmod", path="/d/s", mode="02666", result="EPERM", **user),
    R(op="chmod", path="/d/s", mode="0666", result="ok", note="setid-cleared-for-writer",
      **user),
    R(op="remove", path="/d/l", result="ok", **root),
    R(op="session_end", result="ok"),
]
got = [r for r in recs if r["op"] not in ("walk", "attach", "getattr", "open")]
bad = compare(recs, got, expected, r"^unix:uid=0,gid=0,pid=\d+$")
# the walks and attaches carry the credentials too
for r in recs:
    if r["op"] in ("walk", "attach") and (r.get("uid") not in (0, 1000) or "result" not in r):
        print("# %r" % r); bad += 1
times = [r["time"] for r in recs]
if times != sorted(times):
    print("# times out of order"); bad += 1
sys.exit(1 if bad else 0)
EOF

check "a name's invalid byte is U+FFFD with every byte in path_hex; controls \\u00XX, UTF-8 stays" \
	grep -qF '"path":"/x'$'\xef\xbf\xbd''\u0001\"\\é","path_hex":"2f78ff01225cc3a9"' "$AUD"
check "a raw 0xff and a real U+00FF are two names: p9guard-audit path tells them apart" \
	test "$("$AUDIT" --json path $'/y\xff' "$AUD" | grep -c '"path_hex":"2f79ff"')" = 1 -a \
	"$("$AUDIT" --json path $'/y\xc3\xbf' "$AUD" | grep -vc path_hex)" = 1
check "p9guard-audit path matches a name with such bytes" \
	test "$("$AUDIT" --json path $'/x\xff\x01"\\\xc3\xa9' "$AUD" | wc -l)" = 1
check "the records went to standard error as well" \
	test "$(grep -c '^{"time":' "$LOG")" = "$(wc -l <"$AUD")"
check "the set-id bits were cleared for the writer (mode 0666)" \
	test "$(stat -c %a "$TMP/export/d/s")" = 666
check "the non-owner's chown changed nothing (root owns /d/g)" \
	test "$(stat -c %u "$TMP/export/d/g")" = 0

# ---- 2. p9guard-audit ----
count() { python3 -c "
import json, sys
print(sum(1 for l in open('$AUD', 'rb') if ($1)(json.loads(l))))"; }
n=$("$AUDIT" --json path /d/g "$AUD" | wc -l)
check "p9guard-audit path /d/g: its create, walk and refused chown ($n)" test "$n" = 3
check "p9guard-audit path /d/g shows the EPERM chown by uid 1000" \
	bash -c "'$AUDIT' path /d/g '$AUD' | grep -q 'chown /d/g uid=1000 gid=1000 new_uid=1000 EPERM'"
n=$("$AUDIT" --json path -r /d "$AUD" | wc -l)
w=$(count 'lambda r: r.get("path","").startswith("/d") or r.get("newpath","").startswith("/d")')
check "p9guard-audit path -r /d: everything below /d ($n = $w)" test "$n" = "$w"
n=$("$AUDIT" --json path /d/h2 "$AUD" | wc -l)
check "p9guard-audit path /d/h2: the rename to it and its unlink ($n)" test "$n" = 2
n=$("$AUDIT" --json uid 1000 "$AUD" | wc -l)
w=$(count 'lambda r: r.get("uid") == 1000')
check "p9guard-audit uid 1000 ($n = $w)" test "$n" = "$w" -a "$n" -gt 0
n=$("$AUDIT" --json failures "$AUD" | wc -l)
check "p9guard-audit failures: EEXIST, EPERM chown, two EPERM chmods ($n)" test "$n" = 4
n=$("$AUDIT" --json failures "$AUD" | python3 -c '
import json, sys; print(sum(1 for l in sys.stdin if json.loads(l)["result"] != "ok"))')
check "p9guard-audit failures prints only failures" test "$n" = 4
check "p9guard-audit summary: chmod 3 ok, 2 failed" \
	bash -c "'$AUDIT' summary '$AUD' | grep -Eq '^chmod +3 +2\$'"
check "p9guard-audit summary: total = number of records" \
	bash -c "'$AUDIT' summary '$AUD' | awk '\$1 == \"total\" { exit !(\$2 + \$3 == $(wc -l <"$AUD")) }'"
sess=$(python3 -c "import json; print(json.loads(open('$AUD').readline())['session'])")
n=$("$AUDIT" --json session "$sess" "$AUD" | wc -l)
check "p9guard-audit session $sess: every record" test "$n" = "$(wc -l <"$AUD")"
check "p9guard-audit --since tomorrow: nothing, exit 1" \
	bash -c "! '$AUDIT' --since '$(date -u -d tomorrow +%F)' show '$AUD' >/dev/null"
check "p9guard-audit --until yesterday: nothing" \
	test "$("$AUDIT" --until "$(date -u -d yesterday +%F)" show "$AUD" | wc -l)" = 0
first=$(python3 -c "import json; print(json.loads(open('$AUD').readlines()[5])['time'])")
n=$("$AUDIT" --json --since "$first" show "$AUD" | wc -l)
check "p9guard-audit --since a record's time: it and the later ones" \
	test "$n" = "$(($(wc -l <"$AUD") - 5))"
n=$("$AUDIT" --json --until "$first" show "$AUD" | wc -l)
check "p9guard-audit --until a record's time: it and the earlier ones" test "$n" = 6
n=$("$AUDIT" --json show <"$AUD" | wc -l)
check "p9guard-audit reads standard input" test "$n" = "$(wc -l <"$AUD")"
printf '{"op":"x"\nnot json\n' >"$TMP/bad.jsonl"
check "p9guard-audit skips (and reports) lines that are not records" \
	bash -c "'$AUDIT' show '$TMP/bad.jsonl' 2>&1 >/dev/null | grep -q 'bad.jsonl:2: not an audit record'"
check "p9guard-audit --help" bash -c "'$AUDIT' --help | grep -q '^Usage: p9guard-audit'"
check "p9guard-audit refuses an unknown command (exit 2)" \
	bash -c "'$AUDIT' frobnicate '$AUD' 2>/dev/null; test \$? = 2"

# ---- 3. rotation with SIGHUP loses no record ----
rm -f "$AUD"
start rot --audit "file:$AUD" || exit 1
N1=4000 N2=25
"$DRIVER" "$SOCK" burst rot $N1 >"$TMP/burst.out" 2>&1 &
BURST=$!
# Rotate in the middle of the burst: once some records are in the file.
for i in $(seq 100); do
	[ "$(grep -c '"op":"mkdir"' "$AUD" 2>/dev/null || true)" -ge 200 ] && break
	sleep 0.05
done
mv "$AUD" "$AUD.1"
kill -HUP "$HELPER_PID"
wait $BURST || notok "the first burst of mkdirs failed"
"$DRIVER" "$SOCK" burst after $N2 >>"$TMP/burst.out" 2>&1 || notok "the second burst failed"
check "the helper survived SIGHUP" kill -0 "$HELPER_PID"
check "the audit file was recreated after rotation" test -f "$AUD"
check "the new audit file is mode 0600, owned by root" test "$(stat -c '%a %u' "$AUD" 2>/dev/null)" = "600 0"
stop_server
check "every line of both files is valid JSON" valid_json "$AUD.1" "$AUD"
c1=$(grep -c '"op":"mkdir","path":"/rot-' "$AUD.1" || true)
c2=$(grep -c '"op":"mkdir","path":"/rot-' "$AUD" || true)
check "no record lost across the rotation ($c1 + $c2 = $N1 mkdirs)" test $((c1 + c2)) = $N1
check "the rotation fell in the middle of the burst ($c1 before, $c2 after)" \
	test "$c1" -gt 0 -a "$c2" -gt 0
check "records went on in the new file after SIGHUP ($(grep -c . "$AUD") lines)" \
	test "$(grep -c '"op":"mkdir","path":"/after-' "$AUD")" = $N2
check "each mkdir recorded once" \
	test "$(cat "$AUD.1" "$AUD" | grep -o '"path":"/rot-[0-9]*"' | sort -u | wc -l)" = $N1
check "the reopen was logged" grep -q 'audit: reopened audit.jsonl' "$LOG"

# ---- 4. --audit-level changes ----
rm -f "$AUD" "$AUD.1"
start changes --audit "file:$AUD" --audit-level changes || exit 1
"$DRIVER" "$SOCK" ops >"$TMP/ops.out" 2>&1 || notok "the operation script (changes)"
stop_server
check "changes: no successful lookup or attach is recorded" \
	bash -c "! grep -E '\"op\":\"(walk|attach|getattr)\".*\"result\":\"ok\"' '$AUD'"
check "changes: the modifications are recorded" \
	test "$(grep -c '"op":"mkdir","path":"/d"' "$AUD")" = 1
check "changes: the failures are recorded (4)" \
	test "$("$AUDIT" --json failures "$AUD" | wc -l)" = 4
check "changes: the session start and end are recorded" \
	test "$(grep -c '"op":"session_' "$AUD")" = 2

# ---- 5. a protocol violation (a name with '/') is recorded ----
rm -f "$AUD"
mkdir -m 0755 "$TMP/viol"
violate() { "$DRIVER" violation "$HELPER" "$TMP/viol" "$AUD" >"$TMP/viol.out" 2>&1; }
check "the helper exits 2 on a mkdir name holding '/'" violate
check "the violation is recorded before the helper exits" \
	grep -qF "\"op\":\"protocol-violation\",\"detail\":\"malformed request (30 bytes): empty name or '/' inside a name\",\"result\":\"EPROTO\"}" "$AUD"
check "its attach (session 7) was recorded too" grep -q '"session":7,"op":"attach"' "$AUD"
check "nothing was created" test -z "$(ls -A "$TMP/viol")"

# ---- 6. an audit file inside the export is refused ----
mkdir -m 0755 "$TMP/inside"
refused_inside() {
	local out
	out=$(P9GUARD_HELPER=$HELPER "$FRONTEND" --export "$TMP/inside" \
		--listen "unix:$TMP/inside.sock" --audit "file:$TMP/inside/a.jsonl" 2>&1) && return 1
	grep -q 'inside the export' <<<"$out" && [ ! -e "$TMP/inside/a.jsonl" ]
}
check "p9guard refuses an audit file inside the export" refused_inside

# ---- 6b. the audit directory is the trail's own (issue 22, finding 3):
# the helper may write and create files beneath it, so p9guard refuses a
# directory that also holds a directory (another export), a link or a
# file with a second link, or one that others may write ----
mkdir -m 0755 "$TMP/shared" "$TMP/shared/other-export" "$TMP/own"
refused_dir() {	# refused_dir AUDIT-FILE WHAT-THE-ERROR-SAYS
	local out
	out=$(P9GUARD_HELPER=$HELPER "$FRONTEND" --export "$TMP/own" \
		--listen "unix:$TMP/shared.sock" --audit "file:$1" 2>&1) && return 1
	grep -qF -- "$2" <<<"$out" && [ ! -e "$1" ] && [ ! -e "$TMP/shared.sock" ] &&
		[ -z "$(ls -A "$TMP/shared/other-export")" ]
}
check "p9guard refuses an audit directory that holds another directory" \
	refused_dir "$TMP/shared/a.jsonl" "holds a directory, 'other-export'"
rmdir "$TMP/shared/other-export"
ln -s /etc/passwd "$TMP/shared/link"
check "p9guard refuses an audit directory that holds a symbolic link" \
	refused_dir "$TMP/shared/a.jsonl" "not a regular file, 'link'"
rm "$TMP/shared/link"
: >"$TMP/shared/f" && ln "$TMP/shared/f" "$TMP/own/f2"
check "p9guard refuses an audit directory that holds a hard link to a file elsewhere" \
	refused_dir "$TMP/shared/a.jsonl" "more than one link, 'f'"
rm "$TMP/shared/f" "$TMP/own/f2"
chmod 0777 "$TMP/shared"
check "p9guard refuses an audit directory that others may write" \
	refused_dir "$TMP/shared/a.jsonl" "writable by no one else"
chmod 0755 "$TMP/shared"

# ---- 7. mknod, Trename, utimes, open for write, names holding '/', over
# tcp, into a file created with --audit-file-mode 0640 ----
AUD2=$TMP/log/more.jsonl
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LISTEN_SPEC=tcp:127.0.0.1:$PORT start more --audit "file:$AUD2" --audit-file-mode 0640 || exit 1
if "$DRIVER" "tcp:127.0.0.1:$PORT" more >"$TMP/more.out" 2>&1; then
	ok "the second script ran (over tcp) with the expected results"
else
	notok "the second script ran (over tcp) with the expected results"
	sed 's/^/# /' "$TMP/more.out"
fi
check "names holding '/' left the helper running (no protocol violation)" kill -0 "$HELPER_PID"
stop_server
check "--audit-file-mode 0640: the audit file is mode 0640, owned by root" \
	test "$(stat -c '%a %u' "$AUD2")" = "640 0"
check "every line of that file is valid JSON" valid_json "$AUD2"
if python3 - "$AUD2" "$HERE" <<'EOF'; then ok "mknod, rename, utimes, open-for-write: exactly the expected records, tcp peer"; else notok "mknod, rename, utimes, open-for-write: exactly the expected records, tcp peer"; fi
import sys
sys.path.insert(0, sys.argv[2])
from records import R, ROOT as root, USER as user, compare, load
recs = load(sys.argv[1])
expected = [
    R(op="session_start", peer_reported_by="frontend", result="ok"),
    R(op="mkdir", path="/m", mode="0777", result="ok", **root),
    R(op="mknod", path="/m/p", mode="010640", result="ok", **root),
    R(op="lcreate", path="/m/f", flags="rdwr|creat", mode="0644", result="ok", **root),
    R(op="rename", path="/m/f", newpath="/m/f2", result="ok", **root),
    R(op="utimes", path="/m/f2", atime="set", mtime="set", result="ok", **root),
    R(op="utimes", path="/m/f2", atime="set", mtime="set", result="EPERM", **user),
    R(op="open", path="/m/f2", flags="wronly", result="ok", **root),
    R(op="open", path="/m/f2", flags="wronly", result="EACCES", **user),
]
# Names the frontend refuses: one record each, reported by the frontend.
F = lambda **kw: dict(kw, refused_by="frontend")
for name, err in (("a/b", "EINVAL"), ("", "EINVAL"), ("x" * 300, "ENAMETOOLONG")):
    short = dict(name=name[:255], name_len=len(name), result=err)
    expected += [F(op="lcreate", path="/m", uid=0, **short),
                 F(op="mkdir", path="/", uid=1000, **short),
                 F(op="walk", path="/m", uid=0, **short)]
expected += [
    F(op="walk", path="/m", uid=0, name="a/b", name_len=3, result="EINVAL"),
    F(op="mkdir", path="/m", uid=0, name="x\0/y", name_len=4, result="EINVAL"),
    R(op="session_end", result="ok"),
]
got = [r for r in recs if r["op"] not in ("walk", "attach", "getattr") or "refused_by" in r]
sys.exit(1 if compare(recs, got, expected, r"^tcp:127\.0\.0\.1:\d+$") else 0)
EOF
check "the mknod made a fifo of mode 0640 on the host" \
	test "$(stat -c '%F %a' "$TMP/more/m/p")" = "fifo 640"
check "the utimes set the times (mtime 1200000000.000000007)" \
	test "$(stat -c %.9Y "$TMP/more/m/f2")" = "1200000000.000000007"
check "the refused names created nothing (/m holds p and f2 only, / holds m)" \
	test "$(find "$TMP/more" -mindepth 1 -printf '%P\n' | sort | tr '\n' ' ')" = "m m/f2 m/p "
# The frontend refuses these names itself (the helper protocol cannot carry
# them in an operation: section 5) and reports each refusal (HP_REFUSED).
n=$("$AUDIT" --json failures "$AUD2" | grep -c '"refused_by":"frontend"' || true)
check "p9guard-audit failures lists the 11 refusals" test "$n" = 11
check "a NUL in a refused name is recorded as \\u0000" grep -qF '"name":"x\u0000/y"' "$AUD2"
check "p9guard-audit path /m shows a refused name readably" \
	bash -c "'$AUDIT' path /m '$AUD2' | grep -q 'lcreate /m uid=0 name=a/b name_len=3 refused_by=frontend EINVAL'"

# ---- 8. --audit syslog: the records reach /dev/log ----
# In a private mount namespace (p9guard's own, made by unshare), /dev is a
# small tmpfs with the usual device nodes bound in and /dev/log bound to a
# datagram socket this script listens on; the helper connects to it before
# it confines itself.
# Propagation is made private only for the two mounts this touches: in a
# chroot (a fresh root made by debootstrap) "/" is no mount point, so
# "unshare --propagation private" (mount --make-rprivate /) fails there.
if ! unshare --mount --propagation unchanged true 2>/dev/null; then
	skip "--audit syslog: cannot make a private mount namespace here (unshare --mount" \
		"failed) to bind a listener at /dev/log"
else
	mkdir -m 0755 "$TMP/nsdev"
	cat >"$TMP/nsdev.sh" <<'EOF'
set -e
d=$1 logsock=$2
shift 2
mount --make-rprivate "$(findmnt -n -o TARGET -T "$d")"
mount --make-rprivate "$(findmnt -n -o TARGET -T /dev)"
mount -t tmpfs -o mode=0755,size=64k p9g-audit-dev "$d"
for n in null zero full random urandom tty; do
	[ -c "/dev/$n" ] || continue
	: >"$d/$n"
	mount --bind "/dev/$n" "$d/$n"
done
ln -s /proc/self/fd "$d/fd"
ln -s /proc/self/fd/0 "$d/stdin"
ln -s /proc/self/fd/1 "$d/stdout"
ln -s /proc/self/fd/2 "$d/stderr"
: >"$d/log"
mount --bind "$logsock" "$d/log"
mount --move "$d" /dev
exec "$@"
EOF
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
out = open(sys.argv[2], "ab", buffering=0)
while True:
    out.write(s.recv(65536).rstrip(b"\0\n") + b"\n")' "$TMP/syslog.sock" "$TMP/syslog.out" &
	SYSLOGD=$!
	for i in $(seq 50); do
		[ -S "$TMP/syslog.sock" ] && break
		sleep 0.1
	done
	AUD3=$TMP/log/sys.jsonl
	devlog_before=$(stat -c '%F %i' /dev/log 2>&1 || true)
	if START_WRAP="unshare --mount --propagation unchanged bash $TMP/nsdev.sh $TMP/nsdev $TMP/syslog.sock" \
		start sys --audit syslog --audit "file:$AUD3"; then
		"$DRIVER" "$SOCK" more >"$TMP/sys.out" 2>&1 || notok "the second script (syslog)"
	fi
	stop_server
	sleep 0.2
	kill "$SYSLOGD" 2>/dev/null || true
	wait "$SYSLOGD" 2>/dev/null || true
	SYSLOGD=
	n=$(grep -c 'p9guard-helper\[[0-9]*\]: audit: session [0-9]* ' "$TMP/syslog.out" || true)
	check "--audit syslog: every record reached the syslog socket ($n = $(wc -l <"$AUD3"))" \
		test "$n" = "$(wc -l <"$AUD3")" -a "$n" -gt 0
	check "--audit syslog: as authpriv.notice (<85>)" \
		bash -c "! grep 'audit: ' '$TMP/syslog.out' | grep -qv '^<85>'"
	check "--audit syslog: readable lines, no JSON" bash -c "! grep -q 'audit: {' '$TMP/syslog.out'"
	check "--audit syslog: the mknod's line" \
		grep -Eq 'audit: session [0-9]+ uid 0 gid 0 mknod "/m/p" mode=010640 -> ok at [0-9T:.-]+Z$' \
		"$TMP/syslog.out"
	check "--audit syslog: the EPERM utimes' line" \
		grep -Eq 'audit: session [0-9]+ uid 1000 gid 1000 utimes "/m/f2" atime=set mtime=set -> EPERM at ' \
		"$TMP/syslog.out"
	check "--audit syslog: a refused name with a NUL and '/'" \
		grep -Fq ' uid 0 mkdir "/m" name="x\x00/y" name_len=4 refused_by=frontend -> EINVAL at ' \
		"$TMP/syslog.out"
	# Each line says what its JSON record says: rendered here from the
	# record by the rules of p9guard-audit(1), SYSLOG FORM, and compared.
	if python3 - "$AUD3" "$TMP/syslog.out" <<'PYEOF'; then ok "--audit syslog: each line holds exactly its record's fields"; else notok "--audit syslog: each line holds exactly its record's fields"; fi
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1], "rb")]
lines = [l.split(b": audit: ", 1)[1] for l in open(sys.argv[2], "rb").read().splitlines()
         if b": audit: " in l]
NAMES = {"path", "newpath", "name", "target", "xattr", "peer", "aname", "detail"}
CREDS = ("uid", "gid", "guest_uid", "guest_gid")
def quote(v):
    b = v.encode("utf-8", "surrogateescape")
    out = b""
    for ch in v:
        c = ch.encode("utf-8")
        if len(c) == 1 and 0x20 <= c[0] < 0x7f:
            out += (b"\\" if ch in "\"\\" else b"") + c
        elif len(c) == 1 or 0xdc80 <= ord(ch) <= 0xdcff:
            out += b"\\x%02x" % (ord(ch) & 0xff)
        else:
            out += c
    return b'"' + out + b'"'
def plain(v):
    return v != "" and all(0x20 < ord(c) < 0x7f and c not in "\"\\" for c in v)
def render(r):
    parts, creds = [], []
    for k, v in r.items():
        if k in ("time", "result"):
            continue
        if k == "session":
            parts.append(b"session %d" % v)
        elif k in CREDS:
            creds.append(b"%s %d" % (k.encode(), v))
        elif k == "op":
            parts.append(v.encode())
        elif isinstance(v, int):
            parts.append(b"%s=%d" % (k.encode(), v))
        else:
            val = quote(v) if k in NAMES or not plain(v) else v.encode()
            parts.append(val if k == "path" else (b"to " + val if k == "newpath"
                                                  else k.encode() + b"=" + val))
    at = 1 if parts and parts[0].startswith(b"session ") else 0
    parts[at:at] = creds
    return b" ".join(parts) + b" -> %s at %s" % (r["result"].encode(), r["time"].encode())
bad = 0
if len(recs) != len(lines):
    print("# %d records, %d lines" % (len(recs), len(lines))); bad += 1
for r, l in zip(recs, lines):
    if render(r) != l:
        print("# line     %r\n# expected %r" % (l, render(r))); bad += 1
sys.exit(1 if bad else 0)
PYEOF
	check "--audit syslog: the host's /dev/log is as it was" \
		test "$(stat -c '%F %i' /dev/log 2>&1 || true)" = "$devlog_before"
fi

# ---- 9. no --audit: no audit record anywhere ----
start quiet || exit 1
"$DRIVER" "$SOCK" ops >"$TMP/ops.out" 2>&1 || notok "the operation script (no audit)"
stop_server
check "without --audit the helper writes no record" bash -c "! grep -q '^{\"time\"' '$LOG'"
check "without --audit the helper gets no audit option" \
	bash -c "! grep -q -- '--audit-fd' '$LOG'"

# ---- 10. export models: the records show the ids used and the refusal ----
# mkdir as guest uid 0 (burst): with --uid-map 0:100000:10 it runs as host
# uid 100000, which may not write the root's export root (EACCES); with
# --readonly it is refused before anything runs (EROFS).
model_record() { # model_record NAME WANT-JSON-FIELDS OPTIONS...
	local name=$1 want=$2
	shift 2
	rm -f "$AUD"
	start "$name" --audit "file:$AUD" "$@" || return 1
	"$DRIVER" "$SOCK" burst m 1 >"$TMP/$name.out" 2>&1 || true
	stop_server
	python3 - "$AUD" "$want" <<'PYEOF'
import json, sys
want = json.loads(sys.argv[2])
recs = [json.loads(l) for l in open(sys.argv[1], "rb")]
mk = [r for r in recs if r.get("op") == "mkdir"]
ok = len(mk) == 1 and all(mk[0].get(k) == v for k, v in want.items())
if not ok:
    print("# mkdir records: %r" % mk)
sys.exit(0 if ok else 1)
PYEOF
}
check "id maps: the mkdir record shows host uid 100000, guest_uid 0, EACCES" \
	model_record idmap '{"uid": 100000, "guest_uid": 0, "result": "EACCES"}' \
	--uid-map 0:100000:10 --gid-map 0:200000:10
check "readonly: the mkdir record shows uid 0 and EROFS" \
	model_record readonly '{"uid": 0, "result": "EROFS"}' --readonly
# (--permissions is for passthrough only: none gets no such option.)
PERMISSIONS_HOST= check "model none as daemon: the mkdir record shows the helper's uid 1, guest_uid 0" \
	model_record none '{"uid": 1, "gid": 1, "guest_uid": 0, "result": "EACCES"}' \
	--security-model none --helper-user daemon

if [ "$skipped" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skipped skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
