"""Collection (수집): read local files and collected tables into versioned datasets."""

from __future__ import annotations

from seoul_data.ingest.errors import IngestError
from seoul_data.ingest.pipeline import IngestResult, ingest
from seoul_data.ingest.readers import detect_encoding, read_table

__all__ = ["IngestError", "IngestResult", "detect_encoding", "ingest", "read_table"]
