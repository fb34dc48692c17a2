"""Touches: a client's claimed place in the sequence is held to the real one."""

from __future__ import annotations

import uuid

import pytest

from coldcraft.sequences.position import Touches
from coldcraft.store.models import SequenceNode


def _touches(*types: str) -> Touches:
    campaign = uuid.uuid4()
    return Touches.of(
        [
            SequenceNode(id=uuid.uuid4(), campaign_id=campaign, position=i, type=t)
            for i, t in enumerate(types)
        ]
    )


@pytest.mark.parametrize(
    ("position", "total", "held"),
    [
        (None, None, (1, 3)),  # nothing claimed: the node's own place
        (0, None, (0, 3)),
        (2, 3, (2, 3)),
        (4503599627370495, 4503599627370495, (2, 3)),  # the original docs' example
        (5, 2, (1, 2)),  # a position beyond the claimed total: its last touch
        (-3, None, (0, 3)),
        (None, 0, (1, 3)),  # a total below 1 is no claim
    ],
)
def test_a_claim_is_held_to_the_real_sequence(
    position: int | None, total: int | None, held: tuple[int, int]
) -> None:
    touches = _touches("email", "delay", "ai", "message", "end")  # three touches
    assert touches.held_to(position, total, default_position=1) == held
