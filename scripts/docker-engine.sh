#!/usr/bin/env bash
# Start, stop or check the platform's own Docker engine.
#
# No default bridge, no iptables rules of its own, no IP forwarding: user containers run on
# the platform's own bridge networks, which the hub makes and firewalls (hub/network.py).
# Its socket, data root and pid file are its own, so it runs beside a system Docker without
# touching it. Images and volumes persist in the data root.
set -euo pipefail

SOCKET_DIR=${SDH_ENGINE_DIR:-/run/sdh-docker}
DATA_ROOT=${SDH_ENGINE_DATA:-/var/lib/sdh-docker}
LOG=${SDH_ENGINE_LOG:-/var/log/sdh-dockerd.log}
SOCKET="$SOCKET_DIR/docker.sock"
PIDFILE="$SOCKET_DIR/docker.pid"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

reachable() { docker -H "unix://$SOCKET" version >/dev/null 2>&1; }

start() {
    if reachable; then
        echo "Docker engine: running (unix://$SOCKET)"
        return
    fi
    command -v dockerd >/dev/null || { echo "dockerd missing: run 'make setup'" >&2; exit 1; }
    $SUDO mkdir -p "$SOCKET_DIR" "$DATA_ROOT"
    # the invoking user's group owns the socket, so the hub needs no root
    $SUDO setsid dockerd \
        --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
        --host "unix://$SOCKET" --group "$(id -gn)" \
        --containerd-namespace sdh --containerd-plugins-namespace sdh-plugins \
        --data-root "$DATA_ROOT" --exec-root "$SOCKET_DIR/exec" --pidfile "$PIDFILE" \
        </dev/null >>"$LOG" 2>&1 &
    for _ in $(seq 1 60); do
        if reachable; then
            echo "Docker engine: started (unix://$SOCKET)"
            return
        fi
        sleep 0.5
    done
    echo "Docker engine did not start in 30 s; see $LOG" >&2
    tail -20 "$LOG" >&2 || true
    exit 1
}

stop() {
    if [ -f "$PIDFILE" ]; then
        $SUDO kill "$(cat "$PIDFILE")" 2>/dev/null || true
        for _ in $(seq 1 40); do
            [ -f "$PIDFILE" ] || break
            sleep 0.5
        done
        echo "Docker engine: stopped"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) reachable && echo running || { echo stopped; exit 1; } ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
