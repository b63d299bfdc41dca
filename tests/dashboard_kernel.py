"""A dashboard notebook executed on a real kernel (nbclient), kept alive so tests can call
its functions and move its widgets the way its page does."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class Dashboard:
    """The executed notebook and its live kernel."""

    def __init__(self, notebook, client: NotebookClient, page_cells: int) -> None:
        self.notebook = notebook
        self.client = client
        self.page_cells = page_cells

    def run(self, code: str):
        """Run ``code`` in the dashboard's kernel; the value it prints as JSON."""
        cell = nbformat.v4.new_code_cell(code)
        self.notebook.cells.append(cell)
        self.client.execute_cell(cell, len(self.notebook.cells) - 1)
        printed = "".join(
            o.get("text", "")
            for o in cell.outputs
            if o.output_type == "stream" and o.get("name") == "stdout"
        )
        return json.loads(printed) if printed.strip() else None

    def value(self, expression: str):
        """The value of a Python expression in the kernel (JSON-able)."""
        return self.run(f"import json; print(json.dumps({expression}, ensure_ascii=False))")

    def page_outputs(self) -> list:
        cells = self.notebook.cells[: self.page_cells]
        return [o for c in cells if c.cell_type == "code" for o in c.outputs]


@contextlib.contextmanager
def executed(name: str, tmp: Path, data_dir: Path, cls: type = Dashboard) -> Iterator[Dashboard]:
    """``dashboards/<name>`` run top to bottom over ``data_dir``, as Voila runs it."""
    notebook = nbformat.read(REPO / "dashboards" / name, as_version=4)
    page_cells = len(notebook.cells)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEOUL_DATA_DIR", str(data_dir))
        patch.setenv("SEOUL_USAGE_LOG", str(tmp / "usage.jsonl"))
        patch.delenv("SEOUL_DATA_GROUPS", raising=False)
        patch.setenv("SEOUL_AI_MAX_CPUS", "1")  # as in the dashboards service (hub/config.py)
        client = NotebookClient(
            notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": tmp}}
        )
        with client.setup_kernel():
            for index, cell in enumerate(notebook.cells[:page_cells]):
                client.execute_cell(cell, index)
            yield cls(notebook, client, page_cells)
