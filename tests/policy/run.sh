#!/bin/bash
# tests/policy/run.sh - prove the SELinux module and AppArmor profiles build
# and confine as documented (DESIGN.md section 5, docs/policies.md).
#
#   tests/policy/run.sh BUILDDIR_OR_SRCDIR
#
# SELinux: builds selinux/p9guard.pp and a small test module that uses the
# interfaces (tests/policy/p9guardtest.te) with the distribution's
# selinux-policy-dev, links both into a COPY of the installed reference
# policy store (semodule -p TMPROOT -n: the host's store and kernel are not
# touched, SELinux need not be enabled), then asserts with sesearch/seinfo
# what the domains may and may not do.
# AppArmor: generates the profiles for two install layouts, parses each
# with apparmor_parser -Q -K (no kernel load), and asserts on the
# preprocessed profiles and the expanded tunable.  If BUILDDIR holds the
# profiles `make` generated (apparmor/p9guard), those are parsed as well.
# Then, if tests/vm/fetch.sh cached a guest kernel and QEMU is installed,
# tests/policy/apparmor-vm.sh boots it with AppArmor and checks that the
# profiles are enforced: a probe under each profile, then the real daemon
# pair serving a guest-local export to the guest's own 9p mount, and the
# kernel's DENIED lines checked.
#
# make install: a fresh tree configured with --prefix=/usr --sysconfdir=/etc
# installs (DESTDIR) the module under /usr/share/selinux/packages/, the
# profiles, tunable and abstraction under /etc/apparmor.d/ and the man page.
# The guest runs the real p9guard and p9guard-helper: from
# $P9GUARD_BUILDDIR, BUILDDIR, build-ci/, build/, or that fresh tree.
# P9GUARD_POLICY_ONLY=selinux|install|apparmor runs one part.
# One line per test (PASS/FAIL/SKIP), then "N passed, N failed, N skipped";
# exit 1 if any failed.  A test is skipped only when a tool is missing, and
# says which Debian package provides it.
#
# Debian packages: selinux-policy-dev selinux-policy-default policycoreutils
# semodule-utils checkpolicy setools selinux-utils apparmor; for the guest
# part also qemu-system-x86 busybox-static cpio gcc (kernel: tests/vm/fetch.sh).
set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
target=${1:-$srcdir}
[ -d "$target" ] || { echo "usage: $0 BUILDDIR_OR_SRCDIR" >&2; exit 2; }
target=$(cd "$target" && pwd)

