"""seoul_data: find, load and analyse Seoul city data.

The same functions serve notebooks, dashboards, the CLI and the hub's services.
"""

from __future__ import annotations

from seoul_data.paths import data_dir

__version__ = "0.1.0"

__all__ = ["__version__", "data_dir"]
