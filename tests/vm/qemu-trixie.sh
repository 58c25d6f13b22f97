#!/bin/sh
# qemu-trixie.sh — run the QEMU cached by fetch-qemu.sh (any user, no
# chroot): the trixie root's loader, its libraries, firmware and modules.
# Arguments are QEMU's.
here=$(cd "$(dirname "$0")" && pwd)
# P9G_QEMU_ROOT: a copy the QEMU user can reach (run.sh links one into its
# work directory: the cache may sit under a home directory it cannot enter).
root=${P9G_QEMU_ROOT:-${P9G_VM_CACHE:-$here/cache}/qemu-trixie}
lib=$root/usr/lib/x86_64-linux-gnu
[ -x "$root/usr/bin/qemu-system-x86_64" ] || {
    echo "qemu-trixie: no QEMU in $root; run tests/vm/fetch-qemu.sh" >&2
    exit 1
}
export QEMU_MODULE_DIR="$lib/qemu"
exec "$root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$lib:$root/lib/x86_64-linux-gnu" \
    "$root/usr/bin/qemu-system-x86_64" -L "$root/usr/share/qemu" -L "$root/usr/share/seabios" "$@"
