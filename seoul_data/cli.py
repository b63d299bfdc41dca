"""The ``seoul-data`` command: collect data into the platform and look it up.

    seoul-data ingest --bundled [--only ID ...]     the real files bundled in data/
    seoul-data ingest --spec SPEC.toml [--only ID]  datasets declared in a spec file
    seoul-data ingest --spec SPEC.toml --seoul-api SERVICE --dataset ID [--filter F ...]
    seoul-data import-catalog [--full]              data.go.kr catalogue entries
    seoul-data catalog [--field F] [--keyword K] [--json]
    seoul-data describe ID
    seoul-data search [--json] [--k 10] "질의" | --queries FILE
    seoul-data ask [--json] "질문"
    seoul-data versions ID

The data directory is ``SEOUL_DATA_DIR`` (``--data-dir`` overrides it). API keys are read
from environment variables, never from the command line (it shows in process lists).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from seoul_data.catalog import ACCESS_LEVELS, Catalog, CatalogError
from seoul_data.catalog.datagokr import import_datagokr
from seoul_data.ingest import IngestError, ingest
from seoul_data.living.queries import LivingPopulationError
from seoul_data.living.store import LivingCsvError
from seoul_data.paths import data_dir
from seoul_data.sources import BUNDLED_DATA, ingest_source, load_specs, sources

CATALOGUES = {
    False: BUNDLED_DATA / "catalog" / "datagokr_catalog_20220630_seoul_orgs.csv",
    True: BUNDLED_DATA / "catalog" / "datagokr_catalog_20220630_full.csv.gz",
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.data_dir:
        os.environ["SEOUL_DATA_DIR"] = str(Path(args.data_dir).resolve())
    try:
        return args.run(args) or 0
    except (IngestError, CatalogError, PermissionError, LivingCsvError, LivingPopulationError) as e:
        print(f"seoul-data: {e}", file=sys.stderr)
        return 2


def _ingest(args) -> None:
    if args.seoul_api:
        return _ingest_seoul_api(args)
    if args.bundled:
        selected, raw_dir = list(sources()), BUNDLED_DATA
    elif args.spec:
        selected, raw_dir = load_specs(Path(args.spec)), Path(args.spec).resolve().parent
    else:
        raise IngestError("give --bundled, --spec FILE or --seoul-api SERVICE")
    if args.only:
        unknown = set(args.only) - {s.dataset.id for s in selected}
        if unknown:
            raise IngestError(f"no such dataset in the selection: {sorted(unknown)}")
        selected = [s for s in selected if s.dataset.id in args.only]
    from tqdm import tqdm

    written = 0
    with tqdm(selected, desc="수집", unit="dataset", disable=args.quiet) as bar:
        for source in bar:
            bar.set_postfix_str(source.dataset.id)
            result = ingest_source(source, data_dir(), raw_dir)
            written += result.changed
    print(f"{len(selected)} datasets: {written} new versions, {len(selected) - written} unchanged")


def _ingest_seoul_api(args) -> None:
    from seoul_data.collectors import collect_seoul

    key = os.environ.get(args.key_env)
    if not key:
        raise IngestError(f"set the API key in the environment variable {args.key_env}")
    if not args.dataset:
        raise IngestError("--seoul-api needs --dataset ID (declared in --spec or the catalog)")
    if args.spec:
        declared = {s.dataset.id: s.dataset for s in load_specs(Path(args.spec))}
        if args.dataset not in declared:
            raise IngestError(f"{args.spec} declares no dataset {args.dataset!r}")
        dataset = declared[args.dataset]
    else:
        dataset = Catalog(data_dir()).get(args.dataset)
    collected = collect_seoul(args.seoul_api, key, base_url=args.base_url, filters=args.filter)
    result = ingest(
        dataset, data_dir=data_dir(), frame=collected.frame, provenance=collected.source
    )
    state = "new version" if result.changed else "unchanged"
    print(f"{dataset.id}: {result.version.rows:,} rows, version {result.version.version} ({state})")


def _import_catalog(args) -> None:
    path = Path(args.file) if args.file else CATALOGUES[args.full]
    count = import_datagokr(Catalog(data_dir()), path)
    print(f"{count:,} data.go.kr catalogue entries imported from {path.name}")


def _catalog(args) -> None:
    store = Catalog(data_dir(), readonly=True)
    found = store.find(field=args.field, keyword=args.keyword, loadable=args.loadable or None)
    if args.json:
        rows = [
            {
                "id": d.id,
                "title": d.title,
                "field": d.field,
                "publisher": d.publisher,
                "loadable": d.loadable,
            }
            for d in found
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for d in found:
        print(f"{d.id}\t{d.field}\t{d.title}")
    print(f"({len(found):,} datasets)", file=sys.stderr)


def _describe(args) -> None:
    from seoul_data.load import describe

    print(json.dumps(describe(args.id), ensure_ascii=False, indent=2))


def _search(args) -> None:
    from seoul_data.search import search

    if args.queries:
        queries = Path(args.queries).read_text(encoding="utf-8").splitlines()
    elif args.query:
        queries = [args.query]
    else:
        raise IngestError("give a query or --queries FILE")
    for query in queries:
        result = search(query, k=args.k)
        if args.json:
            print(json.dumps(result.to_json(), ensure_ascii=False))
            continue
        print(f"질의: {result.query}  조건: {json.dumps(result.filters, ensure_ascii=False)}")
        for rank, hit in enumerate(result.hits, start=1):
            print(f"{rank:2}. {hit.title}  [{hit.id}]  {hit.score:.2f}  ({'; '.join(hit.why)})")
        for note in result.notes:
            print(f"   ※ {note}")


def _ask(args) -> None:
    from seoul_data.search.answers import ask

    answer = ask(args.question)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        print(answer.answer)


def _living_generate(args) -> None:
    from datetime import date

    from seoul_data.living.generator import generate, register

    out = Path(args.out) if args.out else data_dir() / "living" / args.level
    generate(
        out,
        level=args.level,
        start=date.fromisoformat(args.start),
        days=args.days,
        dongs=args.dongs,
        seed=args.seed,
    )
    print(f"{out}: 합성 생활인구 ({register(out, args.level)})")


def _living_ingest(args) -> None:
    from seoul_data.living.store import ingest_csv, register_official

    out = Path(args.out) if args.out else data_dir() / "living" / "official"
    rows = ingest_csv([Path(f) for f in args.files], out)
    if not args.out:
        register_official(data_dir())
    print(f"{out}: {rows:,}행")


def _access(args) -> None:
    from dataclasses import replace

    if args.groups and args.level != "restricted":
        raise CatalogError("--groups goes with the level 'restricted'")
    catalog = Catalog(data_dir())
    dataset = replace(catalog.get(args.id), access=args.level, allowed_groups=tuple(args.groups))
    catalog.upsert([dataset])
    groups = f" ({', '.join(args.groups)})" if args.groups else ""
    print(f"{dataset.id}: {args.level}{groups}")


def _versions(args) -> None:
    for v in Catalog(data_dir(), readonly=True).versions(args.id):
        print(f"v{v.version}\t{v.created}\t{v.rows:,} rows\t{v.sha256[:12]}\t{v.path}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seoul-data", description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="platform data directory (default: SEOUL_DATA_DIR)")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    ingest_ = commands.add_parser("ingest", help="collect data into new dataset versions")
    source = ingest_.add_mutually_exclusive_group(required=True)
    source.add_argument("--bundled", action="store_true", help="the real files in data/")
    source.add_argument("--spec", help="a TOML file declaring datasets (and their files)")
    ingest_.add_argument(
        "--seoul-api", metavar="SERVICE", help="collect from a Seoul Open Data Plaza service"
    )
    ingest_.add_argument("--only", nargs="+", metavar="ID", help="just these datasets")
    ingest_.add_argument("--dataset", help="catalog dataset to ingest an API service into")
    ingest_.add_argument("--filter", nargs="*", default=[], help="API path filters")
    ingest_.add_argument("--key-env", default="SEOUL_API_KEY", help="variable holding the key")
    ingest_.add_argument("--base-url", default="http://openapi.seoul.go.kr:8088")
    ingest_.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest_.set_defaults(run=_ingest)

    imp = commands.add_parser("import-catalog", help="import data.go.kr catalogue entries")
    imp.add_argument("--full", action="store_true", help="all 61,359 national entries")
    imp.add_argument("--file", help="another catalogue CSV of the same layout")
    imp.set_defaults(run=_import_catalog)

    cat = commands.add_parser("catalog", help="list catalog entries")
    cat.add_argument("--field", help="Data300 field, e.g. 인구/가구")
    cat.add_argument("--keyword")
    cat.add_argument("--loadable", action="store_true", help="only datasets with data")
    cat.add_argument("--json", action="store_true")
    cat.set_defaults(run=_catalog)

    desc = commands.add_parser("describe", help="metadata, schema and versions of a dataset")
    desc.add_argument("id")
    desc.set_defaults(run=_describe)
    find = commands.add_parser("search", help="search the catalog in Korean")
    find.add_argument("query", nargs="?")
    find.add_argument("--queries", help="a file with one query per line (JSON lines out)")
    find.add_argument("--k", type=int, default=10)
    find.add_argument("--json", action="store_true")
    find.set_defaults(run=_search)
    question = commands.add_parser("ask", help="answer a question with a number from the data")
    question.add_argument("question")
    question.add_argument("--json", action="store_true")
    question.set_defaults(run=_ask)

    live = commands.add_parser("living", help="living population: synthetic data and ingest")
    steps = live.add_subparsers(required=True, metavar="STEP")
    gen = steps.add_parser("generate", help="a synthetic year in the official layout")
    gen.add_argument("--level", choices=("oa", "dong"), default="oa")
    gen.add_argument("--start", default="2023-01-01")
    gen.add_argument("--days", type=int, default=365)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--dongs", type=int, help="only the first N dongs (small sets)")
    gen.add_argument("--out", help="store directory (default: DATA_DIR/living/LEVEL)")
    gen.set_defaults(run=_living_generate)
    ing = steps.add_parser("ingest", help="official living population CSV files")
    ing.add_argument("files", nargs="+")
    ing.add_argument("--out", help="store directory (default: DATA_DIR/living/official)")
    ing.set_defaults(run=_living_ingest)

    acc = commands.add_parser("access", help="re-classify a dataset (its files follow at once)")
    acc.add_argument("id")
    acc.add_argument("level", choices=ACCESS_LEVELS)
    acc.add_argument("--groups", nargs="*", default=[], help="who may read a restricted one")
    acc.set_defaults(run=_access)

    vers = commands.add_parser("versions", help="versions of a dataset")
    vers.add_argument("id")
    vers.set_defaults(run=_versions)
    return parser


if __name__ == "__main__":
    sys.exit(main())
