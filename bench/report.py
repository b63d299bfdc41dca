"""One report format for every benchmark: what ran, when, on what machine, the numbers."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path


def new_report(benchmark: str, **fields) -> dict:
    """A report's head: the benchmark's name, the date and the machine, then ``fields``."""
    return {
        "benchmark": benchmark,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        **fields,
    }


def write_report(report: dict, out: str | Path, shown: dict | None = None) -> None:
    """Write ``report`` as JSON to ``out`` and print it (or ``shown``, a summary of it)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report if shown is None else shown, indent=2, ensure_ascii=False))
