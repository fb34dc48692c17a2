"""Token and cost accounting for one LLM call, one turn, or a whole run.

`cost_usd` comes from pydantic-ai's genai-prices estimate (`RunUsage.cost`); it is 0.0 when the
model or provider has no known price (the offline model, most self-hosted servers).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

from pydantic_ai.usage import RunUsage


@dataclass
class Usage:
    input_tokens: int = 0  # includes cache reads and writes
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    requests: int = 0
    cost_usd: float = 0.0

    @classmethod
    def from_run_usage(cls, usage: RunUsage) -> Usage:
        return cls(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            requests=usage.requests,
            cost_usd=_usd(usage.cost),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Usage:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in names})

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            requests=self.requests + other.requests,
            cost_usd=round(self.cost_usd + other.cost_usd, 8),
        )

    def add(self, other: Usage) -> None:
        """Add `other` into this usage, in place."""
        merged = self + other
        for f in fields(self):
            setattr(self, f.name, getattr(merged, f.name))

    @staticmethod
    def merge(*usages: Usage) -> Usage:
        total = Usage()
        for usage in usages:
            total.add(usage)
        return total

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def wire(self) -> dict[str, Any]:
        """The shape on generated examples: `{input_tokens, output_tokens, cost_usd}`."""
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
        }


def _usd(cost: Decimal | None) -> float:
    return round(float(cost), 8) if cost is not None else 0.0
