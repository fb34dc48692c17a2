"""fetch_page against a local site: what is read, and every refusal with its reason."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

from coldcraft.config import Settings
from coldcraft.research.fetch import (
    MAX_REDIRECTS,
    USER_AGENT,
    FetchRefused,
    address_refusal,
    fetch_page,
)
from tests.research.conftest import Route, Site, research_settings

HOME = "<html><head><title>Acme</title></head><body><h1>We make anvils</h1></body></html>"


async def refusal(url: str, settings: Settings) -> str:
    with pytest.raises(FetchRefused) as caught:
        await fetch_page(url, settings=settings)
    return caught.value.reason


async def test_a_normal_page_is_read_with_its_url_and_time(site: Site, settings: Settings) -> None:
    site.html("/", HOME)

    page = await fetch_page(site.url("/"), settings=settings)

    assert "We make anvils" in page.html
    assert page.url == site.url("/")
    assert page.status == 200
    assert page.content_type == "text/html"
    assert page.fetched_at.tzinfo is not None
    assert site.paths() == ["/robots.txt", "/"]  # robots.txt first (404 here: allowed)
    assert all(seen.headers["User-Agent"] == USER_AGENT for seen in site.requests)
    assert USER_AGENT.startswith("coldcraft-research/")
    assert site.requests[1].headers["Host"] == f"127.0.0.1:{site.port}"


async def test_loopback_is_refused_unless_allowed(site: Site, tmp_path: Path) -> None:
    site.html("/", HOME)
    off = research_settings(tmp_path, research_allow_loopback=False)

    assert await refusal(site.url("/"), off) == "private address"
    assert site.requests == []  # refused before connecting, robots.txt included

    on = research_settings(tmp_path, research_allow_loopback=False, research_allow_private=True)
    assert "anvils" in (await fetch_page(site.url("/"), settings=on)).html


async def test_a_redirect_to_cloud_metadata_is_refused_even_with_private_allowed(
    site: Site, tmp_path: Path
) -> None:
    site.redirect("/", "http://169.254.169.254/latest/meta-data/")
    settings = research_settings(tmp_path, research_allow_private=True)

    assert await refusal(site.url("/"), settings) == "private address"
    assert site.paths() == ["/robots.txt", "/"]  # the first hop was fetched, the second checked


async def test_a_redirect_to_a_private_address_is_refused_when_only_loopback_is_allowed(
    site: Site, settings: Settings
) -> None:
    site.redirect("/", "/next")
    site.redirect("/next", "http://10.0.0.1/admin", status=307)

    with pytest.raises(FetchRefused) as caught:
        await fetch_page(site.url("/"), settings=settings)

    assert caught.value.reason == "private address"
    assert caught.value.url == "http://10.0.0.1/admin"
    assert site.paths() == ["/robots.txt", "/", "/next"]


async def test_redirects_are_followed_up_to_the_limit(site: Site, settings: Settings) -> None:
    for hop in range(MAX_REDIRECTS):
        site.redirect(f"/r{hop}", f"/r{hop + 1}")
    site.html(f"/r{MAX_REDIRECTS}", HOME)
    page = await fetch_page(site.url("/r0"), settings=settings)
    assert page.url == site.url(f"/r{MAX_REDIRECTS}")
    assert page.requested_url == site.url("/r0")

    site.redirect("/loop", "/loop")
    assert await refusal(site.url("/loop"), settings) == "too many redirects"


@pytest.mark.parametrize("send_length", [True, False], ids=["declared", "streamed"])
async def test_a_huge_page_is_refused_not_truncated(
    site: Site, tmp_path: Path, send_length: bool
) -> None:
    """Over `research_max_bytes` the page is refused (never half-read): declared by
    Content-Length, or found while streaming when the server does not say."""
    settings = research_settings(tmp_path, research_max_bytes=100_000)
    site.routes["/big"] = Route(body=b"<p>" + b"x" * 1000 + b"</p>", chunks=1000)
    site.routes["/big"].send_length = send_length

    assert await refusal(site.url("/big"), settings) == "too large"

    site.routes["/small"] = Route(body=b"<p>" + b"x" * 1000 + b"</p>", chunks=90)
    site.routes["/small"].send_length = send_length
    assert len((await fetch_page(site.url("/small"), settings=settings)).html) == 90 * 1007


def test_the_default_cap_is_one_megabyte_and_ten_seconds(tmp_path: Path) -> None:
    defaults = Settings(data_dir=tmp_path)
    assert defaults.research_max_bytes == 1_000_000
    assert defaults.research_timeout_seconds == 10.0
    assert not defaults.research_allow_private
    assert not defaults.research_allow_loopback


async def test_a_non_html_answer_is_refused(site: Site, settings: Settings) -> None:
    site.routes["/data"] = Route(body=b'{"a": 1}', content_type="application/json")
    site.routes["/x"] = Route(body=b"<html/>", content_type="application/xhtml+xml")

    assert await refusal(site.url("/data"), settings) == "not HTML"
    assert (await fetch_page(site.url("/x"), settings=settings)).html == "<html/>"


async def test_robots_txt_is_honoured(site: Site, settings: Settings) -> None:
    site.routes["/robots.txt"] = Route(
        body=b"User-agent: *\nDisallow: /private\n", content_type="text/plain"
    )
    site.html("/private/page", HOME)
    site.html("/public", HOME)

    assert await refusal(site.url("/private/page"), settings) == "robots.txt disallows"
    assert "/private/page" not in site.paths()
    assert "anvils" in (await fetch_page(site.url("/public"), settings=settings)).html


async def test_robots_txt_naming_our_agent_is_honoured(site: Site, settings: Settings) -> None:
    site.routes["/robots.txt"] = Route(
        body=b"User-agent: coldcraft-research\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
        content_type="text/plain",
    )
    site.html("/", HOME)
    assert await refusal(site.url("/"), settings) == "robots.txt disallows"


async def test_robots_txt_is_checked_on_every_redirect_hop(site: Site, settings: Settings) -> None:
    site.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /hidden\n")
    site.redirect("/", "/hidden/page")
    site.html("/hidden/page", HOME)

    assert await refusal(site.url("/"), settings) == "robots.txt disallows"
    assert "/hidden/page" not in site.paths()


async def test_an_unreadable_robots_txt_refuses(site: Site, settings: Settings) -> None:
    site.routes["/robots.txt"] = Route(status=500, body=b"oops")
    site.html("/", HOME)

    assert await refusal(site.url("/"), settings) == "robots.txt unavailable"
    assert site.paths() == ["/robots.txt"]


async def test_a_slow_page_times_out(site: Site, tmp_path: Path) -> None:
    settings = research_settings(tmp_path, research_timeout_seconds=0.3)
    site.routes["/slow"] = Route(body=HOME.encode(), delay=1.5)

    assert await refusal(site.url("/slow"), settings) == "timeout"


async def test_an_error_answer_is_a_refusal_with_its_status(site: Site, settings: Settings) -> None:
    assert await refusal(site.url("/missing"), settings) == "HTTP 404"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://127.0.0.1/", "not http or https"),
        ("file:///etc/passwd", "not http or https"),
        ("http://user:pw@127.0.0.1/", "credentials in URL"),
        ("http://127.0.0.1:99999/", "bad URL"),
    ],
)
async def test_bad_urls_are_refused(url: str, reason: str, settings: Settings) -> None:
    assert await refusal(url, settings) == reason


@pytest.mark.parametrize(
    ("address", "loopback", "private", "refused"),
    [
        ("8.8.8.8", False, False, False),
        ("2606:4700:4700::1111", False, False, False),
        ("127.0.0.1", False, False, True),
        ("127.0.0.1", True, False, False),
        ("::1", True, False, False),
        ("::ffff:127.0.0.1", False, False, True),
        ("10.0.0.1", True, False, True),
        ("10.0.0.1", False, True, False),
        ("192.168.1.10", False, False, True),
        ("fd00::1", False, True, False),
        ("169.254.169.254", True, True, True),
        ("fe80::1", True, True, True),
        ("0.0.0.0", True, True, True),
        ("224.0.0.1", True, True, True),
        ("240.0.0.1", True, True, True),
        ("100.64.0.1", True, True, True),
    ],
)
def test_address_rules(
    address: str, loopback: bool, private: bool, refused: bool, tmp_path: Path
) -> None:
    settings = research_settings(
        tmp_path, research_allow_loopback=loopback, research_allow_private=private
    )
    reason = address_refusal(ipaddress.ip_address(address), settings)
    assert reason == ("private address" if refused else None)


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in answers[host]]
        return await real(host, port, *args, **kwargs)

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)


async def test_every_resolved_address_is_checked(
    site: Site, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host answering with a public-looking first address and a metadata one is refused."""
    _fake_dns(monkeypatch, {"mixed.test": ["127.0.0.1", "169.254.169.254"]})
    site.html("/", HOME)

    assert await refusal(f"http://mixed.test:{site.port}/", settings) == "private address"
    assert site.requests == []


