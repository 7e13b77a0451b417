# Sourced by the setup scripts: installs Debian packages that are missing,
# only where that can work (root, apt-get present). Not executable on its own.

# deb_missing PKG... prints the packages dpkg does not report as installed.
deb_missing() {
	local p
	for p in "$@"; do
		if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
			echo "$p"
		fi
	done
}

# can_apt says whether apt-get installs can work here: they need root.
can_apt() {
	[[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1
}

# apt_install PKG... installs quietly. A fresh machine may have stale or empty
# package lists, so a failed install is retried once after `apt-get update`.
# Output goes to a log that is shown only on failure.
apt_install() {
	local log
	log="$(mktemp)"
	export DEBIAN_FRONTEND=noninteractive
	if apt-get install -y -qq --no-install-recommends "$@" >"$log" 2>&1; then
		rm -f "$log"
		return 0
	fi
	if apt-get update -qq >>"$log" 2>&1 &&
		apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1; then
		rm -f "$log"
		return 0
	fi
	echo "apt-get install $* failed; its output:" >&2
	tail -n 20 "$log" >&2
	rm -f "$log"
	return 1
}
