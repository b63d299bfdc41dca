"""What the 데이터 검색 dashboard shows: the reply to one message of a conversation with the
catalogue (the datasets found, previews of the first loadable ones, and the value with its
source when the message asks for one) and that reply as HTML.

A follow-up that narrows ("그중 강남구만") previews only the rows it kept. A catalogue-only
entry (no file on the platform; its page is on an internet portal the city's separated
network cannot reach) says who holds it and offers "이 자료 요청하기", a button the page's
:class:`~seoul_data.search.request_button.RequestButtons` sends to the REST API as the
viewer's own request.

The dashboard (dashboards/data_search.ipynb) only builds the widgets and calls these.
"""

from __future__ import annotations

import logging
import re
import threading

import pandas as pd

from seoul_data import display, svg
from seoul_data.display import esc
from seoul_data.load import describe, load
from seoul_data.search import ask, search, search_session
from seoul_data.search.narrowing import load_call

log = logging.getLogger(__name__)
MAX_HITS = 8
PREVIEWS_PER_TURN = 3
PREVIEW_ROWS = 5
#: Words that ask for a number, question endings, and words that ask for data instead.
VALUE_WORDS = re.compile(r"몇|얼마")
QUESTION = re.compile(r"[?？]|인가요|일까|이야|이에요|예요|입니까|나요")
DATA_WORDS = re.compile(r"자료|데이터|정보|목록|파일|링크|다운로드|내려받")
FILTER_LABELS = {
    "topic": "주제",
    "gu": "자치구",
    "dong": "행정동",
    "period": "기간",
    "age": "연령",
    "sex": "성별",
    "field": "분야",
    "provider": "제공기관",
    "format": "형식",
    "access": "접근 등급",
}
ACCESS_LABELS = {"public": "공개", "internal": "내부", "restricted": "제한"}
REQUEST_LABEL = "이 자료 요청하기"
REQUEST_HINT = "요청하면 관리자가 플랫폼에 들여올 자료를 정할 때 참고합니다."


class Chat:
    """A conversation with the catalogue: a follow-up ("그중 강남구만") refines the previous
    request. One message is served at a time (the Korean analyser and the conversation are
    not safe to share between threads)."""

    def __init__(self) -> None:
        self.session = search_session()
        self._busy = threading.Lock()

    def warm_up(self) -> None:
        """Load the Korean analyser and index the catalogue (~5 s, once), e.g. in a thread
        while the page opens."""
        with self._busy:
            try:
                search("인구")
            except Exception:  # the first message shows what is wrong, in Korean
                log.exception("warm-up search failed")

    def reply(self, text: str) -> dict:
        """The reply to one message: question, answer (or None), filters, notes, context and
        hits (each with its catalogue facts, the code to open it and maybe a preview)."""
        text = text.strip()
        with self._busy:
            answer = ask(text, session=self.session).to_json() if asks_value(text) else None
            result = search(text, k=MAX_HITS, session=self.session).to_json()
            context = self.session.context()
        narrowed = result["narrowed"]
        hits = [_with_metadata(hit, narrowed.get(hit["id"])) for hit in result["hits"]]
        for hit in [h for h in hits if h["loadable"]][:PREVIEWS_PER_TURN]:
            hit["preview"] = preview(hit["id"], where=hit["where"])
        return {
            "question": text,
            # what a request for a dataset found here says was asked (follow-ups included)
            "query": result["query"] or text,
            "answer": answer,
            "filters": result["filters"],
            "notes": result["notes"],
            "context": context,
            "hits": hits,
        }

    def context(self) -> dict:
        """The conditions carried over from the earlier messages."""
        return self.session.context()

    def clear(self) -> None:
        """Forget the conversation: the next message starts afresh."""
        with self._busy:
            self.session.clear()


def asks_value(text: str) -> bool:
    """Whether a message asks for a value ("송파구 인구는 몇 명이야?", "2019년 출산율은?"),
    not for data ("따릉이 대여소 자료 있어?")."""
    return bool(VALUE_WORDS.search(text) or (QUESTION.search(text) and not DATA_WORDS.search(text)))


