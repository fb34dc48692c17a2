"""Where to look for a prospect's company: its domain, and the pages worth reading.

The domain comes from a website-like custom field of the lead (`website`, `company_website`,
`domain`, ...; CSV headers become custom field keys, lower-case with `_`), else from the
domain of a corporate email address. Free-mail domains (gmail.com, outlook.com, gmx.*, ...)
say nothing about the company and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from coldcraft.skeletons.schema import Lead

# Custom field keys that hold a company website, in order of preference.
WEBSITE_FIELDS = (
    "website",
    "company_website",
    "website_url",
    "company_url",
    "company_domain",
    "domain",
    "url",
    "web",
    "site",
)
ABOUT_PATHS = ("/about", "/about-us", "/company")

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "ymail.com", "rocketmail.com", "aol.com", "icloud.com", "me.com",
        "mac.com", "proton.me", "protonmail.com", "pm.me", "tutanota.com", "tuta.io",
        "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "gmx.com", "gmx.net", "web.de",
        "fastmail.com", "hey.com", "qq.com", "163.com", "126.com",
    }
)  # fmt: skip
# Free-mail providers with one domain per country (gmx.de, yahoo.co.uk, hotmail.fr, ...).
FREE_MAIL_PREFIXES = ("gmx.", "yahoo.", "hotmail.", "outlook.", "live.", "yandex.")

_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_IP_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


@dataclass(frozen=True)
class ResearchTargets:
    """A company's domain (the cache key), its site's origin and the URLs to fetch in order.

    `urls[0]` is the home page; the rest are about-page candidates (the first one found is
    enough)."""

    domain: str
    origin: str
    urls: tuple[str, ...]

    @property
    def home_url(self) -> str:
        return self.urls[0]

    @property
    def about_urls(self) -> tuple[str, ...]:
        return self.urls[1:]


def is_free_mail(domain: str) -> bool:
    domain = domain.lower().strip(".")
    return domain in FREE_MAIL_DOMAINS or domain.startswith(FREE_MAIL_PREFIXES)


def site_from_value(value: str) -> tuple[str, str] | None:
    """(domain, origin) of a website value (`acme.com`, `https://www.acme.com/en`), or None."""
    value = value.strip()
    if not value or any(c.isspace() for c in value):
        return None
    if "://" not in value:
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in ("http", "https") or parts.username or parts.password:
        return None
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if not (_HOST_RE.match(host) or _IP_RE.match(host)):
        return None
    domain = host.removeprefix("www.")
    netloc = host if port is None else f"{host}:{port}"
    return domain, f"{scheme}://{netloc}"


def email_domain(email: str | None) -> str | None:
    """The domain of a corporate email address; None for free mail or no address."""
    if not email or email.count("@") != 1:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower().rstrip(".")
    if not domain or is_free_mail(domain):
        return None
    site = site_from_value(domain)
    return None if site is None else site[0]


def targets_for(domain_or_lead: str | Lead) -> ResearchTargets | None:
    """What to fetch for a domain/website string or a lead; None when nothing says."""
    site: tuple[str, str] | None = None
    if isinstance(domain_or_lead, str):
        site = site_from_value(domain_or_lead)
        if site is not None and is_free_mail(site[0]):
            site = None
    else:
        site = _lead_site(domain_or_lead)
    if site is None:
        return None
    domain, origin = site
    return ResearchTargets(
        domain=domain,
        origin=origin,
        urls=(f"{origin}/", *(f"{origin}{path}" for path in ABOUT_PATHS)),
    )


def _lead_site(lead: Lead) -> tuple[str, str] | None:
    fields = {key.lower(): value for key, value in lead.custom_fields.items()}
    for key in WEBSITE_FIELDS:
        value = fields.get(key)
        if isinstance(value, str):
            site = site_from_value(value)
            if site is not None and not is_free_mail(site[0]):
                return site
    domain = email_domain(lead.email)
    return None if domain is None else site_from_value(domain)
