# /etc/profile.d/seoul-data-hub.sh. A JupyterLab terminal runs a login shell, and Debian's
# /etc/profile sets PATH anew: without this, `python`, `pip` and `jupyter` there would not
# be the server's (our Debian base's venv; docker-stacks' conda is on PATH already).
if [ -d /opt/venv/bin ]; then
    case ":$PATH:" in
        *:/opt/venv/bin:*) ;;
        *) PATH="/opt/venv/bin:$PATH" ;;
    esac
    export PATH
fi
