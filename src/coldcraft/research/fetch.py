"""Fetching one public web page, safely (docs/research.md).

The rules, each a `FetchRefused` with a readable reason when broken:

- only `http` and `https` URLs, without credentials in them;
- the host is resolved here and EVERY address it resolves to is checked: loopback and private
  addresses are refused unless a setting allows them (`research_allow_loopback`,
  `research_allow_private`); link-local (cloud metadata at 169.254.169.254), multicast,
  reserved, unspecified and other non-global addresses always are. The request then goes to
  the checked address (the `Host` header and TLS name stay the host's), so a second DNS
  answer cannot swap it for another;
- redirects are followed by hand, at most `MAX_REDIRECTS`, each hop checked like the first;
- robots.txt of every host visited is honoured (same rules; a missing one allows, any other
  failure to read it refuses);
- the body is streamed and the page refused past `research_max_bytes`; the whole fetch
  (robots.txt and redirects included) is bounded by `research_timeout_seconds`;
- only `text/html` and `application/xhtml+xml` answers are read.

What a page says is untrusted data: see `facts.py`.
"""

from __future__ import annotations

import asyncio
import codecs
import ipaddress
import re
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx

from coldcraft.config import Settings

MAX_REDIRECTS = 5
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MISSING = frozenset({404, 410})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _version() -> str:
    try:
        return package_version("coldcraft")
    except PackageNotFoundError:  # pragma: no cover - a source checkout without metadata
        return "0"


USER_AGENT = f"coldcraft-research/{_version()}"


class FetchRefused(Exception):
    """A page we would not (or could not) read, and why, in words a user can act on."""

    def __init__(self, reason: str, url: str = "") -> None:
        super().__init__(f"{reason}: {url}" if url else reason)
        self.reason = reason
        self.url = url


@dataclass(frozen=True)
class Page:
    """One HTML page as fetched: `url` is where it was found (after redirects)."""

    url: str
    requested_url: str
    status: int
    content_type: str
    html: str
    fetched_at: datetime


@dataclass
class _Answer:
    url: str
    status: int
    content_type: str
    body: bytes
    encoding: str | None  # the charset the server declared, if Python knows it
    headers: httpx.Headers = field(repr=False)


# ---- addresses ------------------------------------------------------------------------------


def address_refusal(ip: IPAddress, settings: Settings) -> str | None:
    """Why an address may not be fetched, or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified or ip.is_multicast or ip.is_link_local:
        return "private address"  # never allowed, whatever the settings
    if ip.is_loopback:  # before `is_reserved`: ::1 is in IPv6's reserved ::/8
        if settings.research_allow_loopback or settings.research_allow_private:
            return None
        return "private address"
    if ip.is_reserved:
        return "private address"
    if ip.is_private:
        return None if settings.research_allow_private else "private address"
    if not ip.is_global:  # shared address space (100.64/10) and the like
        return "private address"
    return None


async def _resolve(host: str, port: int, settings: Settings, url: str) -> IPAddress:
    """Every address `host` resolves to, checked; the first one is the one connected to."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchRefused("host not found", url) from exc
    addresses: list[IPAddress] = []
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
        addresses.append(ipaddress.ip_address(raw))
    if not addresses:
        raise FetchRefused("host not found", url)
    for ip in addresses:
        reason = address_refusal(ip, settings)
        if reason:
            raise FetchRefused(reason, url)
    return addresses[0]


# ---- one request ----------------------------------------------------------------------------


def _checked_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable URL, or FetchRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchRefused("bad URL", url) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused("not http or https", url)
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("credentials in URL", url)
    host = parts.hostname
    if not host:
        raise FetchRefused("bad URL", url)
    try:
        host = host.encode("idna").decode("ascii")  # bücher.de -> xn--bcher-kva.de
    except UnicodeError as exc:
        raise FetchRefused("bad URL", url) from exc
    return scheme, host, port or (443 if scheme == "https" else 80)


async def _get_once(
    client: httpx.AsyncClient, url: str, settings: Settings, *, html_only: bool
) -> _Answer:
    """One GET of `url` at a checked address; the body is read only for a 2xx answer."""
    scheme, host, port = _checked_url(url)
    ip = await _resolve(host, port, settings, url)
    parts = urlsplit(url)
    ip_host = f"[{ip}]" if isinstance(ip, ipaddress.IPv6Address) else str(ip)
    pinned = urlunsplit((scheme, f"{ip_host}:{port}", parts.path or "/", parts.query, ""))
    default_port = 443 if scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    if ":" in host and not host.startswith("["):  # an IPv6 literal
        host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
    headers = {
        "Host": host_header,
        "User-Agent": USER_AGENT,
        "Accept": "text/html,*/*;q=0.1",
        # The cap counts what arrives: ask for it uncompressed (a small gzip can be huge).
        "Accept-Encoding": "identity",
        # One connection per request: the pool is keyed by address, and a connection opened
        # for one host name (its TLS name) must not carry another host's request.
        "Connection": "close",
    }
    request = client.build_request(
        "GET", pinned, headers=headers, extensions={"sni_hostname": host}
    )
    request.headers.pop("Cookie", None)  # a client's jar is keyed by address here: never send
    try:
        response = await client.send(request, stream=True, follow_redirects=False)
    except httpx.TimeoutException as exc:
        raise FetchRefused("timeout", url) from exc
    except httpx.HTTPError as exc:
        raise FetchRefused("connection failed", url) from exc
    try:
        content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        body = b""
        if 200 <= response.status_code < 300:
            if html_only and content_type not in HTML_TYPES:
                raise FetchRefused("not HTML", url)
            body = await _read_capped(response, settings.research_max_bytes, url)
        return _Answer(
            url=url,
            status=response.status_code,
            content_type=content_type,
            body=body,
            encoding=_codec(response.charset_encoding),
            headers=response.headers,
        )
    finally:
        await response.aclose()


