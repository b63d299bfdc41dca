"""PNG pictures of map pages, taken by headless Chromium (Debian's ``chromium``) with the
network cut off, so what is pictured is what the offline page draws."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

#: Software WebGL (SwiftShader) for machines without a GPU; every host name fails to resolve.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--hide-scrollbars",
    "--disable-gpu-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--disable-background-networking",
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise RuntimeError("PNG로 저장하려면 Chromium이 필요합니다 (apt-get install chromium).")
    return found


def screenshot(
    page: str, path: Path, width: int = 1200, height: int = 800, wait_ms: int = 8000
) -> Path:
    """Draw ``page`` (HTML) at ``width`` × ``height`` and save it as a PNG at ``path``."""
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="sd-map-") as work:
        source = Path(work, "map.html")
        source.write_text(page, encoding="utf-8")
        command = [
            chromium(),
            *FLAGS,
            f"--user-data-dir={work}/profile",
            f"--window-size={width},{height}",
            f"--virtual-time-budget={wait_ms}",
            f"--screenshot={path}",
            source.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not path.exists():
        raise RuntimeError(f"지도 그림을 만들지 못했습니다: {done.stderr.strip()[-500:]}")
    return path
