#!/usr/bin/env bash
# demo.sh - the README's first command: build p9guard, serve a directory to
# a Linux guest run by a NON-ROOT QEMU, and show passthrough ownership: in
# the guest `id`, a file created, `chown 1234:1234` on it, `ls -ln`; then
# `ls -ln` of the same directory on the host, where the file belongs to 1234.
#
#   contrib/demo.sh [DIR]
#
# Run as root from the top of a clone, after the README's apt-get line.
# DIR is the directory to serve: one given is created if missing; without
# one, a fresh temporary directory is used.  The guest kernel is fetched
# from Debian's archive into tests/vm/cache (a cache, not in git, kept).
#
# Clean-up, on success and on failure: p9guard and QEMU are stopped; the
# scratch directory (socket, logs, guest kernel and initramfs copies) and
# the build directory are removed; the QEMU user is removed if this run
# created it.  In DIR only what the demo made goes: its file, and DIR
# itself if the demo created it.  Anything else in DIR is never touched.
#
# Transport: virtio (p9guard as the vhost-user back-end of a virtio-9p
# device, the guest mounts trans=virtio with no network) when the QEMU 11.1
# of tests/vm/fetch-qemu.sh is cached, else guestfwd (QEMU user networking
# to p9guard's unix socket, trans=tcp) with Debian 12's QEMU.
# P9G_DEMO_TRANSPORT=virtio fetches that QEMU first (a minute, ~500 MB in
# tests/vm/cache); P9G_DEMO_TRANSPORT=tcp shows the guestfwd variant.
#
# Rootless (P9G_DEMO_ROOTLESS=1): no root in the pair either.  The QEMU user
# itself starts p9guard (which then runs rootless: the helper is root only
# of a user namespace over the user's subordinate ids), with the ranges
# 200000:65536 this run gives it in /etc/subuid and /etc/subgid (and takes
# back); DIR must then be the QEMU user's (a fresh temporary one is), and
# the file chowned to 1234 in the guest belongs to host uid 201233 (the
# 1234th id of the range).  Needs Debian's uidmap package.
#
# Env: P9G_DEMO_BUILDDIR  an existing build tree to use (kept) instead of
#      building in a temporary one; P9G_QEMU_USER (default p9g-qemu);
#      P9G_DEMO_TRANSPORT (virtio or tcp, see above); P9G_DEMO_ROOTLESS=1.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
quser=${P9G_QEMU_USER:-p9g-qemu}
export P9G_QEMU_USER=$quser
fname=p9guard-demo.txt

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (p9guard starts as root and drops privileges itself)"
[ $# -le 1 ] || die "usage: contrib/demo.sh [DIR]"

# ---- what this run made, undone by cleanup() ------------------------------
made_dir=        # DIR, if this run created it
made_file=       # DIR/$fname, once the guest may have created it
made_user=       # the QEMU user, if this run created it
subid_saved=     # copies of /etc/subuid and /etc/subgid (rootless)
build=           # the build tree, if this run made it
scratch=         # socket, logs, guest boot files
server_pid=      # p9guard's process group (setsid)
cleanup() {
	local rc=$?
	set +e
	if [ -n "$server_pid" ] && kill -0 -- "-$server_pid" 2>/dev/null; then
		kill -TERM -- "-$server_pid"
		for _ in $(seq 25); do
			kill -0 -- "-$server_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL -- "-$server_pid" 2>/dev/null
		wait "$server_pid" 2>/dev/null
	fi
	[ -n "$made_file" ] && rm -f -- "$made_file"
	[ -n "$made_dir" ] && rmdir -- "$made_dir"
	[ -n "$scratch" ] && rm -rf -- "$scratch"
	[ -n "$build" ] && rm -rf -- "$build"
	if [ -n "$subid_saved" ]; then
		subids_restore "$subid_saved"
		rm -rf -- "$subid_saved"
	fi
	[ -n "$made_user" ] && userdel "$quser" 2>/dev/null
	[ $rc = 0 ] || printf 'demo: FAILED (exit %s); cleaned up\n' "$rc" >&2
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the directory to serve -----------------------------------------------
if [ $# = 1 ]; then
	dir=$1
	if [ ! -e "$dir" ]; then
		mkdir -- "$dir" || die "cannot create $dir"
		made_dir=$(cd "$dir" && pwd)
	fi
	[ -d "$dir" ] || die "$dir is not a directory"
else
	dir=$(mktemp -d /tmp/p9guard-demo.XXXXXX)
	chmod 0755 "$dir"
	made_dir=$dir
fi
dir=$(cd "$dir" && pwd)
if [ -e "$dir/$fname" ] || [ -L "$dir/$fname" ]; then
	die "$dir/$fname exists; the demo creates that file (remove it or pick another directory)"
fi

say "1. Build p9guard (autoreconf, configure, make)"
if [ -n "${P9G_DEMO_BUILDDIR:-}" ]; then
	bdir=$(cd "$P9G_DEMO_BUILDDIR" && pwd)
	echo "   using the existing build in $bdir"
else
	build=$(mktemp -d /tmp/p9guard-demo-build.XXXXXX)
	bdir=$build
	echo "   in $bdir (removed at the end)"
	(cd "$top" && autoreconf -fi >/dev/null 2>&1) || die "autoreconf failed"
	(cd "$bdir" && "$top/configure" -q >/dev/null && make -j"$(nproc)" >/dev/null) ||
		die "build failed"
fi
if [ ! -x "$bdir/p9guard" ] || [ ! -x "$bdir/p9guard-helper" ]; then
	die "no p9guard and p9guard-helper in $bdir"
fi

say "2. Fetch the guest kernel (Debian's linux-image-amd64), QEMU and busybox"
"$top/tests/vm/fetch.sh" >/dev/null
transport=${P9G_DEMO_TRANSPORT:-}
if [ -z "$transport" ]; then
	transport=tcp
	"$top/tests/vm/qemu-trixie.sh" --version >/dev/null 2>&1 && transport=virtio
fi
case $transport in
virtio) "$top/tests/vm/fetch-qemu.sh" 2>&1 | sed 's/^/   /' ;;
tcp) echo "   (no QEMU 11.1 cached: the guest reaches p9guard over guestfwd;" \
	"P9G_DEMO_TRANSPORT=virtio $0 fetches one and shows trans=virtio)" ;;
*) die "P9G_DEMO_TRANSPORT must be virtio or tcp" ;;
esac

