"""Shared inputs for the skeleton tests: the seed's skeleton and a good first-touch email."""

from __future__ import annotations

from typing import Any

from coldcraft.skeletons.schema import Skeleton
from coldcraft.skeletons.seed import SEED_SKELETON

SEED: dict[str, Any] = SEED_SKELETON

GOOD_SUBJECT = "Quick thought on Acme's onboarding"
GOOD_BODY = (
    "Hi Sarah,\n\n"
    "Most heads of ops we talk to lose six hours a week to the glue between their CRM, "
    "billing and support tools. It breaks quietly, and someone fixes it on a Friday night.\n\n"
    "We replaced that glue at 40 SaaS teams with one workflow your ops team owns. Northwind "
    "cut manual fixes by half in the first month.\n\n"
    "Worth a 10-min chat next week?\n\n"
    "Sid"
)


def seed_with(**changes: object) -> Skeleton:
    """The seed skeleton with some wire fields replaced."""
    return Skeleton.model_validate({**SEED, **changes})
