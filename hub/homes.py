"""Users' homes: a file system of its own per user, of a fixed size, so one user cannot fill
the host's disk for everyone.

A home is an ext4 image (``<homes_dir>/<user>.img``, sparse: it takes the space its files
take) loop-mounted at ``<homes_dir>/mnt/<user>`` (nosuid, nodev) and bound into the user's
containers at /home/jovyan. A full home stops its own user's writes ("No space left on
device"), nobody else's. The size comes from the quota profile (``home``); a larger
profile grows the image, nothing shrinks it. A home made by an earlier version (the named
volume ``<prefix>-home-<user>``) is copied in once, when the image is made.

Blocking (mount, mkfs, copying): call from an executor, never on the hub's event loop.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

#: The image's server user (jovyan) owns the home's root.
OWNER = (1000, 100)


class HomeError(RuntimeError):
    """A home could not be made or mounted; the message says which and why."""


def mount_point(homes_dir: Path, user: str) -> Path:
    return Path(homes_dir) / "mnt" / user


def ensure_home(homes_dir: Path, user: str, size: int, legacy: Path | None = None) -> Path:
    """Make (or grow) and mount ``user``'s home of ``size`` bytes; return where it is mounted.

    legacy: the host folder of an earlier home (a Docker volume's data) to copy in when
    the image is new."""
    homes_dir = Path(homes_dir)
    (homes_dir / "mnt").mkdir(mode=0o700, parents=True, exist_ok=True)
    homes_dir.chmod(0o700)
    image = homes_dir / f"{user}.img"
    target = mount_point(homes_dir, user)
    new = not image.exists()
    if new:
        fd = os.open(image, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.ftruncate(fd, size)
        os.close(fd)
        # lazy init: the image takes ~4 MB until files are written, not the journal size
        # (safe here: a new sparse file reads as zeros, which is all the lazy init skips)
        extended = f"root_owner={OWNER[0]}:{OWNER[1]},lazy_itable_init=1,lazy_journal_init=1"
        _run("mkfs.ext4", "-q", "-F", "-m", "0", "-E", extended, "-L", "sdh-home", str(image))
    target.mkdir(mode=0o700, exist_ok=True)
    if not is_mounted(target):
        _run("mount", "-o", "loop,nosuid,nodev", str(image), str(target))
    if image.stat().st_size < size:
        grow(image, target, size)
    if new and legacy is not None and legacy.is_dir():
        _run("cp", "-a", f"{legacy}/.", str(target))
        log.info("Copied %s's earlier home from %s", user, legacy)
    return target


def grow(image: Path, target: Path, size: int) -> None:
    """Grow a mounted home to ``size`` bytes (ext4 grows online)."""
    with open(image, "r+b") as f:
        f.truncate(size)
    device = _loop_device(target)
    _run("losetup", "-c", device)
    _run("resize2fs", device)
    log.info("Grew %s to %d bytes", image, size)


def unmount(homes_dir: Path, user: str) -> None:
    """Unmount ``user``'s home (the image stays)."""
    target = mount_point(homes_dir, user)
    if not is_mounted(target):
        return
    result = subprocess.run(["umount", str(target)], capture_output=True, text=True)
    if result.returncode != 0:
        # still in use (a container not yet gone): detach now, free the loop device when
        # the last user lets go
        log.warning("%s's home is busy (%s): detached lazily", user, result.stderr.strip())
        subprocess.run(["umount", "--lazy", str(target)], capture_output=True)


def unmount_all(homes_dir: Path) -> None:
    """Unmount every home under ``homes_dir`` (test clean-up, a platform taken down)."""
    for target in sorted((Path(homes_dir) / "mnt").glob("*")):
        unmount(homes_dir, target.name)


def usage(homes_dir: Path, user: str) -> tuple[int, int] | None:
    """(used, size) in bytes of a mounted home; None when it is not mounted."""
    target = mount_point(homes_dir, user)
    if not is_mounted(target):
        return None
    stat = os.statvfs(target)
    return (stat.f_blocks - stat.f_bfree) * stat.f_frsize, stat.f_blocks * stat.f_frsize


def is_mounted(path: Path) -> bool:
    return any(fields[4] == str(path) for fields in _mountinfo())


def _loop_device(target: Path) -> str:
    for fields in _mountinfo():
        if fields[4] == str(target):
            return fields[fields.index("-") + 2]
    raise HomeError(f"{target} is not mounted")


def _mountinfo() -> list[list[str]]:
    with open("/proc/self/mountinfo") as f:
        return [line.split() for line in f]


def _run(*command: str) -> None:
    if not shutil.which(command[0]):
        raise HomeError(f"{command[0]} is missing (Debian packages e2fsprogs, mount)")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise HomeError(f"{' '.join(command)} failed: {result.stderr.strip()}")
