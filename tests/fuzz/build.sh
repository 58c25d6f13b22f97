#!/bin/bash
# build.sh SRCDIR OUTDIR - build the libFuzzer targets and the seed generator.
#
# Compiles straight from the sources with clang (-fsanitize=fuzzer,address,
# undefined); not part of the automake build.  Needs clang and the
# compiler-rt runtime (Debian: clang libclang-rt-14-dev).  CC overrides the
# compiler.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 SRCDIR OUTDIR" >&2
	exit 2
fi
src=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
cc=${CC:-clang}

if ! command -v "$cc" >/dev/null; then
	echo "build.sh: $cc not found (apt-get install clang libclang-rt-14-dev)" >&2
	exit 1
fi

# The proto sources include config.h; they need nothing from it but _GNU_SOURCE.
printf '#ifndef _GNU_SOURCE\n#define _GNU_SOURCE 1\n#endif\n' >"$out/config.h"

warn=(-Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wvla)
common=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -pthread -I"$out" -I"$src/src/proto"
	"${warn[@]}")
san=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
proto=("$src/src/proto/p9_wire.c" "$src/src/proto/p9_codec.c" "$src/src/proto/hp_codec.c")
client=(-I"$src/src" "$src/src/p9client/p9_client.c" "$src/src/p9client/p9_client_ops.c")

build() {
	local name=$1
	shift
	echo "  CC  $name"
	"$cc" "${common[@]}" "${san[@]}" -o "$out/$name" "$src/tests/fuzz/$name.c" "$@"
}

build fuzz_p9_decode "${proto[@]}"
build fuzz_hp_decode "${proto[@]}"
build fuzz_p9_dirent "${proto[@]}"
build fuzz_p9_client "${proto[@]}" "${client[@]}"
# the virtqueue walker: its sources and the logger they use
build fuzz_vu_ring -I"$src/src" "$src/src/frontend/vu_ring.c" "$src/src/frontend/vu_mem.c" \
	"$src/src/common/log.c"
echo "  CC  gen_seeds"
"$cc" "${common[@]}" -o "$out/gen_seeds" "$src/tests/fuzz/gen_seeds.c" "${proto[@]}"
