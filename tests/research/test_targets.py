"""Where to look: the company domain from a website field or a corporate email."""

from __future__ import annotations

import pytest

from coldcraft.research.targets import email_domain, is_free_mail, targets_for
from coldcraft.skeletons.schema import Lead


def test_a_domain_gives_the_home_page_and_about_candidates() -> None:
    targets = targets_for("acme.com")
    assert targets is not None
    assert targets.domain == "acme.com"
    assert targets.home_url == "https://acme.com/"
    assert targets.about_urls == (
        "https://acme.com/about",
        "https://acme.com/about-us",
        "https://acme.com/company",
    )


@pytest.mark.parametrize(
    ("value", "domain", "origin"),
    [
        ("https://www.Acme.com/en/home?x=1", "acme.com", "https://www.acme.com"),
        ("www.acme.com", "acme.com", "https://www.acme.com"),
        ("http://shop.acme.co.uk:8080/", "shop.acme.co.uk", "http://shop.acme.co.uk:8080"),
        ("bücher.de", "xn--bcher-kva.de", "https://xn--bcher-kva.de"),
    ],
)
def test_website_values_are_normalised(value: str, domain: str, origin: str) -> None:
    targets = targets_for(value)
    assert targets is not None
    assert (targets.domain, targets.origin) == (domain, origin)


@pytest.mark.parametrize(
    "value", ["", "not a domain", "ftp://acme.com", "https://user:pw@acme.com", "localhost"]
)
def test_unusable_values_give_nothing(value: str) -> None:
    assert targets_for(value) is None


def test_a_lead_website_field_wins_over_the_email() -> None:
    lead = Lead(email="ann@acme.com", custom_fields={"Website": "https://www.acme-corp.io"})
    targets = targets_for(lead)
    assert targets is not None
    assert targets.domain == "acme-corp.io"


@pytest.mark.parametrize("key", ["website", "company_website", "domain", "company_domain"])
def test_website_like_fields_are_read(key: str) -> None:
    targets = targets_for(Lead(custom_fields={key: "globex.com"}))
    assert targets is not None
    assert targets.domain == "globex.com"


def test_a_corporate_email_gives_its_domain() -> None:
    targets = targets_for(Lead(email="Ann.Lee@Initech.com"))
    assert targets is not None
    assert targets.domain == "initech.com"
    assert targets.home_url == "https://initech.com/"


@pytest.mark.parametrize(
    "email",
    [
        "ann@gmail.com",
        "ann@outlook.com",
        "ann@yahoo.com",
        "ann@yahoo.co.uk",
        "ann@hotmail.com",
        "ann@icloud.com",
        "ann@proton.me",
        "ann@gmx.de",
        "ann@gmx.net",
        "not-an-email",
        None,
    ],
)
def test_free_mail_and_no_email_give_nothing(email: str | None) -> None:
    assert email_domain(email) is None
    assert targets_for(Lead(email=email)) is None


def test_a_free_mail_domain_in_a_website_field_is_skipped_too() -> None:
    assert is_free_mail("GMAIL.com")
    assert targets_for(Lead(custom_fields={"website": "gmail.com"})) is None
    assert targets_for("gmail.com") is None