async def test_the_checked_address_is_the_one_connected_to(
    site: Site, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request goes to the address checked, with the host's name in the Host header."""
    _fake_dns(monkeypatch, {"acme.test": ["127.0.0.1"]})
    site.html("/", HOME)

    page = await fetch_page(f"http://acme.test:{site.port}/", settings=settings)

    assert page.url == f"http://acme.test:{site.port}/"
    assert site.requests[-1].headers["Host"] == f"acme.test:{site.port}"


async def test_https_to_the_checked_address_verifies_the_host_name(
    tls_site: tuple[Site, Path], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pinned to 127.0.0.1, the TLS handshake still names and verifies `acme.test`: the
    certificate for acme.test is accepted for acme.test and refused for another name."""
    site, cert = tls_site
    _fake_dns(monkeypatch, {"acme.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    site.html("/", HOME)
    trust = ssl.create_default_context(cafile=str(cert))

    async with httpx.AsyncClient(verify=trust, trust_env=False) as client:
        page = await fetch_page(f"https://acme.test:{site.port}/", settings=settings, client=client)
        assert "anvils" in page.html
        assert site.requests[-1].headers["Host"] == f"acme.test:{site.port}"

        with pytest.raises(FetchRefused) as caught:
            await fetch_page(f"https://other.test:{site.port}/", settings=settings, client=client)
        assert caught.value.reason == "connection failed"
        causes = []
        cause: BaseException | None = caught.value
        while cause is not None:
            causes.append(str(cause).lower())
            cause = cause.__cause__
        assert any("certificate verify failed" in text for text in causes), causes


async def test_the_page_charset_is_honoured(site: Site, settings: Settings) -> None:
    text = "<html><head><meta charset='iso-8859-1'><title>Café Müller</title></head></html>"
    site.routes["/meta"] = Route(body=text.encode("latin-1"), content_type="text/html")
    site.routes["/header"] = Route(
        body="<title>Café</title>".encode("cp1252"), content_type="text/html; charset=cp1252"
    )
    site.routes["/none"] = Route(body="<title>Café</title>".encode(), content_type="text/html")

    assert "Café Müller" in (await fetch_page(site.url("/meta"), settings=settings)).html
    assert "Café" in (await fetch_page(site.url("/header"), settings=settings)).html
    assert "Café" in (await fetch_page(site.url("/none"), settings=settings)).html


async def test_an_international_host_name_is_resolved_as_idna(
    site: Site, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_dns(monkeypatch, {"xn--bcher-kva.test": ["127.0.0.1"]})
    site.html("/", HOME)

    page = await fetch_page(f"http://bücher.test:{site.port}/", settings=settings)

    assert "anvils" in page.html
    assert site.requests[-1].headers["Host"] == f"xn--bcher-kva.test:{site.port}"


async def test_cookies_are_never_sent(site: Site, settings: Settings) -> None:
    """The request goes to an address, so a jar would mix hosts sharing one: no cookies."""
    site.routes["/"] = Route(body=HOME.encode(), headers={"Set-Cookie": "session=abc; Path=/"})
    async with httpx.AsyncClient(trust_env=False, cookies={"tracking": "1"}) as client:
        await fetch_page(site.url("/"), settings=settings, client=client)
        await fetch_page(site.url("/"), settings=settings, client=client)
    assert all("Cookie" not in seen.headers for seen in site.requests)
