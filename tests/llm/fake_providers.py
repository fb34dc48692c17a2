"""Local fake LLM provider servers: the Anthropic Messages API and the OpenAI Chat Completions API.

Each server runs on 127.0.0.1 with a random port in a background thread (uvicorn + a tiny Starlette
app), so tests exercise the real `anthropic` and `openai` SDKs through pydantic-ai. Behaviour is
scripted: queue actions with `FakeProvider.script(...)` (consumed in order, one per request), or set
`FakeProvider.responder` to compute the action from the request when the queue is empty.

Actions: `Reply` (text and/or tool calls, usage incl. cache tokens, optional delay) and `Fail`
(any status with an optional `retry-after` / `retry-after-ms` header, optional delay). `latency`
adds a fixed delay to every request. Every request is logged (`requests`, `count()`), with its
parsed JSON body, headers and whether it asked for a stream (JSON and SSE streaming are both
answered).

    with fake_anthropic() as fake:
        fake.script(Fail(429, retry_after="0"), Reply(text="hello"))
        ...  # point AnthropicProvider(base_url=fake.base_url) at it
        assert fake.count() == 2
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

Kind = Literal["anthropic", "openai"]
OUTPUT_TOOL = "final_result"  # pydantic-ai's default output tool name


@dataclass
class ToolCall:
    name: str
    args: dict[str, Any]
    id: str | None = None


@dataclass
class Reply:
    text: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    input_tokens: int = 120
    output_tokens: int = 40
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    delay: float = 0.0

    @classmethod
    def output(cls, args: dict[str, Any], **kwargs: Any) -> Reply:
        """A call to the agent's output tool (typed output)."""
        return cls(tool_calls=[ToolCall(OUTPUT_TOOL, args)], **kwargs)


@dataclass
class Fail:
    status: int
    message: str = "scripted failure"
    retry_after: str | None = None  # `retry-after` header (seconds)
    retry_after_ms: str | None = None  # `retry-after-ms` header
    delay: float = 0.0


Action = Reply | Fail
Responder = Callable[["RecordedRequest"], Action]


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def tool_names(self) -> list[str]:
        names = []
        for tool in self.body.get("tools") or []:
            names.append(tool.get("name") or tool.get("function", {}).get("name") or tool["type"])
        return names

    def system_text(self) -> str:
        """The system prompt text (Anthropic `system`, or OpenAI system/developer messages)."""
        system = self.body.get("system")
        if system is not None:
            return system if isinstance(system, str) else "".join(b["text"] for b in system)
        msgs = self.body.get("messages") or []
        return "".join(
            _content_text(m.get("content")) for m in msgs if m["role"] in ("system", "developer")
        )

    def user_text(self) -> str:
        msgs = self.body.get("messages") or []
        return "\n".join(_content_text(m.get("content")) for m in msgs if m["role"] == "user")


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


@dataclass
class FakeProvider:
    kind: Kind
    port: int = 0
    latency: float = 0.0
    responder: Responder | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    model_name: str = "fake-model"
    _queue: deque[Action] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        root = f"http://127.0.0.1:{self.port}"
        return root if self.kind == "anthropic" else f"{root}/v1"

    def script(self, *actions: Action) -> None:
        with self._lock:
            self._queue.extend(actions)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
        self.latency = 0.0
        self.responder = None

    def count(self) -> int:
        return len(self.requests)

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]

    def _next(self, recorded: RecordedRequest) -> Action:
        with self._lock:
            self.requests.append(recorded)
            if self._queue:
                return self._queue.popleft()
        if self.responder is not None:
            return self.responder(recorded)
        return Reply(text="ok")


# --- Anthropic Messages API --------------------------------------------------------------


_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
_OPENAI_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_api_key",
    429: "rate_limit_exceeded",
}


def _anthropic_content(reply: Reply) -> list[dict[str, Any]]:
    content: list[dict[str, Any]] = []
    if reply.text is not None:
        content.append({"type": "text", "text": reply.text})
    for call in reply.tool_calls:
        call_id = call.id or f"toolu_{uuid.uuid4().hex[:20]}"
        content.append({"type": "tool_use", "id": call_id, "name": call.name, "input": call.args})
    return content


def _anthropic_usage(reply: Reply) -> dict[str, int]:
    return {
        "input_tokens": reply.input_tokens,
        "output_tokens": reply.output_tokens,
        "cache_creation_input_tokens": reply.cache_write_tokens,
        "cache_read_input_tokens": reply.cache_read_tokens,
    }


def _anthropic_message(reply: Reply, model: str) -> dict[str, Any]:
    return {
        "id": f"msg_{uuid.uuid4().hex[:20]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": _anthropic_content(reply),
        "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": _anthropic_usage(reply),
    }


def _sse(event: str | None, data: dict[str, Any] | str) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


