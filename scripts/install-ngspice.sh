#!/bin/sh
# Installs ngspice's shared library and command (libngspice0-dev, ngspice), preferring a
# KLU-capable release (ngspice ≥ 42) where the distribution offers one. On Debian 12 that
# release is in the backports suite: it is enabled from the machine's own configured Debian
# mirror (read from the apt sources, no host written here). Elsewhere the distribution's
# package is installed as it is. ngspice 39 keeps working (Sparse 1.3, no KLU).
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
APT="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get"

major_version() {  # "46+ds-1~bpo12+1" → 46, "39-1" → 39, "" → 0
    v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true)
    v=${v#*:}
    v=${v%%[!0-9]*}
    echo "${v:-0}"
}

if [ "$(major_version libngspice0-dev)" -ge 42 ] && command -v ngspice >/dev/null 2>&1; then
    exit 0
fi

. /etc/os-release
target=""
if [ "${ID:-}" = debian ] && [ "${VERSION_CODENAME:-}" = bookworm ]; then
    suite="bookworm-backports"
    if ! grep -rqs "$suite" /etc/apt/sources.list /etc/apt/sources.list.d/; then
        # The mirror that serves this machine's "bookworm" suite (deb822 or one-line sources).
        mirror=$(awk '
            /^URIs:/ { uri = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") found = uri }
            /^$/ { uri = "" }
            END { print found }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
        if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
            mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i + 1) == "bookworm") { print $i; exit } } }' /etc/apt/sources.list)
        fi
        if [ -n "$mirror" ]; then
            echo "enabling $suite from the configured mirror $mirror"
            printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
                "$mirror" "$suite" | $SUDO tee /etc/apt/sources.list.d/clln-backports.sources >/dev/null
        fi
    fi
    $APT update -qq
    if apt-cache policy libngspice0-dev 2>/dev/null | grep -q "$suite"; then target="-t $suite"; fi
else
    $APT update -qq
fi
# shellcheck disable=SC2086
$APT install -y -qq $target libngspice0-dev ngspice
echo "ngspice: $(dpkg-query -W -f='${Version}' libngspice0-dev)"