scratch=$(mktemp -d /tmp/p9guard-demo-run.XXXXXX)
chmod 0711 "$scratch"	# QEMU's user must reach the socket; nothing more
sock=$scratch/vm.sock
if ! id -u "$quser" >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
		--user-group "$quser"
	made_user=1
fi

listen=unix
if [ "$transport" = virtio ]; then
	listen=vhost-user
	# QEMU's user must reach the cached QEMU: links in the scratch directory.
	# (a copy when /tmp is another file system; never into a half-made link tree)
	if ! cp -al "$top/tests/vm/cache/qemu-trixie" "$scratch/qemu" 2>/dev/null; then
		rm -rf "$scratch/qemu"
		cp -a "$top/tests/vm/cache/qemu-trixie" "$scratch/qemu" || die "cannot copy the cached QEMU"
	fi
	export P9G_QEMU_ROOT=$scratch/qemu P9G_VM_TRANSPORT=virtio P9G_VM_TAG=demo
fi

rootless=${P9G_DEMO_ROOTLESS:-}
want_owner=1234:1234
made_file=$dir/$fname	# from here on the guest may create it
if [ -n "$rootless" ]; then
	command -v newuidmap >/dev/null || die "P9G_DEMO_ROOTLESS=1 needs Debian's uidmap package"
	say "3. Start p9guard as the ordinary user '$quser' on $dir: rootless, no root anywhere"
	[ -n "$made_dir" ] && chown "$quser:" "$dir"
	[ "$(stat -c %U "$dir")" = "$quser" ] || die "rootless: $dir must belong to $quser"
	# shellcheck source=../tests/lib/subids.sh
	. "$top/tests/lib/subids.sh"
	subid_saved=$(mktemp -d /tmp/p9guard-demo-subid.XXXXXX)
	subids_save "$subid_saved"
	subids_set "$quser" 200000 65536
	want_owner=201233:201233
	chown "$quser" "$scratch"
	install -m 0755 "$bdir/p9guard" "$bdir/p9guard-helper" "$scratch/"	# runnable by $quser
	setsid setpriv --reuid="$quser" --regid="$quser" --init-groups "$scratch/p9guard" \
		--export "$dir" --listen "$listen:$sock" --tag demo --helper "$scratch/p9guard-helper" \
		--socket-mode 0600 >"$scratch/p9guard.log" 2>&1 &
