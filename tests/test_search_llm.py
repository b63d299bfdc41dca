"""The optional LLM back end, against a loopback server that speaks the OpenAI chat API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from seoul_data.search import llm


class FakeChat(BaseHTTPRequestHandler):
    answer = "공공자전거, 대여소"
    requests: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeChat.requests.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        if FakeChat.answer is None:
            self.send_response(500)
            self.end_headers()
            return
        payload = {"choices": [{"message": {"role": "assistant", "content": FakeChat.answer}}]}
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeChat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeChat.requests, FakeChat.answer = [], "공공자전거, 대여소"
    monkeypatch.setenv("SEOUL_LLM_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
    monkeypatch.setenv("SEOUL_LLM_MODEL", "test-model")
    monkeypatch.setenv("SEOUL_LLM_KEY", "secret-key")
    yield server
    server.shutdown()


def test_off_by_default(monkeypatch):
    monkeypatch.delenv("SEOUL_LLM_URL", raising=False)
    assert not llm.configured() and llm.rewrite("자전거 빌리는 곳") == []


def test_keywords_from_the_model(endpoint):
    assert llm.rewrite("자전거 빌리는 곳") == ["공공자전거", "대여소"]
    (call,) = FakeChat.requests
    assert call["path"] == "/v1/chat/completions" and call["body"]["model"] == "test-model"
    assert call["auth"] == "Bearer secret-key"
    assert "자전거 빌리는 곳" in call["body"]["messages"][0]["content"]


def test_a_failing_model_does_not_stop_the_search(endpoint, caplog):
    FakeChat.answer = None
    assert llm.rewrite("자전거") == []
    assert "secret-key" not in caplog.text