def _with_metadata(hit: dict, where: list | None = None) -> dict:
    """A hit with its catalogue facts; where: the filter of its rows a follow-up kept."""
    info = describe(hit["id"])
    return {
        **hit,
        "publisher": info["publisher"],
        "provider": info["provider"],
        "source_id": info["source_id"] or hit.get("source_id", ""),
        "attribution": info["attribution"] or f"출처: {info['publisher']}",
        "access": info["access"],
        "loadable": info["loadable"],
        "synthetic": info["synthetic"],
        "landing_page": info["landing_page"],
        "where": where or None,
        "code": open_code(info["id"], info["loadable"], where),
        "preview": None,
    }


def open_code(dataset_id: str, loadable: bool, where: list | None = None) -> str:
    """The code an analyst pastes into a notebook to open a dataset (the rows a follow-up
    kept, with ``where``)."""
    if loadable:
        return f"import seoul_data as sd\n\ndf = {load_call(dataset_id, where)}\ndf.head()"
    return (
        f'import seoul_data as sd\n\nsd.describe("{dataset_id}")'
        "  # 목록 정보만 있습니다: 플랫폼에 파일이 없어 불러올 수 없습니다"
    )


def preview(dataset_id: str, rows: int = PREVIEW_ROWS, where: list | None = None) -> dict:
    """The first rows of a dataset (of those ``where`` keeps: a structured filter) as text
    cells, with column titles (a map layer's shapes are named by their type) and a map
    thumbnail (SVG) for data with a place; a dataset the user may not read gives the
    reason in ``error`` instead."""
    try:
        frame = load(dataset_id, limit=rows, where=where or None)
    except PermissionError as e:
        return {"columns": [], "rows": [], "thumbnail": None, "error": str(e), "where": where}
    schema = describe(dataset_id)["schema"]
    titles = {field["name"]: field["title"] for field in schema}
    geometry = next((f for f in schema if f["type"] == "geometry"), None)
    if geometry is not None and "geometry" in frame.columns:
        titles["geometry"] = geometry["title"] or "geometry"
        shapes = frame.geometry.geom_type
        frame = pd.DataFrame(frame.drop(columns="geometry")).assign(geometry=shapes)
    return {
        "columns": [(str(c), titles.get(c) or str(c)) for c in frame.columns],
        "rows": [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(False)],
        "thumbnail": svg.map_thumbnail(dataset_id),
        "error": "",
        "where": where or None,
    }


# -- HTML ---------------------------------------------------------------------------------


def render_turn(turn: dict) -> str:
    """One exchange: the message and the reply."""
    parts = [f'<div class="sd-me">{esc(turn["question"])}</div><div class="sd-bot">']
    if turn["answer"]:
        parts.append(render_answer(turn["answer"]))
    parts += [f'<div class="sd-note">{esc(note)}</div>' for note in turn["notes"]]
    if turn["hits"]:
        parts.append(f'<div class="sd-count">데이터 {len(turn["hits"])}건을 찾았습니다.</div>')
        query = turn.get("query") or turn["question"]
        parts += [render_hit(hit, query) for hit in turn["hits"]]
    parts.append("</div>")
    return "".join(parts)


def render_failure(message: str, error: object) -> str:
    """An exchange whose reply failed: the message and what went wrong."""
    return (
        f'<div class="sd-me">{esc(message)}</div>'
        f'<div class="sd-bot sd-error">처리하지 못했습니다: {esc(error)}</div>'
    )


def _open_in_notebook(code: str) -> str:
    return f"<details><summary>노트북에서 열기</summary><pre>{esc(code)}</pre></details>"


def render_answer(answer: dict) -> str:
    """A direct answer, with the datasets it comes from and how to open them."""
    if not answer["dataset"]:
        return f'<div class="sd-answer sd-unanswered">{esc(answer["answer"])}</div>'
    datasets = answer["dataset"].split(", ")
    code = "\n".join(["import seoul_data as sd", ""] + [f'sd.load("{d}")' for d in datasets])
    return (
        f'<div class="sd-answer"><div class="sd-answer-text">{esc(answer["answer"])}</div>'
        f'<div class="sd-why">{esc(answer["why"])}</div>'
        f'<div class="sd-source">출처 데이터: {esc(", ".join(datasets))}</div>'
        f"{render_series(answer)}{_open_in_notebook(code)}</div>"
    )


def render_series(answer: dict) -> str:
    """A small chart of the answer's series (its value over the source's periods)."""
    if len(answer["series"]) < 2:
        return ""
    chart = svg.series_chart(answer["series"], unit=answer["unit"])
    return f'<div class="sd-chart">{chart}</div>'


