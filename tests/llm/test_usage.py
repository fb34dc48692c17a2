"""Usage accounting."""

from __future__ import annotations

from decimal import Decimal

from pydantic_ai.usage import RunUsage

from coldcraft.llm.usage import Usage


def test_from_run_usage_keeps_tokens_requests_and_cost() -> None:
    run = RunUsage(
        requests=2,
        input_tokens=1000,
        output_tokens=200,
        cache_read_tokens=600,
        cache_write_tokens=300,
    )
    run.cost = Decimal("0.0123")
    usage = Usage.from_run_usage(run)
    assert usage == Usage(1000, 200, 600, 300, 2, 0.0123)
    assert usage.total_tokens == 1200


def test_an_unknown_price_is_zero() -> None:
    assert Usage.from_run_usage(RunUsage(requests=1, input_tokens=5)).cost_usd == 0.0


def test_add_and_merge() -> None:
    a = Usage(10, 5, 1, 2, 1, 0.1)
    b = Usage(20, 10, 0, 0, 2, 0.2)
    assert a + b == Usage(30, 15, 1, 2, 3, 0.3)
    total = Usage.merge(a, b, b)
    assert total.requests == 5
    assert total.cost_usd == 0.5
    a.add(b)
    assert a == Usage(30, 15, 1, 2, 3, 0.3)


def test_wire_and_dict_shapes() -> None:
    usage = Usage(10, 5, 0, 0, 1, 0.01)
    assert usage.wire() == {"input_tokens": 10, "output_tokens": 5, "cost_usd": 0.01}
    assert Usage.from_dict(usage.as_dict()) == usage
    assert Usage.from_dict({"input_tokens": 3, "unknown": 1}) == Usage(input_tokens=3)