def _codec(name: str | None) -> str | None:
    """The codec's canonical name, or None for no name or one Python does not know."""
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([a-zA-Z0-9_.:-]+)""", re.I)


def _html_text(answer: _Answer) -> str:
    """The page's text: the charset the server declared, else the page's `<meta charset>`
    (within its first 2 KB), else UTF-8; undecodable bytes replaced."""
    encoding = answer.encoding
    if encoding is None:
        found = _META_CHARSET_RE.search(answer.body[:2048])
        encoding = _codec(found.group(1).decode("ascii")) if found else None
    return answer.body.decode(encoding or "utf-8", errors="replace")


async def _read_capped(response: httpx.Response, limit: int, url: str) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchRefused("too large", url)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchRefused("too large", url)
            chunks.append(chunk)
    except httpx.TimeoutException as exc:
        raise FetchRefused("timeout", url) from exc
    except httpx.HTTPError as exc:
        raise FetchRefused("connection failed", url) from exc
    return b"".join(chunks)


async def _get_following(
    client: httpx.AsyncClient,
    url: str,
    settings: Settings,
    *,
    html_only: bool,
    robots: _Robots | None,
) -> _Answer:
    """GET with redirects followed by hand: every hop is checked (address, robots.txt)."""
    for _ in range(MAX_REDIRECTS + 1):
        if robots is not None:
            await robots.check(url)
        answer = await _get_once(client, url, settings, html_only=html_only)
        location = answer.headers.get("location")
        if answer.status in REDIRECT_CODES and location:
            url = urljoin(url, location.strip())
            continue
        return answer
    raise FetchRefused("too many redirects", url)


# ---- robots.txt -----------------------------------------------------------------------------


# Failures reading robots.txt that say the site itself is out of reach, reported as such.
_SITE_WIDE = frozenset({"private address", "host not found", "timeout", "connection failed"})


class _Robots:
    """robots.txt per origin, read once per fetch with the same rules as the page."""

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self._client = client
        self._settings = settings
        self._parsers: dict[str, RobotFileParser] = {}

    async def check(self, url: str) -> None:
        scheme, _host, _port = _checked_url(url)
        origin = f"{scheme}://{urlsplit(url).netloc.lower()}"
        parser = self._parsers.get(origin)
        if parser is None:
            parser = await self._read(origin, url)
            self._parsers[origin] = parser
        if not parser.can_fetch(USER_AGENT, url):
            raise FetchRefused("robots.txt disallows", url)

    async def _read(self, origin: str, page_url: str) -> RobotFileParser:
        robots_url = f"{origin}/robots.txt"
        parser = RobotFileParser(robots_url)
        try:
            answer = await _get_following(
                self._client, robots_url, self._settings, html_only=False, robots=None
            )
        except FetchRefused as exc:
            if exc.reason in _SITE_WIDE:  # what the page itself would meet
                raise FetchRefused(exc.reason, page_url) from exc
            raise FetchRefused("robots.txt unavailable", robots_url) from exc
        if answer.status in ROBOTS_MISSING:
            parser.parse([])  # no robots.txt: everything allowed
        elif 200 <= answer.status < 300:
            text = answer.body.decode(answer.encoding or "utf-8", errors="replace")
            parser.parse(text.splitlines())
        else:
            raise FetchRefused("robots.txt unavailable", robots_url)
        return parser


# ---- the page -------------------------------------------------------------------------------


async def fetch_page(
    url: str, *, settings: Settings, client: httpx.AsyncClient | None = None
) -> Page:
    """The HTML page at `url`, or `FetchRefused` with the reason (see the module doc).

    A `client` given must not go through a proxy (the proxy would connect, unchecked) and
    is used with `follow_redirects=False` whatever its own setting."""
    if client is None:
        # trust_env=False: a proxy from the environment would connect for us, unchecked.
        async with httpx.AsyncClient(
            timeout=settings.research_timeout_seconds, trust_env=False
        ) as own:
            return await fetch_page(url, settings=settings, client=own)
    try:
        async with asyncio.timeout(settings.research_timeout_seconds):
            robots = _Robots(client, settings)
            answer = await _get_following(client, url, settings, html_only=True, robots=robots)
    except TimeoutError as exc:
        raise FetchRefused("timeout", url) from exc
    if not 200 <= answer.status < 300:
        raise FetchRefused(f"HTTP {answer.status}", answer.url)
    return Page(
        url=answer.url,
        requested_url=url,
        status=answer.status,
        content_type=answer.content_type,
        html=_html_text(answer),
        fetched_at=datetime.now(UTC),
    )