else
	say "3. Start p9guard on $dir: frontend as 'nobody' with no capabilities, privileged helper beside it"
	setsid "$bdir/p9guard" --export "$dir" --listen "$listen:$sock" --tag demo \
		--helper "$bdir/p9guard-helper" \
		--socket-owner "$quser" --socket-mode 0600 --user nobody \
		>"$scratch/p9guard.log" 2>&1 &
fi
server_pid=$!
# The socket is made before the frontend confines itself; "ready" comes after.
for _ in $(seq 100); do
	grep -q ': ready$' "$scratch/p9guard.log" && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.1
done
if [ ! -S "$sock" ] || ! grep -q ': ready$' "$scratch/p9guard.log"; then
	cat "$scratch/p9guard.log"
	die "p9guard did not start"
fi
grep -E 'confinement:|rootless:' "$scratch/p9guard.log" | sed 's/^/   /' || true

if [ "$transport" = virtio ]; then
	say "4. Boot a guest with QEMU 11.1 as the unprivileged user '$quser' (TCG); p9guard is its virtio-9p device"
	echo "   -chardev socket,id=vu,path=$sock"
	echo "   -device vhost-user-test-device-pci,chardev=vu,virtio-id=9,num_vqs=1,config_size=33"
	echo "   guest: mount -t 9p -o trans=virtio,version=9p2000.L,access=client demo /mnt"
	mopts=trans=virtio,version=9p2000.L,access=client,posixacl
else
	say "4. Boot a guest with QEMU as the unprivileged user '$quser' (TCG); it mounts the socket over guestfwd"
	echo "   -netdev user,restrict=on,guestfwd=tcp:10.0.2.100:564-unix:$sock"
	echo "   guest: mount -t 9p -o trans=tcp,port=564,version=9p2000.L,access=client 10.0.2.100 /mnt"
	mopts=trans=tcp,port=564,version=9p2000.L,access=client,posixacl
fi
if ! P9G_VM_DEMO=1 "$top/tests/vm/run-guest.sh" "$sock" "$scratch/guest" \
	"$mopts" >"$scratch/guest.out" \
	2>"$scratch/guest.err"; then
	tail -n 30 "$scratch/guest.err"
	die "the guest run failed"
fi
sed -n 's/^run-guest: \(booting .*\), console.*/   \1/p' "$scratch/guest.err"
sed 's/^/   | /' "$scratch/guest.out"

say "5. On the host: ls -ln $dir"
# shellcheck disable=SC2012  # showing ls -ln is the point
ls -ln "$dir" | sed 's/^/   /'
got=$(stat -c '%u:%g' "$dir/$fname" 2>/dev/null) || die "the guest's $fname is not on the host"
[ "$got" = "$want_owner" ] || die "$fname is owned by $got on the host, not $want_owner"
echo
echo "   $fname, created and chowned by guest root through a QEMU run as '$quser',"
if [ -n "$rootless" ]; then
	echo "   is owned by $want_owner on the host: guest uid 1234 is the 1234th id of $quser's"
	echo "   range. No process ran as host root: p9guard-helper was root only of its own user"
	echo "   namespace, the frontend the range's nobody with no capabilities."
else
	echo "   is owned by 1234:1234 on the host. The frontend that spoke to the guest ran as nobody"
	echo "   with no capabilities; p9guard-helper made the change under the guest's credentials."
fi
if [ -n "$made_dir" ]; then
	echo "   Cleaning up: p9guard, $dir and the scratch files."
else
	echo "   Cleaning up: p9guard, $fname (the rest of $dir is untouched) and the scratch files."
fi
