#!/usr/bin/env bash
# The whole suite in two phases: everything but the headless-browser tests in parallel, then
# the browser tests one at a time. Chromium aborts requests with ERR_NETWORK_CHANGED when a
# host interface appears (each hub and user network is a bridge, each container a veth), so
# its pages must not load while other tests make networks.
#
# A phase that selects nothing (a PYTEST_ARGS subset) is fine; both selecting nothing is not:
# pytest's exit 5 ("no tests") fails the run like any other error.
set -uo pipefail
PYTHON=${PYTHON:-.venv/bin/python}
WORKERS=${PYTEST_WORKERS:-2}
# shellcheck disable=SC2086  # PYTEST_ARGS is a list of arguments
"$PYTHON" -m pytest -n "$WORKERS" --dist loadfile -m "not browser" ${PYTEST_ARGS:-}
parallel=$?
"$PYTHON" -m pytest -m browser ${PYTEST_ARGS:-}
browser=$?
for status in $parallel $browser; do
    [ "$status" -eq 0 ] || [ "$status" -eq 5 ] || exit "$status"
done
if [ "$parallel" -eq 5 ] && [ "$browser" -eq 5 ]; then
    echo "no tests ran" >&2
    exit 5
fi
exit 0
