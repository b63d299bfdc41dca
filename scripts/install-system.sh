#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the platform needs, only those that are missing.
# Tools are looked for as commands, not packages: a machine may have them from elsewhere
# (Node.js from NodeSource, Python from pyenv), and apt must not fight those installs.
set -euo pipefail

needed=()
want_command() { command -v "$1" >/dev/null 2>&1 || needed+=("$2"); }
want_package() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || needed+=("$1")
}

want_command dockerd docker.io        # the Docker engine (with containerd, runc, docker-init)
want_command debootstrap debootstrap  # the local base image: no registry is reachable
want_command iptables iptables        # the host firewall of the isolated network (hub/network.py)
want_command mkfs.ext4 e2fsprogs      # users' homes: an ext4 image each (hub/homes.py)
want_command losetup mount
want_command node nodejs              # configurable-http-proxy
want_command npm npm
want_command chromium chromium        # headless browser for the page tests
want_command make make
want_command git git
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || needed+=(postgresql)  # SDH_DB_URL tests, pg_dump
want_package ca-certificates
want_package fonts-nanum              # Korean glyphs in charts and screenshots
python3 -c "import ensurepip, venv" 2>/dev/null || needed+=(python3-venv)

if [ ${#needed[@]} -eq 0 ]; then
    echo "System packages: all present"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing: ${needed[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${needed[@]}"
