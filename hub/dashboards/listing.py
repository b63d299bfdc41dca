"""The dashboards in ``dashboards/`` and how staff see them named.

A dashboard notebook says its Korean title and one-line description in its metadata:

    "metadata": {"seoul": {"title": "서울 인구관", "description": "…", "order": 1}}

A notebook without that metadata is not a dashboard (a helper or a draft) and is not listed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

#: The dashboards folder of the project (the service renders it; the hub home lists it).
DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"


@dataclass(frozen=True)
class Dashboard:
    file: str  # notebook file name, relative to the dashboards folder
    title: str
    description: str
    order: int = 100

    @property
    def path(self) -> str:
        """The service path (relative to the hub's base URL) that renders it."""
        return f"services/dashboards/voila/render/{self.file}"


def dashboards(directory: Path = DASHBOARDS) -> list[Dashboard]:
    """The dashboards of ``directory``, in their display order."""
    found = []
    for path in sorted(directory.glob("*.ipynb")):
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("seoul")
        if not meta:
            continue
        found.append(
            Dashboard(
                path.name, meta["title"], meta.get("description", ""), int(meta.get("order", 100))
            )
        )
    return sorted(found, key=lambda d: (d.order, d.file))
