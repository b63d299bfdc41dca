"""The one error type of collection: it says what failed and where (file, row, column)."""

from __future__ import annotations


class IngestError(ValueError):
    """An ingest that cannot go ahead. Nothing was written when this is raised."""

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.source, self.line, self.column = source, line, column
        where = ", ".join(
            part
            for part in (
                source,
                f"line {line:,}" if line is not None else "",
                f"column {column!r}" if column else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
