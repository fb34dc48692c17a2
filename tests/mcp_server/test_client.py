"""The API adapter: error envelopes become tool errors with the API's code and message."""

from __future__ import annotations

import httpx
import pytest

from coldcraft.mcp_server.client import Api, ApiToolError, error_from, in_process


def test_an_envelope_keeps_its_code_message_and_first_details() -> None:
    details = [{"field": f"prospects[{i}].email", "message": "bad"} for i in range(7)]
    body = {"error": {"code": "invalid_request", "message": "Invalid request", "details": details}}
    error = error_from(httpx.Response(400, json=body))
    assert (error.status, error.code, error.message) == (400, "invalid_request", "Invalid request")
    text = str(error)
    assert text.startswith("invalid_request: Invalid request | prospects[0].email: bad")
    assert "prospects[4]" in text
    assert "prospects[5]" not in text  # five details at most


def test_a_reply_without_an_envelope_is_named_by_its_status() -> None:
    error = error_from(httpx.Response(502, text="<html>bad gateway</html>"))
    assert (error.code, error.message) == ("http_502", "<html>bad gateway</html>")


async def test_a_crash_in_process_is_a_tool_error_not_an_exception() -> None:
    async def crashing_app(scope: object, receive: object, send: object) -> None:
        raise RuntimeError("boom")

    async with httpx.AsyncClient(transport=in_process(crashing_app), base_url="http://x") as c:
        with pytest.raises(ApiToolError) as raised:
            await Api(c).get("/api/campaigns")
    assert raised.value.status == 500
