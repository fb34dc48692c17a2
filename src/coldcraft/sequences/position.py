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

    def before(self, position: int) -> tuple[SequenceNode, ...]:
        return self.nodes[:position]