npass=0 nfail=0 nskip=0
pass() { npass=$((npass + 1)); echo "PASS: $1"; }
fail() { nfail=$((nfail + 1)); echo "FAIL: $1"; [ $# -lt 2 ] || printf '%s\n' "$2" | sed 's/^/    /'; }
skip() { nskip=$((nskip + 1)); echo "SKIP: $1 ($2)"; }

work=$(mktemp -d /tmp/p9guard-policy.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A set as one word per line, sorted: words "a b c" -> lines.
# shellcheck disable=SC2048 # split words on purpose
set_of() { printf '%s\n' $* | grep -v '^$' | sort -u; }
# Lines of $1 that are not in $2 (both: one word per line, sorted).
set_minus() { comm -23 <(printf '%s\n' "$1") <(printf '%s\n' "$2") | grep -v '^$'; }

############################################################################
# SELinux
############################################################################

# Permissions (one per line) named by sesearch allow lines on stdin.
se_perms() {
	sed -n 's/^allow [^ ]* [^ ]*:[^ ]* \(.*\);.*$/\1/p' | tr -d '{}' | tr ' ' '\n' |
		grep -v '^$' | sort -u
}
# Target types (one per line) of sesearch allow lines on stdin.
se_targets() { sed -n 's/^allow [^ ]* \([^ :]*\):.*$/\1/p' | sort -u; }
unconditional() { grep -v '\]:' || true; }

selinux_tests() {
	local devel=/usr/share/selinux/devel/Makefile tool missing="" seltype store pol fc
	local t out perms extra
	for tool in checkmodule semodule_package:semodule-utils semodule:policycoreutils \
		sesearch:setools seinfo:setools matchpathcon:selinux-utils; do
		case $tool in
		*:*) command -v "${tool%%:*}" >/dev/null || missing="$missing ${tool%%:*} (${tool#*:})" ;;
		*) command -v "$tool" >/dev/null || missing="$missing $tool (checkpolicy)" ;;
		esac
	done
	[ -f "$devel" ] || missing="$missing $devel (selinux-policy-dev)"
	seltype=default
	[ -r /etc/selinux/config ] && seltype=$(sed -n 's/^SELINUXTYPE=//p' /etc/selinux/config | tail -1)
	store=/var/lib/selinux/${seltype:-default}
	[ -d "$store/active" ] || missing="$missing $store (selinux-policy-default)"
	if [ -n "$missing" ]; then
		skip "selinux: all SELinux tests" "missing:$missing"
		return
	fi

	# 1. Build the module and the interface test module.
	mkdir -p "$work/se"
	cp "$srcdir"/selinux/p9guard.te "$srcdir"/selinux/p9guard.if "$srcdir"/selinux/p9guard.fc \
		"$here/p9guardtest.te" "$work/se/"
	if (cd "$work/se" && ulimit -v 4000000 &&
		make -f "$devel" p9guard.pp >build.log 2>&1); then
		pass "selinux: p9guard.pp builds with $devel"
	else
		fail "selinux: p9guard.pp builds with $devel" "$(tail -20 "$work/se/build.log")"
		return
	fi
	if (cd "$work/se" && ulimit -v 4000000 &&
		make -f "$devel" p9guardtest.pp >buildtest.log 2>&1); then
		pass "selinux: test module using p9guard_stream_connect/p9guard_vhost_user_frontend/p9guard_export_type builds"
	else
		fail "selinux: test module builds" "$(tail -20 "$work/se/buildtest.log")"
		return
	fi

	# 2. Link into a copy of the installed reference policy store.  -P keeps
	# the tunables as booleans so their conditional rules stay visible.
	mkdir -p "$work/root/var/lib/selinux" "$work/root/etc"
	cp -a "$store" "$work/root/var/lib/selinux/"
	cp -a /etc/selinux "$work/root/etc/"
	if (ulimit -v 4000000 && semodule -n -P -p "$work/root" -X 400 \
		-i "$work/se/p9guard.pp" -i "$work/se/p9guardtest.pp") >"$work/se/link.log" 2>&1; then
		pass "selinux: module links into the installed reference policy (semodule -p copy of $store)"
	else
		fail "selinux: module links into the installed reference policy" "$(tail -20 "$work/se/link.log")"
		return
	fi
	pol=$work/root/var/lib/selinux/${seltype:-default}/active/policy.kern
	fc=$work/root/var/lib/selinux/${seltype:-default}/active/file_contexts
	if [ -s "$pol" ] && seinfo -t p9guard_helper_t "$pol" 2>/dev/null | grep -q p9guard_helper_t; then
		pass "selinux: linked policy has p9guard_t, p9guard_helper_t"
	else
		fail "selinux: linked policy has the p9guard types" "no p9guard_helper_t in $pol"
		return
	fi
	se() { sesearch "$@" "$pol" 2>/dev/null; }

	# 3. Domain transitions.
	if se -T -s p9guard_t -t p9guard_helper_exec_t -c process |
		grep -q '^type_transition p9guard_t p9guard_helper_exec_t:process p9guard_helper_t;' &&
		se -A -s p9guard_t -t p9guard_helper_t -c process -p transition | grep -q . &&
		se -A -s p9guard_helper_t -t p9guard_helper_exec_t -c file -p entrypoint | grep -q .; then
		pass "selinux: p9guard_t -> p9guard_helper_t on exec of p9guard_helper_exec_t"
	else
		fail "selinux: p9guard_t -> p9guard_helper_t transition" "$(se -T -s p9guard_t)"
	fi
	if se -T -s init_t -t p9guard_exec_t -c process | grep -q 'p9guard_t;'; then
		pass "selinux: init_t -> p9guard_t on exec of p9guard_exec_t (init_daemon_domain)"
	else
		fail "selinux: init_t -> p9guard_t transition"
	fi
	out=$(se -A -s p9guard_t -p transition -c process | se_targets)
	if [ "$out" = p9guard_helper_t ]; then
		pass "selinux: p9guard_t may transition to p9guard_helper_t only"
	else
		fail "selinux: p9guard_t may transition to p9guard_helper_t only" "$out"
	fi

	# 4. The frontend cannot reach export files by itself: on
	# p9guard_export_t it has only what using a passed descriptor needs.
	perms=$(se -A -s p9guard_t -t p9guard_export_t -c file | se_perms)
	extra=$(set_minus "$perms" "$(set_of getattr read write append lock)")
	if [ -z "$extra" ] && ! grep -qx open <<<"$perms"; then
		pass "selinux: p9guard_t on p9guard_export_t files: no open/create/unlink/rename/setattr/link/execute (only {$(echo $perms)} on passed fds)"
	else
		fail "selinux: p9guard_t on p9guard_export_t files: only use of passed fds" "extra: $(echo $extra)"
	fi
	perms=$(se -A -s p9guard_t -t p9guard_export_t -c dir | se_perms)
	extra=$(set_minus "$perms" "$(set_of getattr read)")
	if [ -z "$extra" ]; then
		pass "selinux: p9guard_t on p9guard_export_t dirs: no open/search/add_name/remove_name/write (only {$(echo $perms)})"
	else
		fail "selinux: p9guard_t on p9guard_export_t dirs" "extra: $(echo $extra)"
	fi
	out=$(for c in lnk_file chr_file blk_file fifo_file sock_file; do
		se -A -s p9guard_t -t p9guard_export_t -c $c; done)
	if [ -z "$out" ]; then
		pass "selinux: p9guard_t has no access to export symlinks, devices, fifos, sockets"
	else
		fail "selinux: p9guard_t has no access to export special files" "$out"
	fi
	# bin_t: newuidmap/newgidmap, only behind p9guard_rootless (below).
	out=$(se -A -s p9guard_t -c file -p open | grep -v 'p9guard_rootless' | se_targets)
	extra=$(set_minus "$out" "$(set_of p9guard_exec_t p9guard_helper_exec_t p9guard_runtime_t \
		p9guard_log_t p9guard_t etc_t net_conf_t sysctl_kernel_t ld_so_t ld_so_cache_t lib_t \
		textrel_shlib_t cpu_online_t sysctl_crypto_t systemd_resolved_runtime_t domain)")
	if [ -z "$extra" ]; then
		pass "selinux: p9guard_t opens files only of its own, runtime, log, /etc and library types"
	else
		fail "selinux: p9guard_t opens unexpected file types" "$(echo $extra)"
	fi
	out=$(se -A -s p9guard_t -c file | grep 'p9guard_rootless' | se_targets)
	if [ "$out" = "$(set_of bin_t p9guard_t)" ]; then
		pass "selinux: p9guard_rootless adds for p9guard_t only bin_t (newuidmap/newgidmap) and its own /proc files (the maps)"
	else
		fail "selinux: p9guard_rootless file rules for p9guard_t" "$(echo $out)"
	fi

	# 5. The helper executes nothing.
	out=$(se -A -s p9guard_helper_t -p execute_no_trans)
	if [ -z "$out" ]; then
		pass "selinux: p9guard_helper_t has no execute_no_trans on any type"
	else
		fail "selinux: p9guard_helper_t has no execute_no_trans" "$out"
	fi
	out=$(se -A -s p9guard_helper_t -c process -p transition; se -A -s p9guard_helper_t -c process -p dyntransition)
	if [ -z "$out" ]; then
		pass "selinux: p9guard_helper_t can enter no other domain (no transition/dyntransition)"
	else
		fail "selinux: p9guard_helper_t can enter no other domain" "$out"
	fi
	out=$(se -A -s p9guard_helper_t -c file -p execute | se_targets)
	extra=$(set_minus "$out" "$(set_of ld_so_t lib_t textrel_shlib_t p9guard_helper_exec_t)")
	if [ -z "$extra" ]; then
		pass "selinux: p9guard_helper_t execute (mmap PROT_EXEC) only on loader/libraries/own binary"
	else
		fail "selinux: p9guard_helper_t execute only on loader/libraries" "$(echo $extra)"
	fi
	# W^X: nothing it can write is executable to it.
	local writable exe
	writable=$(for p in write append create; do se -A -s p9guard_helper_t -c file -p $p | se_targets; done | sort -u)
	exe=$(for t in $writable; do se -A -s p9guard_helper_t -t "$t" -c file -p execute; done)
	if [ -z "$exe" ]; then
		pass "selinux: p9guard_helper_t may execute none of the types it writes ($(echo $writable))"
	else
		fail "selinux: p9guard_helper_t W^X" "$exe"
	fi
	extra=$(set_minus "$writable" "$(set_of p9guard_exports p9guard_export_t p9guard_log_t p9guard_helper_t \
		virt_content_t svirt_image_t virt_image_t)")
	if [ -z "$extra" ]; then
		pass "selinux: p9guard_helper_t writes files only of export types, its log and its own /proc"
	else
		fail "selinux: p9guard_helper_t writes only export/log files" "$(echo $extra)"
	fi

	# 5b. What the helper (and the frontend) may read outside the exports.
	# sesearch -t also matches rules on attributes that hold the type.
	local t fileish='^allow [^ ]* [^ :]*:(file|dir|lnk_file) '
	for t in shadow_t user_home_t user_home_dir_t ssh_home_t; do
		out=$({ se -A -s p9guard_helper_t -t "$t"; se -A -s p9guard_t -t "$t"; } | grep -E "$fileish" || true)
		if [ -z "$out" ] && seinfo -t "$t" "$pol" 2>/dev/null | grep -q "$t"; then
			pass "selinux: neither p9guard_helper_t nor p9guard_t has any file/dir/symlink rule on $t (no read, open, write...)"
		else
			fail "selinux: no file/dir/symlink rule on $t for the p9guard domains" "$out"
		fi
	done
	perms=$(se -A -s p9guard_helper_t -t etc_t | grep -E "$fileish" | se_perms)
	extra=$(set_minus "$perms" "$(set_of getattr ioctl lock open read search)")
	if [ -n "$perms" ] && [ -z "$extra" ]; then
		pass "selinux: p9guard_helper_t only reads etc_t (/etc/passwd, /etc/group: {$(echo $perms)})"
	else
		fail "selinux: p9guard_helper_t on etc_t: read only" "perms: $(echo $perms); extra: $(echo $extra)"
	fi
	out=$(se -A -s p9guard_helper_t -c file -p read,open | se_targets)
	extra=$(set_minus "$out" "$(set_of p9guard_exports p9guard_export_t virt_content_t svirt_image_t virt_image_t \
		p9guard_log_t p9guard_helper_exec_t p9guard_helper_t etc_t ld_so_t ld_so_cache_t lib_t textrel_shlib_t \
		cpu_online_t sysctl_kernel_t sysctl_crypto_t)")
	if grep -qx etc_t <<<"$out" && [ -z "$extra" ]; then
		pass "selinux: p9guard_helper_t opens/reads files only of export types, its log, /etc, loader, libraries, own /proc, sysctl"
	else
		fail "selinux: p9guard_helper_t reads unexpected file types" "$(echo $extra)"
	fi

	# 6. The helper creates no network socket.
	out=$(se -A -s p9guard_helper_t -p create | grep -E ':[a-z0-9_]*socket ' |
		grep -Ev ':unix_(stream|dgram)_socket ' || true)
	if [ -z "$out" ]; then
		pass "selinux: p9guard_helper_t creates no tcp/udp/rawip/sctp/icmp/netlink/packet/... socket"
	else
		fail "selinux: p9guard_helper_t creates no network socket" "$out"
	fi
	# -ds: the base policy's peer-labelling recvfrom for every domain aside.
	out=$(se -A -s p9guard_helper_t -ds -c tcp_socket; se -A -s p9guard_helper_t -ds -c udp_socket)
	if [ -z "$out" ]; then
		pass "selinux: p9guard_helper_t is given no tcp_socket or udp_socket permission"
	else
		fail "selinux: p9guard_helper_t has no tcp_socket/udp_socket permission" "$out"
	fi
	out=$(se -A -s p9guard_helper_t -c unix_dgram_socket -p create | unconditional)
	if [ -z "$out" ] && se -A -s p9guard_helper_t -c unix_dgram_socket -p create |
		grep -q 'p9guard_helper_syslog'; then
		pass "selinux: p9guard_helper_t creates a syslog socket only with p9guard_helper_syslog"
	else
		fail "selinux: helper syslog socket only behind p9guard_helper_syslog" "$out"
	fi
	out=$(se -A -s p9guard_helper_t -c tcp_socket -p name_connect; se -A -s p9guard_helper_t -p name_bind)
	if [ -z "$out" ]; then
		pass "selinux: p9guard_helper_t binds and connects to no port"
	else
		fail "selinux: p9guard_helper_t binds/connects to no port" "$out"
	fi

	# 7. The helper manages the export types.
	local ok=1
	perms=$(se -A -s p9guard_helper_t -t p9guard_export_t -c file | unconditional | se_perms)
	[ -z "$(set_minus "$(set_of create open read write append getattr setattr rename link unlink)" "$perms")" ] || ok=0
	perms=$(se -A -s p9guard_helper_t -t p9guard_export_t -c dir | unconditional | se_perms)
	[ -z "$(set_minus "$(set_of create search add_name remove_name rmdir reparent write setattr read)" "$perms")" ] || ok=0
	perms=$(se -A -s p9guard_helper_t -t p9guard_export_t -c lnk_file | unconditional | se_perms)
	[ -z "$(set_minus "$(set_of create read unlink rename setattr)" "$perms")" ] || ok=0
	for t in fifo_file sock_file; do
		perms=$(se -A -s p9guard_helper_t -t p9guard_export_t -c $t | unconditional | se_perms)
		[ -z "$(set_minus "$(set_of create getattr setattr unlink rename)" "$perms")" ] || ok=0
	done
	if [ $ok = 1 ]; then
		pass "selinux: p9guard_helper_t manages p9guard_export_t (files, dirs, symlinks, fifos, sockets)"
	else
		fail "selinux: p9guard_helper_t manages p9guard_export_t" "$(se -A -s p9guard_helper_t -t p9guard_export_t)"
	fi
	out=$(for c in chr_file blk_file fifo_file sock_file; do
		se -A -s p9guard_helper_t -t p9guard_export_t -c $c | se_perms; done |
		grep -xE 'open|read|write|append|ioctl' || true)
	if [ -z "$out" ]; then
		pass "selinux: p9guard_helper_t never opens export devices, fifos or sockets"
	else
		fail "selinux: p9guard_helper_t never opens export special files" "$(echo $out)"
	fi
	out=$(se -A -s p9guard_helper_t -c chr_file -p create | unconditional; se -A -s p9guard_helper_t -c blk_file -p create | unconditional)
	if [ -z "$out" ]; then
		pass "selinux: device nodes are created only with p9guard_allow_devices"
	else
		fail "selinux: device node creation only behind p9guard_allow_devices" "$out"
	fi
	out=$(se -A -s p9guard_helper_t -p relabelfrom; se -A -s p9guard_helper_t -p relabelto;
		se -A -s p9guard_helper_t -p mounton)
	if [ -z "$out" ]; then
		pass "selinux: p9guard_helper_t relabels and mounts on nothing"
	else
		fail "selinux: p9guard_helper_t relabels/mounts on nothing" "$out"
	fi
	perms=$(se -A -s p9guard_helper_t -t p9guard_log_t -c file | se_perms; se -A -s p9guard_t -t p9guard_log_t -c file | se_perms)
	if grep -q -x append <<<"$perms" && ! grep -qxE 'read|write|unlink|rename|setattr' <<<"$perms"; then
		pass "selinux: the audit log is append-only for both domains (no read, write, unlink, rename)"
	else
		fail "selinux: the audit log is append-only" "$(echo $perms)"
	fi

	# 8. Capabilities, exactly.
	perms=$(se -A -s p9guard_helper_t -c capability | unconditional | se_perms)
	if [ "$perms" = "$(set_of chown dac_override dac_read_search fowner fsetid setgid setpcap setuid)" ]; then
		pass "selinux: p9guard_helper_t capabilities exactly {$(echo $perms)}"
	else
		fail "selinux: p9guard_helper_t capability set" "$(echo $perms)"
	fi
	out=$(se -A -s p9guard_helper_t -c capability | grep -v '\]:' | grep -E 'mknod|sys_admin' || true)
	if [ -z "$out" ] &&
		se -A -s p9guard_helper_t -c capability -p mknod | grep -q 'p9guard_allow_devices' &&
		se -A -s p9guard_helper_t -c capability -p sys_admin | grep -q 'p9guard_trusted_xattrs'; then
		pass "selinux: mknod only with p9guard_allow_devices, sys_admin only with p9guard_trusted_xattrs"
	else
		fail "selinux: mknod/sys_admin only behind their tunables" "$(se -A -s p9guard_helper_t -c capability)"
	fi
	# The rootless pair: capabilities inside the user namespaces, only
	# behind p9guard_rootless, the helper's exactly its usual set.
	perms=$(se -A -s p9guard_helper_t -c cap_userns | grep 'p9guard_rootless' | se_perms)
	fperms=$(se -A -s p9guard_t -c cap_userns | grep 'p9guard_rootless' | se_perms)
	out=$(se -A -s p9guard_helper_t -c cap_userns | unconditional; se -A -s p9guard_t -c cap_userns | unconditional)
	if [ -z "$out" ] &&
		[ "$perms" = "$(set_of chown dac_override dac_read_search fowner fsetid setgid setpcap setuid)" ] &&
		[ "$fperms" = "$(set_of setgid setpcap setuid)" ]; then
		pass "selinux: cap_userns only with p9guard_rootless: helper {$(echo $perms)}, frontend {$(echo $fperms)}"
	else
		fail "selinux: cap_userns behind p9guard_rootless" "helper: $(echo $perms); frontend: $(echo $fperms); unconditional: $out"
	fi
	out=$(se -A -s p9guard_helper_t -c capability2; se -A -s p9guard_t -c capability2)
	if [ -z "$out" ]; then
		pass "selinux: neither domain has any capability2 (mac_admin, syslog, ...)"
	else
		fail "selinux: no capability2" "$out"
	fi
	perms=$(se -A -s p9guard_t -c capability | se_perms)
	if [ "$perms" = "$(set_of chown dac_read_search fowner net_bind_service setgid setpcap setuid)" ]; then
		pass "selinux: p9guard_t capabilities exactly {$(echo $perms)} (start-up only)"
	else
		fail "selinux: p9guard_t capability set" "$(echo $perms)"
	fi

	# 9. QEMU's domain connects through the interface (test module).
	if se -A -s svirt_t -t p9guard_t -c unix_stream_socket -p connectto | grep -q . &&
		se -A -s svirt_t -t p9guard_runtime_t -c sock_file -p write | grep -q . &&
		se -A -s svirt_t -t p9guard_runtime_t -c dir -p search | grep -q .; then
		pass "selinux: p9guard_stream_connect(svirt_t): svirt_t connectto p9guard_t via /run/p9guard"
	else
		fail "selinux: svirt_t can connect to p9guard_t"
	fi
	if se -A -s qemu_t -t p9guard_t -c unix_stream_socket -p connectto | grep -q .; then
		fail "selinux: only domains given p9guard_stream_connect connect (qemu_t can)"
	else
		pass "selinux: a domain not given p9guard_stream_connect (qemu_t) cannot connect"
	fi

	# 9b. vhost-user: QEMU's guest memory and eventfds, passed to the frontend.
	perms=$(se -A -s p9guard_t -t svirt_tmpfs_t -c file | se_perms)
	extra=$(set_minus "$perms" "$(set_of getattr map read write)")
	if grep -qx map <<<"$perms" && [ -z "$extra" ] &&
		se -A -s p9guard_t -t svirt_t -c fd -p use | grep -q .; then
		pass "selinux: p9guard_vhost_user_frontend(svirt_t, svirt_tmpfs_t): p9guard_t uses svirt_t's fds and maps its memory ({$(echo $perms)}; no open, create, execute)"
	else
		fail "selinux: p9guard_vhost_user_frontend(svirt_t, svirt_tmpfs_t)" "perms: $(echo $perms); extra: $(echo $extra)"
	fi
	if se -A -s p9guard_t -t qemu_tmpfs_t -c file | grep -q . ||
		se -A -s p9guard_t -t qemu_t -c fd -p use | grep -q .; then
		fail "selinux: p9guard_t has nothing of a front-end not given the interface (qemu_t)"
	else
		pass "selinux: p9guard_t uses no fd and maps no memory of qemu_t (not given p9guard_vhost_user_frontend)"
	fi

	# 10. Other labels for exports: the interface and the tunables.
	if se -A -s p9guard_helper_t -t virt_image_t -c file -p create | grep -q .; then
		pass "selinux: p9guard_export_type(virt_image_t) lets the helper manage virt_image_t"
	else
		fail "selinux: p9guard_export_type(virt_image_t)"
	fi
	for t in virt_content_t:p9guard_export_virt_content svirt_image_t:p9guard_export_svirt_image; do
		out=$(se -A -s p9guard_helper_t -t "${t%%:*}" -c file -p write)
		if [ -n "$out" ] && ! grep -v "\[ ${t#*:} \]:True" <<<"$out" | grep -q .; then
			pass "selinux: ${t%%:*} exports only with tunable ${t#*:}"
		else
			fail "selinux: ${t%%:*} exports only with tunable ${t#*:}" "$out"
		fi
	done

	# 11. File contexts.
	local pc want got bad=""
	for pc in /usr/sbin/p9guard:p9guard_exec_t /usr/local/sbin/p9guard:p9guard_exec_t \
		/usr/libexec/p9guard/p9guard-helper:p9guard_helper_exec_t \
		/usr/local/libexec/p9guard/p9guard-helper:p9guard_helper_exec_t \
		/run/p9guard/vm.sock:p9guard_runtime_t /var/log/p9guard/audit.jsonl:p9guard_log_t \
		/srv/p9guard/a/file:p9guard_export_t; do
		want=${pc##*:}
		got=$(matchpathcon -f "$fc" "${pc%:*}" 2>&1)
		case $got in *":$want:"*) ;; *) bad="$bad ${pc%:*}=[$got]" ;; esac
	done
	if [ -z "$bad" ]; then
		pass "selinux: file contexts label binaries, /run/p9guard, /var/log/p9guard, /srv/p9guard"
	else
		fail "selinux: file contexts" "$bad"
	fi
}

