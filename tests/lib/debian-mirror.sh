# debian-mirror.sh - which Debian archive this machine uses (sourced by
# tests/vm/fetch.sh and tests/package/run.sh; they fetch from it only).
#
#   debian_mirror           the main archive, e.g. http://deb.debian.org/debian
#   debian_security_mirror  the security archive, e.g. .../debian-security
#
# Either apt source file may be missing (a debootstrap root has only
# sources.list), and the callers run under set -o pipefail: no lookup fails.

debian_mirror() {
	local m
	m=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1 || true)
	[ -n "$m" ] || m=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
	m=${m:-http://deb.debian.org/debian}
	echo "${m%/}"
}

debian_security_mirror() {
	local m
	m=$( { sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources
		awk '$1 == "deb" {print $2}' /etc/apt/sources.list; } 2>/dev/null | grep -m1 'debian-security' || true)
	m=${m%/}
	[ -n "$m" ] || { m=$(debian_mirror); m=${m%/debian}/debian-security; }
	echo "$m"
}
