"""Load the bundled demo data (real public Seoul data, ``data/``) into the platform data dir.

    python -m seoul_data.demo --into var/data

The copy is atomic: it is written beside the target and renamed into place, so a failed
load leaves the previous data intact. Provenance stays with the files (SOURCES.md).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent.parent / "data"


def load_demo(target: str | Path, source: str | Path = BUNDLED) -> bool:
    """Copy ``source`` to ``target`` unless identical; return whether anything changed."""
    source, target = Path(source), Path(target)
    if not (source / "SOURCES.md").exists():
        raise FileNotFoundError(f"no demo data at {source} (SOURCES.md missing)")
    if target.exists() and _same_tree(source, target):
        return False
    staging = target.with_name(target.name + ".loading")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging)
    if target.exists():
        retired = target.with_name(target.name + ".previous")
        shutil.rmtree(retired, ignore_errors=True)
        target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(target)
    return True


def _same_tree(a: Path, b: Path) -> bool:
    comparison = filecmp.dircmp(a, b)
    if comparison.left_only or comparison.right_only or comparison.diff_files:
        return False
    return all(_same_tree(a / sub, b / sub) for sub in comparison.common_dirs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Load the demo data into the data directory")
    parser.add_argument("--into", required=True, help="platform data directory")
    args = parser.parse_args(argv)
    changed = load_demo(args.into)
    print(f"Demo data {'loaded into' if changed else 'already in'} {args.into}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
