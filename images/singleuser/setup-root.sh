#!/bin/sh
# Root-time setup of the single-user image, for either base:
#   - our Debian base (debootstrap + docker import): no user, no pip, Debian python3;
#   - a jupyter docker-stacks image (quay.io/jupyter/base-notebook): user jovyan
#     (uid 1000, gid 100) and a conda python on PATH already exist.
# One script keeps one Dockerfile for both; each step checks before it acts.
set -eu

NB_USER=jovyan
NB_UID=1000
NB_GID=100 # Debian's and docker-stacks' "users" group
VENV=/opt/venv

# Korean font for charts and widgets; fontconfig gives fc-list and lets other
# programs (Chromium, LibreOffice, ...) find it.
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install --yes --no-install-recommends fonts-nanum fontconfig
apt-get clean
rm -rf /var/lib/apt/lists/*

if ! id -u "$NB_USER" >/dev/null 2>&1; then
    useradd --create-home --uid "$NB_UID" --gid "$NB_GID" --shell /bin/bash "$NB_USER"
fi

# docker-stacks brings a conda python owned by jovyan; elsewhere make a venv that
# jovyan owns, so analysts can `pip install` into their server as they can there.
if ! command -v conda >/dev/null 2>&1; then
    python3 -m venv "$VENV"
    chown -R "$NB_UID:$NB_GID" "$VENV"
fi
