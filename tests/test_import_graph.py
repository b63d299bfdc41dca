"""The import graph of seoul_data and hub: no cycles, and no module imports a higher layer.

Modules are read with ``ast``, never imported, so the test is fast and sees every import:
module level, inside functions, under ``if TYPE_CHECKING``, absolute and relative, and
``from package import submodule``. Importing a submodule is an edge to that module only
(not to its parent package, which Python also runs); importing a name from a package is an
edge to the package's ``__init__``, so ``import seoul_data`` or
``from seoul_data import __version__`` is an import of the facade (layer 4).

A module may import its own layer or a lower one. A known violation is allowed by an entry
in ``KNOWN`` that says why and where it is tracked; the test fails for any violation that is
not listed, and for an entry that is no longer needed.
"""

from __future__ import annotations

import ast
import functools
import pickle
import subprocess
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("seoul_data", "hub")

#: (pattern, layer, name), first match wins. ``fnmatch`` patterns over dotted module names,
#: where ``*`` also matches dots. A package's ``__init__`` is the package's own name.
LAYERS: tuple[tuple[str, int, str], ...] = (
    # 4 views: what notebooks and users touch; it may use everything below.
    ("seoul_data", 4, "views"),  # the facade: import seoul_data as sd
    ("seoul_data.cli", 4, "views"),
    ("seoul_data.*.views", 4, "views"),
    ("seoul_data.*.page", 4, "views"),  # a dashboard's page, drawn from its views
    # 3 apps: dashboards' logic and the answers built on search.
    ("seoul_data.search.answers", 3, "apps"),
    ("seoul_data.search.conversation", 3, "apps"),
    # The package's front door re-exports ask() and the conversation: a library module
    # below imports seoul_data.search.engine (or .index, .query …), not the package.
    ("seoul_data.search", 3, "apps"),
    ("seoul_data.display", 3, "apps"),
    # Draws thumbnails of datasets it reads (describe, load) for the search views.
    ("seoul_data.svg", 3, "apps"),
    ("seoul_data.population_hall", 3, "apps"),
    ("seoul_data.population_hall.*", 3, "apps"),
    ("seoul_data.living", 3, "apps"),
    ("seoul_data.living.*", 3, "apps"),
    ("seoul_data.maps", 3, "apps"),
    ("seoul_data.maps.*", 3, "apps"),
    ("seoul_data.ai", 3, "apps"),
    ("seoul_data.ai.*", 3, "apps"),
    # 2 load/search: reading datasets, finding them.
    ("seoul_data.load", 2, "load/search"),
    ("seoul_data.tidy", 2, "load/search"),
    ("seoul_data.search.*", 2, "load/search"),
    # 1 collect: writing datasets into the catalogue.
    ("seoul_data.ingest", 1, "collect"),
    ("seoul_data.ingest.*", 1, "collect"),
    ("seoul_data.collectors", 1, "collect"),
    ("seoul_data.collectors.*", 1, "collect"),
    ("seoul_data.sources", 1, "collect"),
    ("seoul_data.sources.*", 1, "collect"),
    # 0 base: paths, permissions, the catalogue's model and store, Seoul's areas.
    ("seoul_data.paths", 0, "base"),
    ("seoul_data.transactions", 0, "base"),
    ("seoul_data.access", 0, "base"),
    # Results kept per data version; it reads the reader's groups (access) and the paths.
    ("seoul_data.prepared", 0, "base"),
    ("seoul_data.data_permissions", 0, "base"),
    ("seoul_data.catalog", 0, "base"),
    ("seoul_data.catalog.*", 0, "base"),
    # Area codes, names and boundaries: imports nothing of the package, and the collect
    # layer (sources.transforms) needs it.
    ("seoul_data.geo", 0, "base"),
    # 5 the hub and its services run on top of the library; the library never imports them.
    ("hub", 5, "hub"),
    ("hub.*", 5, "hub"),
)

