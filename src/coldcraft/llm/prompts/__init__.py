"""Agent instructions, kept as Markdown next to this module."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_DIR = Path(__file__).parent


@cache
def load(name: str) -> str:
    """The text of `prompts/<name>.md` (stripped, byte-identical on every call)."""
    return (_DIR / f"{name}.md").read_text(encoding="utf-8").strip()
