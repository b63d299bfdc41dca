#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the platform needs, only those that are missing.
set -euo pipefail

PACKAGES=(
    docker.io          # the Docker engine (dockerd, containerd, runc) and client
    debootstrap        # builds the local base image: no registry is reachable
    python3-venv
    nodejs npm         # configurable-http-proxy
    fonts-nanum        # Korean glyphs in charts and screenshots
    chromium           # headless browser for the page tests
    ca-certificates make git
)
# docker.io ships the engine; another install may provide only the client
needed=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || needed+=("$package")
done
if ! command -v dockerd >/dev/null; then
    needed+=(docker.io)
fi
if [ ${#needed[@]} -eq 0 ]; then
    echo "System packages: all present"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing: ${needed[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${needed[@]}"