def render_hit(hit: dict, query: str = "") -> str:
    """A dataset found: title, why, source, a preview and the code to open it; a
    catalogue-only entry says who holds it and offers to request it (query: what was
    asked, recorded with the request)."""
    badges = [ACCESS_LABELS.get(hit["access"], hit["access"])]
    badges.append("바로 불러오기" if hit["loadable"] else "목록 정보만")
    if hit["synthetic"]:
        badges.append("합성 데이터")
    badges_html = "".join(f'<span class="sd-badge">{esc(b)}</span>' for b in badges)
    if hit["loadable"]:
        body = render_preview(hit["preview"]) if hit["preview"] else ""
    else:
        body = render_catalogue_only(hit, query)
    return (
        f'<div class="sd-hit"><div class="sd-hit-title">{esc(hit["title"])} {badges_html}</div>'
        f'<div class="sd-why">{esc(" · ".join(hit["why"]))}</div>'
        f'<div class="sd-source">{esc(hit["attribution"])} · <code>{esc(hit["id"])}</code></div>'
        f"{body}{_open_in_notebook(hit['code'])}</div>"
    )


def render_catalogue_only(hit: dict, query: str) -> str:
    """What a catalogue-only entry is and who holds it, and the button that requests it.
    Its page is on an internet portal the city's separated network cannot reach: the
    address is shown as text for an internet PC, never as the thing to click."""
    holder = hit["publisher"] or "목록에 보유 기관이 없습니다"
    listed = hit.get("provider") or ""
    if listed and hit.get("source_id"):
        listed += f" 목록 {hit['source_id']}"
    address = ""
    if hit["landing_page"]:
        address = (
            f'<div class="sd-address">인터넷망 PC에서 볼 수 있는 목록 주소 (이 망에서는 열리지 '
            f"않습니다): {esc(hit['landing_page'])}</div>"
        )
    return (
        '<div class="sd-catalogue">'
        "<div>이 플랫폼에는 파일이 없는 자료입니다 (목록 정보만 있습니다). "
        f"보유 기관: <b>{esc(holder)}</b>"
        f"{f' · 목록 출처: {esc(listed)}' if listed else ''}</div>"
        '<div class="sd-request-row">'
        f'<button type="button" class="sd-request" data-sd-request="{esc(hit["id"])}" '
        f'data-sd-query="{esc(query)}">{REQUEST_LABEL}</button>'
        f'<span class="sd-request-status" role="status">{REQUEST_HINT}</span></div>'
        f"{address}</div>"
    )


def render_preview(table: dict) -> str:
    """The first rows of a dataset (a :func:`preview`) with its map thumbnail."""
    if table["error"]:
        return f'<div class="sd-note">{esc(table["error"])}</div>'
    head = "".join(
        f"<th>{esc(title)}<br><small>{esc(name)}</small></th>"
        if title != name
        else f"<th>{esc(name)}</th>"
        for name, title in table["columns"]
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in table["rows"]
    )
    thumbnail = f'<div class="sd-thumb">{table["thumbnail"]}</div>' if table["thumbnail"] else ""
    kept = "좁힌 행 중 " if table.get("where") else ""
    return (
        f"<details open><summary>미리보기 ({kept}처음 {len(table['rows'])}행)</summary>"
        f'<div class="sd-preview">{thumbnail}<div class="sd-table"><table><thead><tr>{head}</tr>'
        f"</thead><tbody>{body}</tbody></table></div></div></details>"
    )


def render_chips(filters: dict, context: dict) -> str:
    """The conditions understood so far, as chips."""
    shown = {**filters, **context}
    if shown.get("topic"):  # places and years have their own chips
        places = set(shown.get("gu") or []) | set(shown.get("dong") or [])
        words = [w for w in shown["topic"].split() if w not in places and not w.isdigit()]
        shown["topic"] = " ".join(words)
    chips = []
    for key, label in FILTER_LABELS.items():
        value = shown.get(key)
        if not value:
            continue
        if isinstance(value, list | tuple):
            value = ", ".join(map(str, value))
        chips.append(f'<span class="sd-chip"><b>{esc(label)}</b> {esc(value)}</span>')
    if not chips:
        return '<span class="sd-chips-empty">이해한 조건이 여기에 표시됩니다.</span>'
    return '<span class="sd-chips-title">이해한 조건</span>' + "".join(chips)


