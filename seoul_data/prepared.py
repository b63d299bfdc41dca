"""What is the same for every reader of the same data, made once and kept on disk.

A dashboard's first view (the hall's cards, maps, rankings and downloads; the 생활인구
charts and map) is the same for every viewer with the same data and code. Computed in each
kernel, it is most of what a page costs (seconds of CPU, hundreds of MiB). A function marked
:func:`prepared` keeps its results in a directory, so the next kernel (the next viewer, the
refill of a dashboard's pool) reads them instead:

- The key is the function, its arguments, the **data version** (the catalog file and the
  living-population store, as they are on disk now), the **code version** (this package's
  files) and the reader's **groups** (what they may read): data or code that changes, or a
  reader who may read more or less, never gets another one's results.
- The directory is ``SEOUL_DATA_PREPARED`` (``off`` turns it off), by default
  ``~/.cache/seoul_data/prepared``: a user's own in their server, the service's own in the
  dashboards service, never shared between readers of different trust.
- Results are read only from a directory of the reader's own (they are pickles: code), and
  written whole (a temporary file renamed), so a reader never sees half of
  one; a data version's directory holds at most :data:`MAX_BYTES` (the oldest results go
  first) and the previous data versions' directories are removed.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from seoul_data.access import current_groups
from seoul_data.paths import data_dir

T = TypeVar("T")
VARIABLE = "SEOUL_DATA_PREPARED"
#: Bytes one data version's results may take; past it the oldest are removed.
MAX_BYTES = 256 * 2**20
#: Seconds a data version is trusted before the files are looked at again.
RECHECK_S = 5.0
_checked: tuple[float, str] = (0.0, "")


def directory() -> Path | None:
    """Where results are kept, or None when turned off."""
    configured = os.environ.get(VARIABLE, "")
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "seoul_data" / "prepared"


def _stat(path: Path) -> str:
    try:
        found = path.stat()
    except OSError:
        return f"{path.name}:-"
    return f"{path.name}:{found.st_size}:{found.st_mtime_ns}"


def data_version() -> str:
    """A fingerprint of the data on disk: the catalog (every ingest writes it) and the
    living-population store's files (written beside it)."""
    global _checked
    checked_at, version = _checked
    if time.monotonic() - checked_at < RECHECK_S:
        return version
    root = data_dir()
    parts = [_stat(root / "catalog.sqlite"), _stat(root / "catalog.sqlite-wal")]
    for folder, _, files in sorted(os.walk(root / "living")):
        parts += [_stat(Path(folder, name)) for name in sorted(files)]
    version = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    _checked = (time.monotonic(), version)
    return version


@functools.cache
def code_version() -> str:
    """A fingerprint of this package's source files (a new release, a changed view)."""
    package = Path(__file__).resolve().parent
    files = sorted(package.rglob("*.py"))
    return hashlib.sha256("\n".join(_stat(f) for f in files).encode()).hexdigest()[:16]


def prepared(make: Callable[..., T]) -> Callable[..., T]:
    """Mark ``make`` (a function of its arguments and the data only, with a picklable
    result) as prepared once per data version and shared through the directory."""

    @functools.wraps(make)
    def prepared_make(*args, **kwargs) -> T:
        root = directory()
        if root is None or not _ours(root):
            return make(*args, **kwargs)
        version = f"{data_version()}-{code_version()}"
        call = (make.__module__, make.__qualname__, args, sorted(kwargs.items()))
        groups = ",".join(sorted(current_groups()))
        key = hashlib.sha256(repr((call, groups)).encode()).hexdigest()
        path = root / version / f"{key}.pickle"
        try:
            return pickle.loads(path.read_bytes())
        except FileNotFoundError:
            pass
        except Exception:  # a broken result (a full disk, a crash): made again
            pass
        result = make(*args, **kwargs)
        _keep(path, result)
        return result

    return prepared_make


def _ours(root: Path) -> bool:
    """Whether ``root`` is this reader's (or not made yet): results are code to unpickle,
    read only from a directory no one else writes."""
    try:
        return root.stat().st_uid == os.getuid()
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _keep(path: Path, result) -> None:
    """Write ``result`` whole at ``path``; a directory that cannot be written loses the
    sharing, never the result."""
    folder = path.parent
    try:
        if not folder.exists():
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            for old in folder.parent.iterdir():  # results of data or code that changed
                if old != folder:
                    shutil.rmtree(old, ignore_errors=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as out:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, path)
        _trim(folder)
    except (OSError, pickle.PicklingError):
        return


def _trim(folder: Path) -> None:
    """Remove the oldest results while the folder holds more than :data:`MAX_BYTES`."""
    kept = sorted((f.stat().st_mtime, f.stat().st_size, f) for f in folder.glob("*.pickle"))
    total = sum(size for _, size, _ in kept)
    for _, size, file in kept:
        if total <= MAX_BYTES:
            break
        file.unlink(missing_ok=True)
        total -= size
