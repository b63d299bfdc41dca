"""Optional language-model help for the search, through an OpenAI-compatible endpoint.

Off by default: everything works without it. When ``SEOUL_LLM_URL`` (the endpoint's base
URL, e.g. an internal vLLM server ``http://llm.internal:8000/v1``) and ``SEOUL_LLM_MODEL``
are set, a request that the catalogue's vocabulary does not cover well is also rewritten
into catalogue keywords by the model; those keywords count like related words, never
more than the user's own. The model never produces numbers for answers: values come from
the data only. ``SEOUL_LLM_KEY`` is sent as a bearer token if set; it is never logged.
"""

from __future__ import annotations

import logging
import os
import re

import requests

log = logging.getLogger(__name__)

PROMPT = (
    "서울시 공공데이터 목록에서 검색할 핵심 단어를 뽑아 주세요. 사용자의 요청: {query}\n"
    "데이터 목록 제목에 쓰일 법한 명사만 쉼표로 구분해 5개 이하로 답하세요."
)
TIMEOUT_S = 5.0


def configured() -> bool:
    return bool(os.environ.get("SEOUL_LLM_URL") and os.environ.get("SEOUL_LLM_MODEL"))


def rewrite(query: str) -> list[str]:
    """Catalogue keywords for ``query`` from the model, or [] when off or failing."""
    if not configured() or not query.strip():
        return []
    url = os.environ["SEOUL_LLM_URL"].rstrip("/") + "/chat/completions"
    headers = {"Content-Type": "application/json"}
    if os.environ.get("SEOUL_LLM_KEY"):
        headers["Authorization"] = f"Bearer {os.environ['SEOUL_LLM_KEY']}"
    body = {
        "model": os.environ["SEOUL_LLM_MODEL"],
        "messages": [{"role": "user", "content": PROMPT.format(query=query[:500])}],
        "temperature": 0,
        "max_tokens": 64,
    }
    try:
        response = requests.post(url, json=body, headers=headers, timeout=TIMEOUT_S)
        response.raise_for_status()
        text = response.json()["choices"][0]["message"]["content"]
    except (requests.RequestException, KeyError, IndexError, ValueError, TypeError) as e:
        log.warning(
            "LLM endpoint %s gave no usable answer (%s); searching without it",
            url,
            type(e).__name__,
        )
        return []
    words = [w.strip() for w in re.split(r"[,\n、·]", text) if w.strip()]
    return [w for w in words if 1 < len(w) <= 20][:5]
