"""The example skeleton from the original product's docs: the reference framework.

It must always pass the judge; tests, benchmarks and the docs use it as the known-good input.
"""

from __future__ import annotations

from typing import Any

SEED_SKELETON: dict[str, Any] = {
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