async def _anthropic_stream(reply: Reply, model: str) -> AsyncIterator[bytes]:
    message = _anthropic_message(reply, model)
    start = {**message, "content": [], "stop_reason": None}
    start["usage"] = {**message["usage"], "output_tokens": 1}
    yield _sse("message_start", {"type": "message_start", "message": start})
    for index, block in enumerate(message["content"]):
        for event in _anthropic_block_events(index, block):
            yield _sse(event["type"], event)
    delta = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    usage = {"output_tokens": reply.output_tokens}
    yield _sse("message_delta", {"type": "message_delta", "delta": delta, "usage": usage})
    yield _sse("message_stop", {"type": "message_stop"})


def _anthropic_block_events(index: int, block: dict[str, Any]) -> list[dict[str, Any]]:
    if block["type"] == "text":
        start = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": block["text"]}
    else:
        start = {**block, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
    return [
        {"type": "content_block_start", "index": index, "content_block": start},
        {"type": "content_block_delta", "index": index, "delta": delta},
        {"type": "content_block_stop", "index": index},
    ]


# --- OpenAI Chat Completions API ---------------------------------------------------------


def _openai_message(reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id or f"call_{uuid.uuid4().hex[:20]}",
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.args)},
            }
            for call in reply.tool_calls
        ]
    return message


def _openai_usage(reply: Reply) -> dict[str, Any]:
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
        "prompt_tokens_details": {"cached_tokens": reply.cache_read_tokens},
    }


def _openai_completion(reply: Reply, model: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:20]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": _openai_message(reply),
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": _openai_usage(reply),
    }


async def _openai_stream(reply: Reply, model: str) -> AsyncIterator[bytes]:
    base = {"id": f"chatcmpl-{uuid.uuid4().hex[:20]}", "object": "chat.completion.chunk"}
    base |= {"created": int(time.time()), "model": model}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return _sse(None, {**base, "choices": [choice]})

    yield chunk({"role": "assistant", "content": reply.text or ""})
    for index, call in enumerate(_openai_message(reply).get("tool_calls", [])):
        yield chunk({"tool_calls": [{"index": index, **call}]})
    yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
    yield _sse(None, {**base, "choices": [], "usage": _openai_usage(reply)})
    yield _sse(None, "[DONE]")


# --- the app -----------------------------------------------------------------------------


def _error_body(kind: Kind, fail: Fail) -> dict[str, Any]:
    if kind == "anthropic":
        error_type = _ANTHROPIC_ERROR_TYPES.get(fail.status, "api_error")
        return {"type": "error", "error": {"type": error_type, "message": fail.message}}
    code = _OPENAI_ERROR_TYPES.get(fail.status, "server_error")
    return {"error": {"message": fail.message, "type": code, "code": code, "param": None}}


def _fail_response(kind: Kind, fail: Fail) -> Response:
    headers: dict[str, str] = {}
    if fail.retry_after is not None:
        headers["retry-after"] = fail.retry_after
    if fail.retry_after_ms is not None:
        headers["retry-after-ms"] = fail.retry_after_ms
    return JSONResponse(_error_body(kind, fail), status_code=fail.status, headers=headers)


def _reply_response(kind: Kind, reply: Reply, model: str, stream: bool) -> Response:
    if stream:
        gen = (
            _anthropic_stream(reply, model) if kind == "anthropic" else _openai_stream(reply, model)
        )
        return StreamingResponse(gen, media_type="text/event-stream")
    if kind == "anthropic":
        return JSONResponse(_anthropic_message(reply, model))
    return JSONResponse(_openai_completion(reply, model))


def _build_app(fake: FakeProvider) -> Starlette:
    async def handle(request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw or b"{}")
        recorded = RecordedRequest(request.url.path, dict(request.headers), body, raw)
        action = fake._next(recorded)
        await asyncio.sleep(fake.latency + action.delay)
        if isinstance(action, Fail):
            return _fail_response(fake.kind, action)
        model = body.get("model") or fake.model_name
        return _reply_response(fake.kind, action, model, recorded.stream)

    path = "/v1/messages" if fake.kind == "anthropic" else "/v1/chat/completions"
    return Starlette(routes=[Route(path, handle, methods=["POST"])])


@contextmanager
def serve_fake(kind: Kind) -> Iterator[FakeProvider]:
    """Start a fake provider on 127.0.0.1 (random port) in a background thread."""
    fake = FakeProvider(kind)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    fake.port = sock.getsockname()[1]
    config = uvicorn.Config(
        _build_app(fake), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


def fake_anthropic() -> AbstractContextManager[FakeProvider]:
    """A fake Anthropic Messages API (`base_url` without `/v1`)."""
    return serve_fake("anthropic")


def fake_openai() -> AbstractContextManager[FakeProvider]:
    """A fake OpenAI Chat Completions API (`base_url` ends with `/v1`)."""
    return serve_fake("openai")
