#!/bin/sh
# The server's entry point: on a home's first start, a copy of the example notebooks to run
# and change (~/예제; later images never overwrite it), then the server itself.
if [ ! -e "$HOME/예제" ] && [ -d /opt/seoul-data-hub/examples ]; then
    cp -r /opt/seoul-data-hub/examples "$HOME/예제" || echo "예제 노트북을 복사하지 못했습니다" >&2
fi
exec "$@"
