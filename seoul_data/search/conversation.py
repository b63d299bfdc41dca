"""A search conversation: follow-ups refine the previous request.

"그중 강남구만", "20대만", "연도별로", "작년 걸로" keep the topic of the last request and
change one condition; "다운로드 링크" asks for the links of the last results. A follow-up
that only names a place or a period ("그중 2020년만") narrows the datasets the last search
found to their rows of that place and period (:mod:`seoul_data.search.narrowing`). The
context is visible (:meth:`Session.context`) and can be cleared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from seoul_data.search.query import ParsedQuery

_FOLLOW_UP = re.compile(r"^\s*(그\s*중|그중에|거기서|여기서|그럼|그러면|그 ?다음|이 ?중)")
_DOWNLOAD = re.compile(r"다운로드|내려받|링크|url|주소 알려", re.IGNORECASE)
_BREAKDOWN_ONLY = re.compile(r"^\s*[가-힣]*별로?\s*(보여\s*줘|알려\s*줘|나눠\s*줘)?\s*[.?!]*\s*$")


@dataclass
class Session:
    """One user's conversation with the search (keep one per user or browser tab)."""

    turns: list[ParsedQuery] = field(default_factory=list)
    #: the hits shown last (what "다운로드 링크" gives the links of)
    last_hits: list = field(default_factory=list)
    #: the hits of the last search, which follow-ups narrow, and what it asked
    found: list = field(default_factory=list)
    found_for: str = ""
    #: of the hits shown last, those narrowed: their rows' structured filter, by id
    narrowed: dict = field(default_factory=dict)

    def context(self) -> dict:
        """What the next follow-up builds on, to show to the user."""
        if not self.turns:
            return {}
        last = self.turns[-1]
        return {"topic": " ".join(last.terms), **last.filters()}

    def clear(self) -> None:
        self.turns.clear()
        self.last_hits, self.found, self.narrowed, self.found_for = [], [], {}, ""

    def wants_links(self, text: str) -> bool:
        return bool(self.turns) and bool(_DOWNLOAD.search(text)) and len(text) < 40

    def resolve(self, parsed: ParsedQuery) -> tuple[ParsedQuery, bool]:
        """The request to run: ``parsed`` itself, or the last one refined by it."""
        if not self.turns or not _is_follow_up(parsed):
            return parsed, False
        last = self.turns[-1]
        new_terms = tuple(t for t in parsed.terms if t not in last.terms)
        merged = replace(
            last,
            text=f"{last.text} / {parsed.text}",
            terms=last.terms + new_terms,
            gu=parsed.gu or last.gu,
            dong=parsed.dong or last.dong,
            period=parsed.period or last.period,
            age=parsed.age or last.age,
            sex=parsed.sex or last.sex,
        )
        return merged, True

    def record(self, parsed: ParsedQuery, hits: list | None = None) -> None:
        """A turn: the request as run and the hits it found (None: it searched nothing, as a
        direct answer does, and the hits found before stay)."""
        self.turns.append(parsed)
        if hits is not None:
            self.last_hits, self.found, self.narrowed = hits, hits, {}
            self.found_for = parsed.text

    def record_narrowed(self, parsed: ParsedQuery, hits: list, where: dict) -> None:
        """A follow-up that narrowed the hits found before (which a later follow-up narrows
        again, with the conditions of both)."""
        self.turns.append(parsed)
        self.last_hits, self.narrowed = hits, where


def _is_follow_up(parsed: ParsedQuery) -> bool:
    """A refinement: it says so (그중 …), or it is only a condition (강남구만, 20대만,
    연도별로) with at most one topic word."""
    if _FOLLOW_UP.search(parsed.text):
        return True
    conditions = bool(parsed.gu or parsed.period or parsed.age or parsed.sex)
    if _BREAKDOWN_ONLY.match(parsed.text):
        return True
    places = {g for g in parsed.gu} | {d["name_ko"] for d in parsed.dong}
    topic = [t for t in parsed.terms if t not in places and not t.isdigit()]
    return conditions and len(topic) <= 1 and len(parsed.text) <= 15
