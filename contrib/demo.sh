#!/usr/bin/env bash
# demo.sh - the README's first command: build p9guard, serve a directory to
# a Linux guest run by a NON-ROOT QEMU, and show passthrough ownership from
# inside the guest and then on the host.
#
# Run as root from the top of a clone, after the README's apt-get line.
# Everything it creates lives under $P9G_DEMO_DIR (default
# /var/tmp/p9guard-demo, recreated each run); the guest kernel is fetched
# from Debian's archive into tests/vm/cache (not in git).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
demo=${P9G_DEMO_DIR:-/var/tmp/p9guard-demo}
build=$top/build-demo
quser=${P9G_QEMU_USER:-p9g-qemu}

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (p9guard starts as root and drops privileges itself)"

say "1. Build p9guard (autoreconf, configure, make) in $build"
(cd "$top" && autoreconf -fi >/dev/null 2>&1) || die "autoreconf failed"
mkdir -p "$build"
(cd "$build" && "$top/configure" -q && make -j"$(nproc)" >/dev/null) || die "build failed"

say "2. Fetch the guest kernel (Debian's linux-image-amd64), QEMU and busybox"
"$top/tests/vm/fetch.sh" >/dev/null

say "3. Prepare an export with host files of several owners"
rm -rf "$demo"
mkdir -p "$demo/export/home1000"
chmod 0711 "$demo"	# QEMU's user must reach the socket; nothing more
echo "a host file owned by root" > "$demo/export/root-owned.txt"
echo "a host file of uid 1000" > "$demo/export/home1000/hello.txt"
chown -R 1000:1000 "$demo/export/home1000"
install -m 0640 -o 2000 -g 2001 /dev/null "$demo/export/odd-owner.dat"
id -u "$quser" >/dev/null 2>&1 ||
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
		--user-group "$quser"
ls -ln "$demo/export" "$demo/export/home1000"

say "4. Start p9guard: frontend as 'nobody' with no capabilities, privileged helper beside it"
P9GUARD_HELPER=$build/p9guard-helper "$build/p9guard" \
	--export "$demo/export" --listen "unix:$demo/vm.sock" \
	--socket-owner "$quser" --socket-mode 0600 --user nobody --allow-devices \
	>"$demo/p9guard.log" 2>&1 &
p9guard_pid=$!
trap 'kill -TERM $p9guard_pid 2>/dev/null; wait $p9guard_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -S "$demo/vm.sock" ] && break; sleep 0.1; done
[ -S "$demo/vm.sock" ] || { cat "$demo/p9guard.log"; die "p9guard did not start"; }
grep -E 'confinement:' "$demo/p9guard.log" | sed 's/^/   /'
frontend_uid=$(awk '/^Uid:/ { print $2 }' "/proc/$p9guard_pid/status")
echo "   frontend pid $p9guard_pid runs as uid $frontend_uid," \
	"CapEff $(awk '/^CapEff:/ { print $2 }' "/proc/$p9guard_pid/status")"

say "5. Boot a guest with QEMU as the unprivileged user '$quser' (TCG); it mounts over guestfwd+unix socket"
echo "   -netdev user,restrict=on,guestfwd=tcp:10.0.2.100:564-unix:$demo/vm.sock"
echo "   guest: mount -t 9p -o trans=tcp,port=564,version=9p2000.L,access=client 10.0.2.100 /mnt"
P9G_VM_DEMO=1 "$top/tests/vm/run-guest.sh" "$demo/vm.sock" "$demo/run" \
	trans=tcp,port=564,version=9p2000.L,access=client,posixacl 2>"$demo/guest.err" |
	sed 's/^/   | /' || { tail -n 30 "$demo/guest.err"; die "the guest run failed"; }

say "6. On the host: what the guest created carries the guest's owners and modes"
ls -ln "$demo/export" "$demo/export/home1000" | sed 's/^/   /'
check() {	# PATH EXPECTED-"uid:gid:mode(octal):type"
	local got
	got=$(stat -c '%u:%g:%a:%F' "$demo/export/$1")
	if [ "$got" = "$2" ]; then
		echo "   ok   $1 is $got"
	else
		echo "   FAIL $1 is $got, expected $2"
		failed=1
	fi
}
failed=0
check root-file "0:0:644:regular file"
check given-away "1000:1000:644:regular file"
check null-copy "0:0:644:character special file"
check a-fifo "0:0:644:fifo"
check home1000/note.txt "1000:1000:640:regular file"
check home1000/project "1000:1000:2750:directory"
check home1000/link-to-note "1000:1000:777:symbolic link"
[ ! -e "$demo/export/not-allowed" ] && echo "   ok   uid 1000 could not write into the root-owned export root"
echo
echo "   The frontend that spoke to the guest ran as uid $frontend_uid with no capabilities;"
echo "   the owners above were set atomically by p9guard-helper under the guest's credentials."
[ $failed = 0 ] || die "some ownership did not pass through"