############################################################################
# AppArmor
############################################################################

# The body of profile $2 in preprocessed text $1, rules one per line,
# comments and blank lines dropped.
# The rules of profile $2 in the preprocessed text $1, without those of
# its child profiles; with $3, the rules of its child profile $3 only.
aa_body() {
	awk -v p="$2" -v c="${3:-}" '
		$1 == "profile" && $2 == p && !inside { inside = 1; next }
		inside && /^}/ { inside = 0 }
		inside && !nested && $1 == "profile" { nested = 1; want = ($2 == c); next }
		nested && /^[ \t]*}/ { nested = 0; next }
		inside && nested != (c != "") { next }
		inside && (!nested || want) { sub(/#.*/, ""); if ($0 ~ /[^ \t]/) print }' <<<"$1" |
		sed 's/^[ \t]*//; s/[ \t]*$//'
}
# File rules "PATH PERMS," of a body -> "PATH PERMS" (perms only letters).
aa_file_rules() {
	grep -E '^(owner |audit |deny )*[/@]' | sed -E 's/^(owner |audit |deny )*//; s/,$//' |
		awk '{ perms = $NF; for (i = 2; i < NF; i++) if ($i == "->") { perms = $(i-1) }; print $1, perms }'
}

aa_check_layout() {	# $1 label, $2 dir with p9guard and p9guard-helper, $3 tunable dir
	local label=$1 dir=$2 inc=$3 p pre body caps out
	local -a I=(-I "$inc")
	for p in p9guard-helper p9guard; do
		if out=$(apparmor_parser -Q -K "${I[@]}" "$dir/$p" 2>&1); then
			pass "apparmor($label): $p parses (apparmor_parser -Q -K)"
		else
			fail "apparmor($label): $p parses" "$(grep -v 'Cache read/write disabled' <<<"$out")"
			return
		fi
	done

	pre=$(apparmor_parser -p "${I[@]}" "$dir/p9guard-helper" 2>/dev/null)
	body=$(aa_body "$pre" p9guard-helper)
	caps=$(sed -n 's/^capability \(.*\),$/\1/p' <<<"$body" | tr ' ' '\n' | sort -u)
	if [ "$caps" = "$(set_of chown dac_override dac_read_search fowner fsetid setgid setpcap setuid)" ]; then
		pass "apparmor($label): helper capabilities exactly {$(echo $caps)}"
	else
		fail "apparmor($label): helper capability set" "$(echo $caps)"
	fi
	out=$(grep -E '^(audit |allow )*network' <<<"$body" | grep -Ev '^network unix (seqpacket|stream),$' || true)
	if [ -z "$out" ]; then
		pass "apparmor($label): helper has no network inet/inet6/netlink/packet rule (unix only)"
	else
		fail "apparmor($label): helper network rules" "$out"
	fi
	out=$(aa_file_rules <<<"$body" | awk '$2 ~ /[xXpPcCuUi]/' || true)
	out="$out$(grep -E '^(change_profile|pivot_root|mount|umount|remount|ptrace)' <<<"$body" || true)"
	if [ -z "$out" ]; then
		pass "apparmor($label): helper executes nothing (no x rule, change_profile, mount, ptrace)"
	else
		fail "apparmor($label): helper executes nothing" "$out"
	fi
	out=$(aa_file_rules <<<"$body" | awk '$2 ~ /[wal]/ { print $1 }' |
		grep -Ev '^(@\{P9GUARD_EXPORTS\}\*?\*?|@\{P9GUARD_LOGDIR\}/\*|/dev/null)$' || true)
	if [ -z "$out" ]; then
		pass "apparmor($label): helper writes only below @{P9GUARD_EXPORTS}, the audit log and /dev/null"
	else
		fail "apparmor($label): helper write rules outside the exports" "$out"
	fi
	out=$(aa_file_rules <<<"$body" | awk '$2 ~ /m/ { print $1 }' | grep -E 'P9GUARD' || true)
	if [ -z "$out" ]; then
		pass "apparmor($label): helper maps nothing executable from the exports or log"
	else
		fail "apparmor($label): helper m rules on exports" "$out"
	fi
	if grep -q '^@{P9GUARD_LOGDIR}/\* a$' < <(aa_file_rules <<<"$body") &&
		! aa_file_rules <<<"$body" | grep -q '^@{P9GUARD_LOGDIR}/\* .*[rw]'; then
		pass "apparmor($label): helper audit log is append-only"
	else
		fail "apparmor($label): helper audit log is append-only"
	fi
	out=$(aa_file_rules <<<"$body")
	if grep -qx '@{PROC}/@{pid}/fd/ r' <<<"$out" && grep -qx '/etc/passwd r' <<<"$out" &&
		grep -qx '/etc/group r' <<<"$out"; then
		pass "apparmor($label): helper reads /etc/passwd, /etc/group, /proc/PID/fd/"
	else
		fail "apparmor($label): helper start-up reads"
	fi
	if grep -qE '\.Private|/dev/log|journal|^unix \(create' <<<"$body"; then
		fail "apparmor($label): helper does not pull in abstractions/base" \
			"$(grep -E '\.Private|/dev/log|journal|^unix \(create' <<<"$body")"
	else
		pass "apparmor($label): helper uses p9guard-base, not abstractions/base (no ~/.Private, /dev/log, journal)"
	fi

	pre=$(apparmor_parser -p "${I[@]}" "$dir/p9guard" 2>/dev/null)
	body=$(aa_body "$pre" p9guard)
	caps=$(sed -n 's/^capability \(.*\),$/\1/p' <<<"$body" | tr ' ' '\n' | sort -u)
	if [ "$caps" = "$(set_of chown dac_read_search fowner net_bind_service setgid setpcap setuid)" ]; then
		pass "apparmor($label): frontend capabilities exactly {$(echo $caps)} (start-up only)"
	else
		fail "apparmor($label): frontend capability set" "$(echo $caps)"
	fi
	out=$(aa_file_rules <<<"$body" | awk '$2 ~ /[xXpPcCuUi]/' || true)
	local helper_path
	helper_path=$(sed -n 's/^profile p9guard-helper \([^ ]*\) .*/\1/p' <<<"$(apparmor_parser -p "${I[@]}" "$dir/p9guard-helper" 2>/dev/null)")
	if [ "$(echo $out)" = "$helper_path Px /usr/bin/newuidmap Cx /usr/bin/newgidmap Cx" ] &&
		grep -qE "^$helper_path +Px -> p9guard-helper,$" <<<"$body" &&
		[ "$(grep -cE '^/usr/bin/new[ug]idmap +Cx -> newidmap,$' <<<"$body")" = 2 ]; then
		pass "apparmor($label): frontend execs only $helper_path, into profile p9guard-helper (Px), and newuidmap/newgidmap into its child profile newidmap (Cx, --rootless)"
	else
		fail "apparmor($label): frontend exec rules" "$(echo $out) (helper attaches to $helper_path)"
	fi
	# The child profile of newuidmap/newgidmap (--rootless): as root it
	# writes the maps of a process, reads the id ranges, runs nothing.
	local child
	child=$(aa_body "$pre" p9guard newidmap)
	caps=$(sed -n 's/^capability \(.*\),$/\1/p' <<<"$child" | tr ' ' '\n' | sort -u)
	out=$(aa_file_rules <<<"$child" | awk '$2 ~ /[wal]/ { print $1 }' |
		grep -Ev '^(@\{PROC\}/\[0-9\]\*/(uid_map|gid_map|setgroups)|/dev/null)$' || true)
	if [ "$caps" = "$(set_of dac_override setfcap setgid setuid sys_admin)" ] && [ -z "$out" ] &&
		[ -z "$(aa_file_rules <<<"$child" | awk '$2 ~ /[xXpPcCuUi]/')" ] &&
		aa_file_rules <<<"$child" | grep -q '^/etc/subuid r$'; then
		pass "apparmor($label): child profile newidmap: capabilities {$(echo $caps)}, writes only /proc/PID/{uid_map,gid_map,setgroups}, executes nothing"
	else
		fail "apparmor($label): child profile newidmap" "caps: $(echo $caps); other writes: $out"
	fi
	out=$(aa_file_rules <<<"$body" | awk '$2 ~ /[wal]/ { print $1 }' |
		grep -Ev '^(@\{P9GUARD_RUNDIR\}/\*?\*?|@\{P9GUARD_LOGDIR\}/\*|@\{P9GUARD_EXPORTS\}\*\*|/dev/null|/dev/log|/run/systemd/journal/dev-log)$' || true)
	if [ -z "$out" ]; then
		pass "apparmor($label): frontend writes only its runtime dir, the audit log, syslog and passed export fds"
	else
		fail "apparmor($label): frontend write rules" "$out"
	fi
	out=$(aa_file_rules <<<"$body" | awk '$1 ~ /P9GUARD_EXPORTS/ && $2 ~ /[lmx]/' || true)
	if [ -z "$out" ]; then
		pass "apparmor($label): frontend has no link, map or exec on exports"
	else
		fail "apparmor($label): frontend link/map/exec on exports" "$out"
	fi

	# The tunable, expanded: no export is "/" or a parent of everything.
	out=$(apparmor_parser -Q -K "${I[@]}" -D expanded-variables "$dir/p9guard-helper" 2>/dev/null |
		sed -n 's/^@P9GUARD_EXPORTS = //p')
	if [ -n "$out" ] && ! grep -qE '"/"|"/\*|"[^"]*[^/]"' <<<"$out"; then
		pass "apparmor($label): @{P9GUARD_EXPORTS} = $out (directories with a trailing slash, not /)"
	else
		fail "apparmor($label): @{P9GUARD_EXPORTS} expands to directories with a trailing slash" "$out"
	fi
}

apparmor_tests() {
	if ! command -v apparmor_parser >/dev/null; then
		skip "apparmor: all AppArmor tests" "apparmor_parser missing (Debian package apparmor)"
		return
	fi
	if [ ! -r /etc/apparmor.d/tunables/global ]; then
		skip "apparmor: all AppArmor tests" "/etc/apparmor.d/tunables/global missing (Debian package apparmor)"
		return
	fi
	local layout out
	for layout in /usr:/usr/sbin:/usr/libexec/p9guard:/etc /usr/local:/usr/local/sbin:/usr/local/libexec/p9guard:/usr/local/etc; do
		IFS=: read -r prefix sbindir helperdir sysconfdir <<<"$layout"
		mkdir -p "$work/aa$prefix"
		if sh "$srcdir/apparmor/gen-profiles.sh" "$srcdir/apparmor" "$work/aa$prefix" \
			"$sbindir" "$helperdir" "$sysconfdir" 2>"$work/aa$prefix.err"; then
			pass "apparmor(prefix $prefix): profiles generated from the templates"
		else
			fail "apparmor(prefix $prefix): profiles generated" "$(cat "$work/aa$prefix.err")"
			continue
		fi
		aa_check_layout "prefix $prefix" "$work/aa$prefix" "$srcdir/apparmor"
	done

	# An administrator's tunable with two exports.
	mkdir -p "$work/aa2/tunables" "$work/aa2/abstractions"
	cp "$srcdir/apparmor/abstractions/p9guard-base" "$work/aa2/abstractions/"
	sed 's|^@{P9GUARD_EXPORTS}=.*|@{P9GUARD_EXPORTS}=/srv/vm1/ /srv/vm2/|' \
		"$srcdir/apparmor/tunables/p9guard" >"$work/aa2/tunables/p9guard"
	out=$(apparmor_parser -Q -K -I "$work/aa2" -D expanded-variables "$work/aa/usr/p9guard-helper" 2>&1 |
		sed -n 's/^@P9GUARD_EXPORTS = //p')
	if [ "$out" = '"/srv/vm1/" "/srv/vm2/"' ] &&
		apparmor_parser -Q -K -I "$work/aa2" "$work/aa/usr/p9guard" >/dev/null 2>&1; then
		pass "apparmor: a two-export tunable (/srv/vm1/ /srv/vm2/) parses and expands to both"
	else
		fail "apparmor: two-export tunable" "$out"
	fi

	# What `make` generated in the build tree, if it did.
	if [ -f "$target/apparmor/p9guard" ] && [ -f "$target/apparmor/p9guard-helper" ]; then
		aa_check_layout "built in $target" "$target/apparmor" "$srcdir/apparmor"
	fi
}

############################################################################
# make install
############################################################################

# A fresh build tree configured like a distribution package (prefix /usr,
# sysconfdir /etc), `make selinux` when the policy devel files are there,
# then `make install DESTDIR=...`: the module, the profiles, their tunable
# and abstraction and the policy man page land where docs/policies.md
# says, and the installed profiles name the installed binaries.
install_tests() {
	local b=$work/inst/build d=$work/inst/dest aa=$work/inst/dest/etc/apparmor.d out f missing=""
	if [ ! -x "$srcdir/configure" ]; then
		skip "install: make install DESTDIR" "no $srcdir/configure (run autoreconf -fi)"
		return
	fi
	if [ -f "$srcdir/config.status" ]; then
		skip "install: make install DESTDIR" "$srcdir is configured in-tree; a second build tree cannot be made"
		return
	fi
	mkdir -p "$b" "$d"
	if ! (cd "$b" && "$srcdir/configure" --prefix=/usr --sysconfdir=/etc --libexecdir=/usr/libexec \
		--localstatedir=/var >configure.log 2>&1); then
		fail "install: configure --prefix=/usr --sysconfdir=/etc" "$(tail -20 "$b/configure.log")"
		return
	fi
	if [ -f /usr/share/selinux/devel/Makefile ]; then
		if (cd "$b" && ulimit -v 4000000 && make selinux >selinux.log 2>&1); then
			pass "install: make selinux (prefix /usr) builds selinux/p9guard.pp"
		else
			fail "install: make selinux" "$(tail -20 "$b/selinux.log")"
		fi
	fi
	if (cd "$b" && make -j2 install DESTDIR="$d" >install.log 2>&1); then
		pass "install: make install DESTDIR=... (prefix /usr, sysconfdir /etc)"
	else
		fail "install: make install DESTDIR=..." "$(tail -20 "$b/install.log")"
		return
	fi
	if [ -f /usr/share/selinux/devel/Makefile ]; then
		# A policy module package starts with its magic, 0xf97cff8f (LE).
		f=$d/usr/share/selinux/packages/p9guard.pp
		if [ -s "$f" ] && [ "$(od -An -tx4 -N4 "$f" | tr -d ' ')" = f97cff8f ] && cmp -s "$f" "$b/selinux/p9guard.pp"; then
			pass "install: p9guard.pp installed as /usr/share/selinux/packages/p9guard.pp (module package magic)"
		else
			fail "install: /usr/share/selinux/packages/p9guard.pp" "$(cd "$d" && find . -name '*.pp')"
		fi
	else
		skip "install: p9guard.pp under /usr/share/selinux/packages/" "no /usr/share/selinux/devel/Makefile (selinux-policy-dev)"
	fi
	for f in p9guard p9guard-helper tunables/p9guard abstractions/p9guard-base; do
		[ -s "$aa/$f" ] || missing="$missing /etc/apparmor.d/$f"
	done
	if [ -z "$missing" ]; then
		pass "install: /etc/apparmor.d/{p9guard,p9guard-helper,tunables/p9guard,abstractions/p9guard-base} installed"
	else
		fail "install: AppArmor files under /etc/apparmor.d" "missing:$missing; found: $(cd "$d" && find . -path '*apparmor*' -type f)"
	fi
	if command -v apparmor_parser >/dev/null && [ -z "$missing" ]; then
		# The installed tunable and abstraction first, the system's global ones after.
		out=$(for f in p9guard p9guard-helper; do
			apparmor_parser -p -I "$aa" -I /etc/apparmor.d "$aa/$f" 2>&1 | sed -n 's/^profile \([^ ]*\) \([^ ]*\) .*/\1 \2/p'
		done)
		if [ "$(echo $out)" = "p9guard /usr/sbin/p9guard p9guard-helper /usr/libexec/p9guard/p9guard-helper" ] &&
			grep -qE '^ */usr/libexec/p9guard/p9guard-helper +Px -> p9guard-helper,' "$aa/p9guard" &&
			[ -x "$d/usr/sbin/p9guard" ] && [ -x "$d/usr/libexec/p9guard/p9guard-helper" ] &&
			apparmor_parser -Q -K -I "$aa" -I /etc/apparmor.d "$aa/p9guard-helper" "$aa/p9guard" >/dev/null 2>&1; then
			pass "install: installed profiles parse and attach to the installed /usr/sbin/p9guard, /usr/libexec/p9guard/p9guard-helper (Px)"
		else
			fail "install: installed profiles attach to the installed binaries" "$out"
		fi
	fi
	f=$d/usr/share/man/man7/p9guard-policy.7
	if [ -s "$f" ] && grep -q 'semodule' "$f" && grep -q 'apparmor_parser' "$f"; then
		pass "install: man page p9guard-policy(7) installed as /usr/share/man/man7/p9guard-policy.7"
	else
		fail "install: man page p9guard-policy(7)" "$(cd "$d" && find . -path '*man*' -type f)"
	fi
	if (cd "$b" && make uninstall DESTDIR="$d" >uninstall.log 2>&1) &&
		[ -z "$(cd "$d" && find . -type f \( -name '*.pp' -o -path '*apparmor.d*' -o -name 'p9guard-policy.7' \))" ]; then
		pass "install: make uninstall removes the module, the profiles and the man page"
	else
		fail "install: make uninstall" "$(cd "$d" && find . -type f)"
	fi
	inst_builddir=$b
}

# The build whose binaries run in the guest: $P9GUARD_BUILDDIR, the
# directory given to this script, build-ci/ or build/ in the source tree,
# else the tree install_tests built.
inst_builddir=
find_builddir() {
	local d
	for d in "${P9GUARD_BUILDDIR:-}" "$target" "$srcdir/build-ci" "$srcdir/build" "$inst_builddir"; do
		if [ -n "$d" ] && [ -x "$d/p9guard" ] && [ -x "$d/p9guard-helper" ]; then
			echo "$d"
			return
		fi
	done
}

# Enforcement in a real kernel: tests/policy/apparmor-vm.sh boots the guest
# kernel tests/vm/fetch.sh cached, with AppArmor on, and runs
# apparmor-guest.sh (the probe, then the real daemon pair).  Each guest
# line becomes a test here.
apparmor_guest_tests() {
	local out rc line bd start=$SECONDS
	bd=$(find_builddir)
	[ -n "$bd" ] || echo "note: no p9guard build found (P9GUARD_BUILDDIR, $target, build-ci, build): the guest skips the daemon pair"
	out=$(bash "$here/apparmor-vm.sh" $bd 2>&1) && rc=0 || rc=$?
	if [ "$rc" = 77 ]; then
		skip "apparmor(guest): enforcement in a guest kernel" "$(sed -n 's/^SKIP: apparmor-vm: //p' <<<"$out")"
		return
	fi
	while IFS= read -r line; do
		case $line in
		"PASS: "*) pass "apparmor(guest): ${line#PASS: }" ;;
		"FAIL: "*) fail "apparmor(guest): ${line#FAIL: }" ;;
		"SKIP: "*) skip "apparmor(guest): ${line#SKIP: }" "reported by the guest" ;;
		"    "*) echo "$line" ;;
		esac
	done <<<"$out"
	if [ "$rc" != 0 ] && ! grep -q '^FAIL: ' <<<"$out"; then
		fail "apparmor(guest): the guest run failed (exit $rc)" "$(tail -n 20 <<<"$out")"
	fi
	echo "    (guest stage: $((SECONDS - start)) s${bd:+, daemons from $bd})"
}

# P9GUARD_POLICY_ONLY=selinux, =apparmor or =install runs one part (a
# stated skip for the others).
only=${P9GUARD_POLICY_ONLY:-}
echo "== SELinux"
if [ -z "$only" ] || [ "$only" = selinux ]; then selinux_tests; else skip "selinux: all" "P9GUARD_POLICY_ONLY=$only"; fi
echo "== make install"
if [ -z "$only" ] || [ "$only" = install ]; then install_tests; else skip "install: all" "P9GUARD_POLICY_ONLY=$only"; fi
echo "== AppArmor"
if [ -z "$only" ] || [ "$only" = apparmor ]; then
	apparmor_tests
	if command -v apparmor_parser >/dev/null; then apparmor_guest_tests; fi
else
	skip "apparmor: all" "P9GUARD_POLICY_ONLY=$only"
fi

echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
