"""failed_outcome: an item the writer could not write still shows what its research spent."""

from __future__ import annotations

import pytest

from coldcraft.chat.schemas import GeneratedExample
from coldcraft.llm.usage import Usage
from coldcraft.runs.kinds import ErrorInfo
from coldcraft.writing.outcomes import failed_outcome

ERROR = ErrorInfo(code="provider_error", message="down")


@pytest.mark.parametrize(
    ("spent", "shown"),
    [
        (Usage(requests=1, input_tokens=900, output_tokens=80, cost_usd=0.001), 0.001),
        (Usage(cost_usd=0.008), 0.008),  # an offline extraction and a paid search call
        (Usage(), None),  # nothing was spent: no usage shown
    ],
)
def test_a_failed_item_shows_what_its_research_spent(spent: Usage, shown: float | None) -> None:
    outcome = failed_outcome(GeneratedExample(), ERROR, "offline", spent=spent)

    assert outcome.ok is False
    assert outcome.usage == spent  # the run's usage and the spend cap count it either way
    usage = outcome.result.model_dump(exclude_unset=True).get("usage")
    assert (usage["cost_usd"] if usage else None) == shown
