# accounts.sh - host accounts a test needs, made by the test and removed by it.
#
# Source it, then:
#   acct_group GID NAME            a group with that gid, unless one exists
#   acct_user UID NAME [GROUPS]    a user with that uid whose primary group
#                                  is the gid of the same number (made if
#                                  missing), with supplementary GROUPS
#                                  (comma-separated gids), unless one exists
#   acct_system_user NAME          a system user and its own group, unless
#                                  NAME exists
#   acct_cleanup [N]               remove exactly what the calls above made,
#                                  newest first, down to the first N of them
#                                  (default 0: all); call it from the EXIT trap
#   acct_count                     how many the calls above have made
# An account that already existed is used as it is and never removed.
# Needs root and Debian's passwd package (useradd, groupadd, userdel).

acct_made=()    # "user NAME" / "group NAME", in the order made

acct_group() {
	local gid=$1 name=$2
	getent group "$gid" >/dev/null && return 0
	groupadd -g "$gid" "$name" && acct_made+=("group $name")
}

acct_user() {
	local uid=$1 name=$2 groups=${3:-}
	if getent passwd "$uid" >/dev/null; then
		[ -z "$groups" ] && return 0
		# It exists: it must have the groups the test counts on.
		local g have
		have=$(id -G "$(getent passwd "$uid" | cut -d: -f1)")
		for g in ${groups//,/ }; do
			grep -qw -- "$g" <<<"$have" || {
				echo "accounts.sh: uid $uid exists without group $g" >&2
				return 1
			}
		done
		return 0
	fi
	acct_group "$uid" "$name" || return 1
	useradd -M -d /nonexistent -s /usr/sbin/nologin -u "$uid" -g "$uid" \
		${groups:+-G "$groups"} "$name" && acct_made+=("user $name")
}

acct_system_user() {
	local name=$1
	id -u "$name" >/dev/null 2>&1 && return 0
	useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --user-group "$name" && acct_made+=("user $name")
}

acct_count() { echo "${#acct_made[@]}"; }

acct_cleanup() {
	local keep=${1:-0} i kind name
	for ((i = ${#acct_made[@]} - 1; i >= keep; i--)); do
		kind=${acct_made[i]%% *} name=${acct_made[i]#* }
		if [ "$kind" = user ]; then
			# userdel also removes the user's own group if it made one
			userdel "$name" 2>/dev/null || echo "accounts.sh: userdel $name failed" >&2
		else
			! getent group "$name" >/dev/null || groupdel "$name" 2>/dev/null ||
				echo "accounts.sh: groupdel $name failed" >&2
		fi
	done
	acct_made=("${acct_made[@]:0:keep}")
}
