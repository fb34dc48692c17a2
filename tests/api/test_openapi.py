from __future__ import annotations

import httpx


async def test_openapi_declares_400_envelopes_and_never_422(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    operations = [op for item in schema["paths"].values() for op in item.values()]
    assert operations
    assert all("422" not in op["responses"] for op in operations)
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    with_input = [op for op in operations if op.get("requestBody") or op.get("parameters")]
    assert all("400" in op["responses"] for op in with_input)
