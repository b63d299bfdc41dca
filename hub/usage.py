"""Usage accounting: CPU-, memory- and GPU-hours from server sessions and their limits.

A session counts from start to stop (or to now while it runs), clipped to the period
asked for, times the limits it was granted: the quota a user held, not what the
processes happened to use. Months are Seoul's (KST), the months staff report in.
"""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.quota_store import Session

SEOUL = ZoneInfo("Asia/Seoul")
COLUMNS = ("name", "sessions", "hours", "cpu_hours", "mem_gib_hours", "gpu_hours")


def month_bounds(month: str) -> tuple[float, float]:
    """Start and end (epoch seconds) of a Seoul month given as ``YYYY-MM``."""
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=SEOUL)
    except (TypeError, ValueError):
        raise ValueError(f"month {month!r}: use YYYY-MM, e.g. 2026-11") from None
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start.timestamp(), end.timestamp()


def current_month(now: float | None = None) -> str:
    """The Seoul month (``YYYY-MM``) of ``now`` (default: this moment)."""
    return datetime.fromtimestamp(time.time() if now is None else now, SEOUL).strftime("%Y-%m")


def months_with_usage(
    spans: Iterable[tuple[float, float | None]], now: float | None = None
) -> list[str]:
    """The months a session ran in, newest first, always with the current month.

    spans: (started, stopped) of each session, stopped None while it runs; a session
    over a month's end counts in both months."""
    now = time.time() if now is None else now
    months = {current_month(now)}
    for started, stopped in spans:
        first = datetime.fromtimestamp(started, SEOUL)
        end = now if stopped is None else stopped
        # a session that stopped at midnight on the 1st used nothing of that month
        last = datetime.fromtimestamp(max(end - 0.001, started), SEOUL)
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            months.add(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return sorted(months, reverse=True)


def usage(
    sessions: list[Session], start: float, end: float, *, by: str = "user", now: float | None = None
) -> list[dict]:
    """Totals per user (``by="user"``) or per group (``by="group"``) within [start, end).

    A session of a user in two groups counts fully for each group."""
    now = time.time() if now is None else now
    totals: dict[str, dict] = defaultdict(lambda: dict.fromkeys(COLUMNS[1:], 0.0))
    for session in sessions:
        begin = max(session.started, start)
        finish = min(session.stopped if session.stopped is not None else now, end)
        if finish <= begin:
            continue
        hours = (finish - begin) / 3600
        keys = [session.user] if by == "user" else list(session.groups) or ["(그룹 없음)"]
        for key in keys:
            row = totals[key]
            row["sessions"] += 1
            row["hours"] += hours
            row["cpu_hours"] += hours * session.cpu
            row["mem_gib_hours"] += hours * session.mem / 2**30
            row["gpu_hours"] += hours * len(session.gpus)
    return [
        {"name": name, **{k: round(v, 3) if k != "sessions" else int(v) for k, v in row.items()}}
        for name, row in sorted(totals.items())
    ]


def to_csv(rows: list[dict], key_title: str) -> str:
    """CSV (UTF-8 with BOM, so that Excel reads the Korean) of usage rows."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            key_title,
            "서버 수",
            "사용 시간(h)",
            "CPU 시간(core·h)",
            "메모리(GiB·h)",
            "GPU 시간(GPU·h)",
        ]
    )
    for row in rows:
        writer.writerow([row[c] for c in COLUMNS])
    return out.getvalue()