WELCOME = (
    '<div class="sd-bot">찾는 데이터를 말로 물어보세요. 예: 「따릉이 대여소 자료 있어?」, 이어서 '
    "「그중 강남구만」, 「다운로드 링크」. 「2019년 송파구 인구는 몇 명이야?」처럼 값을 물으면 "
    "자료에서 찾아 출처와 함께 답합니다.</div>"
)


def welcome() -> str:
    """The first message: how to ask, and how many datasets of each field open right now
    (the rest of the catalogue is described only, with who holds it)."""
    from seoul_data.catalog.fields import FIELDS
    from seoul_data.load import open_catalog

    counts = open_catalog().field_counts()
    parts = [f"{f} {counts.get(f, {}).get('open', 0):,}" for f in FIELDS]
    opened = sum(c["open"] for c in counts.values())
    listed = sum(c["listed"] for c in counts.values())
    return WELCOME.replace(
        "</div>",
        f'<div class="sd-fields">지금 바로 열 수 있는 자료 {opened:,}개 ({" · ".join(parts)});'
        f" 목록 정보만 있는 자료 {listed:,}개는 보유 기관과 함께 알려 드립니다.</div></div>",
        1,
    )


STYLE = (
    display.STYLE
    + """<style>
.sd-app { font-family: "NanumGothic", "Nanum Gothic", "Noto Sans KR", "Malgun Gothic", sans-serif;
          max-width: 1100px; }
.sd-me { margin: 12px 0 4px auto; padding: 8px 12px; background: #1f5fa8; color: #fff;
         border-radius: 12px 12px 2px 12px; width: fit-content; max-width: 70%; }
.sd-bot { margin: 4px 0 12px 0; padding: 8px 12px; background: #f3f5f8;
          border-radius: 12px 12px 12px 2px; }
.sd-bot.sd-error { background: #fdecea; color: inherit; font-weight: normal; }
.sd-answer { border-left: 4px solid #1f5fa8; background: #fff; padding: 8px 12px; margin: 6px 0; }
.sd-unanswered { border-left-color: #b0b7c3; color: #444; }
.sd-answer-text { font-size: 1.15em; font-weight: bold; }
.sd-hit { background: #fff; border: 1px solid #dde2ea; border-radius: 6px; padding: 8px 10px;
          margin: 6px 0; }
.sd-hit-title { font-weight: bold; }
.sd-badge { font-size: .75em; font-weight: normal; border: 1px solid #9aa6b8;
            border-radius: 8px; padding: 0 6px; margin-left: 4px; color: #3a4658; }
.sd-why, .sd-source, .sd-count { font-size: .9em; color: #3a4658; }
.sd-note { font-size: .9em; color: #6b4e00; }
.sd-chip { display: inline-block; background: #e4edf8; border-radius: 12px; padding: 2px 10px;
           margin: 2px 4px; }
.sd-chips-title { font-weight: bold; margin-right: 4px; }
.sd-chips-empty { color: #777; }
.sd-table { overflow-x: auto; min-width: 0; flex: 1 1 auto; }
.sd-preview { display: flex; gap: 10px; align-items: flex-start; }
.sd-bot, .sd-hit, .sd-preview { min-width: 0; max-width: 100%; box-sizing: border-box; }
.sd-history { border-top: 1px solid #dde2ea; margin-top: 6px; }

.sd-catalogue { margin: 6px 0; padding: 6px 8px; background: #f7f4ec; border-radius: 4px; }
.sd-request-row { margin: 6px 0 2px 0; display: flex; gap: 8px; align-items: center; }
.sd-request { font: inherit; padding: 3px 12px; border: 1px solid #1f5fa8; border-radius: 4px;
              background: #1f5fa8; color: #fff; cursor: pointer; }
.sd-request:disabled { background: #dde2ea; border-color: #b0b7c3; color: #3a4658;
                       cursor: default; }
.sd-request-status { font-size: .85em; color: #3a4658; }
.sd-request-status.sd-failed { color: #a01818; }
.sd-address { font-size: .8em; color: #6b7280; word-break: break-all; }
.sd-thumb { flex: 0 0 auto; }
.sd-chart { margin: 6px 0; }
.sd-table table { border-collapse: collapse; font-size: .85em; }
.sd-table th, .sd-table td { border: 1px solid #dde2ea; padding: 2px 6px; white-space: nowrap; }
.sd-app pre { background: #272c34; color: #f0f0f0; padding: 8px; border-radius: 4px; }
</style>"""
)
