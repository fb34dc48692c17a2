"""Where a node sits in its sequence: the one place that counts positions.

Positions count the message nodes ("touches": email, message, connection request and AI
nodes); delays and the end node do not count. Position 0 is the first touch.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from coldcraft.sequences.service import TOUCH_TYPES
from coldcraft.store.models import SequenceNode


@dataclass(frozen=True)
class Touches:
    """A campaign's message nodes in sequence order."""

    nodes: tuple[SequenceNode, ...]

    @classmethod
    def of(cls, nodes: list[SequenceNode]) -> Touches:
        """From all of a campaign's nodes in order (`sequence_service.list_nodes`)."""
        return cls(tuple(node for node in nodes if node.type in TOUCH_TYPES))

    def position(self, node_id: uuid.UUID) -> int | None:
        """The node's position among the touches; None when it is not one of them."""
        return next((i for i, node in enumerate(self.nodes) if node.id == node_id), None)

    @property
    def total(self) -> int:
        return max(1, len(self.nodes))

    def held_to(
        self, position: int | None, total: int | None, *, default_position: int
    ) -> tuple[int, int]:
        """A client's claimed (position, total) held to the real sequence: what is missing
        is the real value (so is a total below 1), a total is kept within 1..the real total
        and a position within the total (a client of the original product may send
        4503599627370495 for both)."""
        claimed_total = self.total if total is None or total < 1 else total
        held_total = min(max(claimed_total, 1), self.total)
        claimed = default_position if position is None else position
        return min(max(claimed, 0), held_total - 1), held_total

    def before(self, position: int) -> tuple[SequenceNode, ...]:
        return self.nodes[:position]
