"""Search quality and speed: ours and two baselines on the development queries, in one run.

    python -m bench.search_eval [--out bench/results/search.json]

Quality on tests/data/dev_queries.tsv (graded 2/1, keys are data.go.kr 목록키): nDCG@10 and
MRR@10, for our search, substring match on titles (what portals do) and BM25 on whitespace
tokens; exact-answer rate of ``sd.ask`` on tests/data/dev_answer_questions.tsv. Speed:
p50/p95 latency on the Seoul catalogue (5,230 entries + the bundled datasets) and on the
61,359-entry national list, and the index build time of each.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from bench.report import new_report, write_report
from seoul_data.catalog import Catalog
from seoul_data.catalog.datagokr import import_datagokr
from seoul_data.search.engine import search_parsed_text
from seoul_data.search.index import build_index
from seoul_data.sources import BUNDLED_DATA, ingest_bundled

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
#: The catalogue snapshot is dated 2022-06-30: '작년' in the queries means 2021.
SNAPSHOT = date(2022, 6, 30)


def read_tsv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def judgments() -> list[tuple[str, str, dict[str, int]]]:
    rows = read_tsv(DATA / "dev_queries.tsv")
    return [
        (
            r["qid"],
            r["query"],
            {k: int(g) for k, g in (p.split(":") for p in r["relevant"].split(","))},
        )
        for r in rows
    ]


LOCAL = "local:"


def key(source_id: str, dataset_id: str) -> str:
    """The 목록키 of a hit, or for our own datasets (no 목록키) a key of their own: each is
    an unjudged entry in its own rank, never merged with the others."""
    return source_id or f"{LOCAL}{dataset_id}"


def ndcg_mrr(ranked: list[str], grades: dict[str, int]) -> tuple[float, float]:
    seen, unique = set(), []
    for key in ranked:
        if key not in seen:
            seen.add(key)
            unique.append(key)
    top = unique[:10]
    dcg = sum(grades.get(key, 0) / math.log2(i + 2) for i, key in enumerate(top))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    rr = next((1 / (i + 1) for i, key in enumerate(top) if grades.get(key) == 2), 0.0)
    return dcg / idcg, rr


def evaluate(rank_keys) -> dict:
    ranked = [(rank_keys(query), grades) for _, query, grades in judgments()]
    scores = [ndcg_mrr(keys, grades) for keys, grades in ranked]
    # The judgments cover the data.go.kr list only; the bundled loadable datasets (no 목록키)
    # were never judged. The condensed list (Sakai 2007) drops those unjudged entries.
    condensed = [
        ndcg_mrr([k for k in keys if not k.startswith(LOCAL)], grades) for keys, grades in ranked
    ]
    return {
        "ndcg@10": round(statistics.mean(s[0] for s in scores), 4),
        "mrr@10": round(statistics.mean(s[1] for s in scores), 4),
        "ndcg@10_condensed": round(statistics.mean(s[0] for s in condensed), 4),
        "per_query": {
            qid: round(s[0], 3) for (qid, _, _), s in zip(judgments(), scores, strict=True)
        },
    }


def ours(index):
    def rank_keys(query: str) -> list[str]:
        result = search_parsed_text(index, query, k=20, today=SNAPSHOT)
        return [key(h.source_id, h.id) for h in result.hits]

    return rank_keys


def title_substring(index):
    titles = [t.lower() for t in index.titles]

    def rank_keys(query: str) -> list[str]:
        words = [w for w in query.lower().split() if len(w) > 1]
        counts = np.array([sum(w in t for w in words) for t in titles])
        order = np.argsort(-counts, kind="stable")[:20]
        return [key(index.source_ids[i], index.ids[i]) for i in order if counts[i] > 0]

    return rank_keys


def whitespace_bm25(index):
    import bm25s

    corpus = [text.split() for text in index.texts]
    bm25 = bm25s.BM25()
    bm25.index(corpus, show_progress=False)

    def rank_keys(query: str) -> list[str]:
        scores = bm25.get_scores(query.lower().split())
        order = np.argsort(-scores, kind="stable")[:20]
        return [key(index.source_ids[i], index.ids[i]) for i in order if scores[i] > 0]

    return rank_keys


def latency(index, queries: list[str], repeat: int = 3) -> dict:
    times = []
    for _ in range(repeat):
        for query in queries:
            started = time.perf_counter()
            search_parsed_text(index, query, k=10, today=SNAPSHOT)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
    }


def answers() -> dict:
    import seoul_data as sd

    rows = read_tsv(DATA / "dev_answer_questions.tsv")
    correct = 0
    for row in rows:
        value = sd.ask(row["question"]).value
        gold = float(row["value"])
        correct += value is not None and abs(float(value) - gold) <= 0.005 * abs(gold)
    return {"questions": len(rows), "exact": correct, "rate": round(correct / len(rows), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="bench/results/search.json")
    parser.add_argument("--quick", action="store_true", help="quality on Data300 only")
    args = parser.parse_args()
    report = new_report("search")
    with tempfile.TemporaryDirectory() as work:
        os.environ["SEOUL_DATA_DIR"] = work
        os.environ["SEOUL_USAGE_LOG"] = str(Path(work) / "usage.jsonl")
        catalog = Catalog(work)
        import_datagokr(catalog, BUNDLED_DATA / "catalog/datagokr_catalog_20220630_seoul_orgs.csv")
        ingest_bundled(work)
        started = time.perf_counter()
        index = build_index(catalog)
        build_s = time.perf_counter() - started
        queries = [q for _, q, _ in judgments()]
        report["quality"] = {
            "ours": evaluate(ours(index)),
            "title_substring": evaluate(title_substring(index)),
            "whitespace_bm25": evaluate(whitespace_bm25(index)),
        }
        if (DATA / "dev_answer_questions.tsv").exists():
            report["answers"] = answers()
        report["speed"] = {
            "seoul": {
                "entries": len(index),
                "build_s": round(build_s, 2),
                **latency(index, queries),
            }
        }
        if not args.quick:
            with tempfile.TemporaryDirectory() as full_dir:
                full = Catalog(full_dir)
                import_datagokr(
                    full, BUNDLED_DATA / "catalog/datagokr_catalog_20220630_full.csv.gz"
                )
                started = time.perf_counter()
                full_index = build_index(full)
                report["speed"]["national"] = {
                    "entries": len(full_index),
                    "build_s": round(time.perf_counter() - started, 2),
                    **latency(full_index, queries),
                }
    summary = {k: v for k, v in report.items() if k != "quality"}
    summary["quality"] = {
        k: {m: v[m] for m in ("ndcg@10", "mrr@10", "ndcg@10_condensed")}
        for k, v in report["quality"].items()
    }
    write_report(report, args.out, shown=summary)


if __name__ == "__main__":
    main()