#: Known violations, (importer, imported) → why it is allowed for now and where it is
#: tracked. An entry allows that import to go up a layer, and leaves it out when looking for
#: cycles. Remove an entry when the import goes; the test fails while a stale one stays.
KNOWN: dict[tuple[str, str], str] = {
    # The store re-applies the data files' permissions on every upsert (function-level
    # import), and data_permissions reads the catalogue: catalog.store → data_permissions →
    # access → catalog → catalog.store. Left as it is: the data views' permission code is
    # security-critical and tested as it stands (tests/security).
    ("seoul_data.catalog.store", "seoul_data.data_permissions"): "cycle, function-level",
}


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer} → {self.imported} ({path_of(self.importer)}:{self.line})"


def module_files() -> dict[str, Path]:
    """Every module of PACKAGES by dotted name (a package by its own name)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


MODULES = module_files()


def path_of(module: str) -> str:
    return str(MODULES[module].relative_to(ROOT))


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    """The absolute module name a ``from … import`` names (relative ones resolved)."""
    if not node.level:
        return node.module or ""
    package = importer.split(".")
    if not _is_package(importer):
        package = package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


#: Parses every text it reads (a pickled ``{name: source}``) and writes back the trees.
_PARSER = (
    "import ast, pickle, sys; sources = pickle.load(sys.stdin.buffer); "
    "pickle.dump({name: ast.parse(text, filename=name) for name, text in sources.items()},"
    " sys.stdout.buffer)"
)


def parse_all(sources: dict[str, str]) -> dict[str, ast.Module]:
    """The syntax trees of ``sources`` ({name: text}), parsed in an interpreter of its own.

    CPython 3.11 keeps ``ast.parse``'s recursion count per interpreter, not per thread
    (cpython#106905): in a pytest worker where another thread parses at the same moment,
    a parse fails with "AST constructor recursion depth mismatch". One short-lived process
    parses all modules at once, with no other thread in it.
    """
    parsed = subprocess.run(
        [sys.executable, "-c", _PARSER],
        input=pickle.dumps(sources),
        capture_output=True,
        check=True,
    )
    return pickle.loads(parsed.stdout)


def imports_in(module: str, source: str) -> list[Edge]:
    """The intra-package imports in ``source``, the text of ``module``."""
    return edges_in(module, parse_all({path_of(module): source})[path_of(module)])


def edges_in(module: str, tree: ast.Module) -> list[Edge]:
    """The intra-package imports in ``tree``, the syntax tree of ``module``."""
    edges = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            origin = _resolve(module, node)
            # ``from package import submodule`` imports the submodule; any other name
            # comes from the package's ``__init__``.
            names = [
                f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in MODULES else origin
                for alias in node.names
            ]
        else:
            continue
        for name in dict.fromkeys(names):
            if name in MODULES and name != module:
                edges.append(Edge(module, name, node.lineno))
    return sorted(edges, key=lambda edge: edge.line)


@functools.cache
def _graph() -> dict[str, tuple[Edge, ...]]:
    trees = parse_all(
        {module: path.read_text(encoding="utf-8") for module, path in MODULES.items()}
    )
    return {module: tuple(edges_in(module, trees[module])) for module in MODULES}


def graph() -> dict[str, list[Edge]]:
    """Every module's intra-package imports (parsed once per test session)."""
    return {module: list(edges) for module, edges in _graph().items()}


def without_known(edges: dict[str, list[Edge]]) -> dict[str, list[Edge]]:
    return {
        module: [e for e in found if (e.importer, e.imported) not in KNOWN]
        for module, found in edges.items()
    }


def _reaches(edges: dict[str, list[Edge]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        for edge in edges[todo.pop()]:
            if edge.imported == goal:
                return True
            if edge.imported not in seen:
                seen.add(edge.imported)
                todo.append(edge.imported)
    return False


def layer_of(module: str) -> tuple[int, str]:
    for pattern, layer, name in LAYERS:
        if fnmatchcase(module, pattern):
            return layer, name
    raise LookupError(f"{module} has no layer: add it to LAYERS")


def cycles(edges: dict[str, list[Edge]]) -> list[list[Edge]]:
    """One cycle (as the edges along it) for each strongly connected group of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(module: str) -> None:  # Tarjan's algorithm
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for edge in edges[module]:
            if edge.imported not in index:
                visit(edge.imported)
                low[module] = min(low[module], low[edge.imported])
            elif edge.imported in on_stack:
                low[module] = min(low[module], index[edge.imported])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(group)

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return [_cycle_in(group, edges) for group in groups]


def _cycle_in(group: set[str], edges: dict[str, list[Edge]]) -> list[Edge]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    came_by: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for edge in edges[module]:
                if edge.imported not in group:
                    continue
                if edge.imported == start:
                    path = [edge]
                    while path[0].importer != start:
                        path.insert(0, came_by[path[0].importer])
                    return path
                if edge.imported not in came_by:
                    came_by[edge.imported] = edge
                    following.append(edge.imported)
        frontier = following
    raise AssertionError(f"no cycle in {group}")


def violations(edges: dict[str, list[Edge]]) -> dict[tuple[str, str], Edge]:
    """Imports of a higher layer, by (importer, imported); the first line where it happens."""
    found: dict[tuple[str, str], Edge] = {}
    for module in sorted(edges):
        for edge in edges[module]:
            if layer_of(edge.imported)[0] > layer_of(module)[0]:
                found.setdefault((edge.importer, edge.imported), edge)
    return found


def _describe(edge: Edge) -> str:
    (low, low_name), (high, high_name) = layer_of(edge.importer), layer_of(edge.imported)
    return f"{edge} imports layer {high} {high_name} from layer {low} {low_name}"


def test_every_module_has_a_layer():
    unplaced = [module for module in MODULES if not any(fnmatchcase(module, p) for p, *_ in LAYERS)]
    assert not unplaced, f"add these modules to LAYERS: {unplaced}"


def test_the_reader_sees_every_kind_of_import():
    # Guards the reader itself: were it to miss a kind of import, the other tests would pass
    # by seeing nothing.
    source = """
import json
import seoul_data as sd
import seoul_data.catalog.store
from seoul_data import geo, __version__
from seoul_data.paths import data_dir
from . import http
from .paging import collect_pages
from ..load import load

if TYPE_CHECKING:
    from seoul_data.ingest import pipeline

def later():
    from seoul_data.collectors import seoul_open_api
"""
    found = [(edge.imported, edge.line) for edge in imports_in("seoul_data.collectors", source)]
    assert found == [
        ("seoul_data", 3),
        ("seoul_data.catalog.store", 4),
        ("seoul_data.geo", 5),
        ("seoul_data", 5),  # __version__ is a name of the facade, not a module
        ("seoul_data.paths", 6),
        ("seoul_data.collectors.http", 7),
        ("seoul_data.collectors.paging", 8),
        ("seoul_data.load", 9),
        ("seoul_data.ingest.pipeline", 12),
        ("seoul_data.collectors.seoul_open_api", 15),
    ]
    assert sum(len(edges) for edges in graph().values()) > 100


def test_no_import_cycles():
    found = cycles(without_known(graph()))
    shown = "\n".join(
        " → ".join([cycle[0].importer] + [edge.imported for edge in cycle])
        + "".join(f"\n    {edge}" for edge in cycle)
        for cycle in found
    )
    assert not found, f"import cycles (list an edge in KNOWN only with a reason):\n{shown}"


def test_no_module_imports_a_higher_layer():
    found = violations(graph())
    new = [_describe(edge) for pair, edge in found.items() if pair not in KNOWN]
    assert not new, "imports of a higher layer (move the code down, or list in KNOWN):\n" + (
        "\n".join(new)
    )


def test_every_known_violation_is_still_needed():
    edges = graph()
    upward = violations(edges)
    present = {(e.importer, e.imported) for found in edges.values() for e in found}
    stale = [
        f"{importer} → {imported}: {why}"
        for (importer, imported), why in KNOWN.items()
        if (importer, imported) not in upward
        and not ((importer, imported) in present and _reaches(edges, imported, importer))
    ]
    assert not stale, "no longer needed, remove from KNOWN:\n" + "\n".join(stale)
