"""Shared inputs for the skeleton tests: the seed's skeleton and a good first-touch email."""

from __future__ import annotations

from typing import Any

from coldcraft.skeletons.schema import Skeleton

SEED: dict[str, Any] = {
    "subject": "Quick thought on %company%'s onboarding",
    "body": "Hi %first_name%,\n\n&&2-sentence pain hook tied to %position%.&&\n\n"
    "&&Specific example of how we help.&&\n\nWorth a 10-min chat?\n\n%sender_first%",
    "blocks": [
        {
            "name": "Opener",
            "strategy": "Reference their role and company",
            "personalization": {
                "fields": ["first_name", "position", "company"],
                "approach": "Single-line, no flattery",
                "fallback": "Generic intro tied to role",
            },
        }
    ],
    "exampleSubject": "Quick thought on Acme's onboarding",
    "exampleBody": "Hi Sarah,\n\nMost heads of ops we talk to burn 6+ hours/week on Zapier "
    "glue. We replaced that glue at 40+ SaaS companies.\n\nWorth a 10-min chat?\n\nSid",
}

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
