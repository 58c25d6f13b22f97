# subids.sh - subordinate id ranges a test lends a user, and takes back.
#
# Source it, then:
#   subids_save DIR             copy /etc/subuid and /etc/subgid into DIR (made
#                               if missing), noting a file that does not exist
#   subids_set USER [START COUNT]  exactly that range for USER in both files
#                               (no range at all without START COUNT)
#   subids_restore DIR          put both files back byte for byte (or remove a
#                               file that did not exist); call it from the trap
# Needs root.

subids_save() {
	local dir=$1 f
	mkdir -p "$dir"
	for f in subuid subgid; do
		if [ -e "/etc/$f" ]; then cp -p "/etc/$f" "$dir/$f"; else : >"$dir/$f.none"; fi
	done
}

subids_set() {
	local user=$1 start=${2:-} count=${3:-} f
	for f in /etc/subuid /etc/subgid; do
		touch "$f"
		sed -i "/^$user:/d" "$f"
		[ -z "$start" ] || echo "$user:$start:$count" >>"$f"
	done
	return 0
}

subids_restore() {
	local dir=$1 f
	for f in subuid subgid; do
		if [ -e "$dir/$f.none" ]; then
			rm -f "/etc/$f"
		elif [ -e "$dir/$f" ]; then
			cp -p "$dir/$f" "/etc/$f"
		fi
	done
}
