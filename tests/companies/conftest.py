"""The research test site (tests/research/conftest.py) for the database cache's tests."""

from __future__ import annotations

from tests.research.conftest import site  # noqa: F401  (the fixture)
