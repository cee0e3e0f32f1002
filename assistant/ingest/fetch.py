"""Polite HTTP fetching for the clinic's web pages: robots.txt, a delay per host, timeouts, a
size cap, redirects checked hop by hop, and a host policy that keeps the console out of the
clinic's own network.

Every failure is a FetchError (a LoadError) whose message says what went wrong and what to do,
so the page is reported by URL and the others go on.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from protego import Protego

from ..errors import LoadError

ROBOTS_AGENT = "ClinicAssistantBot"  # the token a site's robots.txt names to address us
MAX_REDIRECTS = 5
MAX_CRAWL_DELAY_S = 30.0  # a robots.txt Crawl-delay above this is capped, not obeyed forever
READ_CHUNK = 64 * 1024


class FetchError(LoadError):
    """A page or sitemap could not be fetched; the message says why and what to do."""


@dataclass(frozen=True)
class Fetched:
    url: str  # as requested
    final_url: str  # after redirects
    status: int  # 200, or 304 when the validators matched
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class HostPolicy:
    """Which hosts may be fetched. `allowed` None: any public host (the command line, run by
    the clinic's own operator). Otherwise only those hosts and their subdomains; an address in
    a loopback, private or link-local range only for a host listed exactly (the console must
    not become a way into the clinic's network)."""

    allowed: tuple[str, ...] | None = None
    allow_private: bool = False

    @classmethod
    def anywhere(cls) -> "HostPolicy":
        return cls(allowed=None, allow_private=True)

    @classmethod
    def site_hosts(cls, hosts: list[str]) -> "HostPolicy":
        return cls(allowed=tuple(h.strip().lower().rstrip(".") for h in hosts if h.strip()))

    def check(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"not a web address ({url!r}): give an http:// or https:// URL")
        host = parts.hostname.lower().rstrip(".")
        hostport = f"{host}:{parts.port}" if parts.port else host
        exact = False
        if self.allowed is not None:
            exact = host in self.allowed or hostport in self.allowed
            inside = exact or any(
                host.endswith("." + entry) for entry in self.allowed if ":" not in entry
            )
            if not inside:
                raise FetchError(
                    f"{host} is not one of the clinic's sites (ASSISTANT_SITE_HOSTS: "
                    f"{', '.join(self.allowed) or 'empty'}): add it there if it is"
                )
        if self.allow_private or exact:  # a host listed exactly was named on purpose
            return
        for address in _addresses(host, parts.port or 443):
            if not address.is_global:
                raise FetchError(
                    f"{host} is at {address}, an address inside a private network: only a host "
                    "listed exactly in ASSISTANT_SITE_HOSTS may be fetched there"
                )


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as err:
        raise FetchError(f"cannot find the host {host} ({err.strerror}): check the URL") from err
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


class Fetcher:
    """One client for a whole ingest: robots.txt read once per host, requests to one host
    spaced by at least `delay_s` (or the site's Crawl-delay)."""

    def __init__(
        self,
        policy: HostPolicy,
        user_agent: str,
        timeout_s: float = 15.0,
        max_bytes: int = 5 * 1024 * 1024,
        delay_s: float = 1.0,
    ):
        self.policy = policy
        self.user_agent = user_agent
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.delay_s = delay_s
        self._client = httpx.Client(
            follow_redirects=False,  # each hop is checked against the policy and robots.txt
            timeout=httpx.Timeout(timeout_s),
            headers={"User-Agent": user_agent},
            trust_env=False,  # no proxy from the environment between us and the clinic's site
        )
        self._robots: dict[str, Protego | None] = {}
        self._last_request: dict[str, float] = {}

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        accept: tuple[str, ...],
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """GET url, following up to MAX_REDIRECTS redirects, each hop allowed by the policy
        and by its site's robots.txt; `accept`: the content types wanted (prefixes)."""
        url = without_fragment(url)
        seen = []
        current = url
        while True:
            self.policy.check(current)
            self._check_robots(current)
            response, body = self._request(current, etag, last_modified)
            if response.status_code in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"the site redirects {current} nowhere: check the address")
                seen.append(current)
                current = without_fragment(urljoin(current, location))
                if current in seen:
                    raise FetchError("the page redirects in a loop: check the address in a browser")
                if len(seen) > MAX_REDIRECTS:
                    raise FetchError(
                        f"more than {MAX_REDIRECTS} redirects: give the page's final address"
                    )
                continue
            return self._finish(url, current, response, body, accept)

    def _request(
        self, url: str, etag: str | None, last_modified: str | None
    ) -> tuple[httpx.Response, bytes]:
        """The response and its body, decompressed; the size cap counts decompressed bytes,
        so a compressed bomb is cut off, not expanded."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self._wait_turn(url)
        deadline = time.monotonic() + self.timeout_s
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise self._too_large()
                body = bytearray()
                for piece in response.iter_bytes(READ_CHUNK):
                    body += piece
                    if len(body) > self.max_bytes:
                        raise self._too_large()
                    if time.monotonic() > deadline:  # a server trickling bytes forever
                        raise httpx.ReadTimeout("too slow", request=response.request)
                return response, bytes(body)
        except httpx.TimeoutException as err:
            raise FetchError(
                f"no complete answer within {self.timeout_s:g} s: the site is slow or down; "
                "try again later"
            ) from err
        except httpx.DecodingError as err:
            raise FetchError(f"the site sent damaged compressed data ({err})") from err
        except httpx.HTTPError as err:
            raise FetchError(f"cannot connect ({err}): check the address, or try later") from err

    def _too_large(self) -> FetchError:
        return FetchError(
            f"larger than the {self.max_bytes // (1024 * 1024)} MB limit "
            "(ASSISTANT_FETCH_MAX_MB): is this an article page?"
        )

    def _finish(self, url: str, final: str, response: httpx.Response, body: bytes, accept):
        status = response.status_code
        if status == 304:
            body = b""
        elif status == 200:
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if accept and not content_type.startswith(accept) and not _looks_like(body, accept):
                raise FetchError(
                    f"not a web page (its content type is {content_type or 'not given'}): "
                    "download the file and ingest it as a file instead"
                )
        elif status in (404, 410):
            raise FetchError(
                f"the page is gone (HTTP {status}): check the address, or remove it from "
                "the site's sitemap"
            )
        elif status in (401, 403):
            raise FetchError(
                f"the site refused access (HTTP {status}): only public pages can be ingested"
            )
        else:
            raise FetchError(f"the site answered HTTP {status}: try again later")
        return Fetched(
            url=url,
            final_url=final,
            status=status,
            body=body,
            content_type=response.headers.get("content-type", ""),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )

    # --- politeness -------------------------------------------------------------------------

    def _wait_turn(self, url: str) -> None:
        origin = _origin(url)
        robots = self._robots.get(origin)
        delay = self.delay_s
        if robots is not None:
            delay = max(delay, min(robots.crawl_delay(ROBOTS_AGENT) or 0.0, MAX_CRAWL_DELAY_S))
        last = self._last_request.get(origin)
        if last is not None:
            time.sleep(max(0.0, last + delay - time.monotonic()))
        self._last_request[origin] = time.monotonic()

    def _check_robots(self, url: str) -> None:
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        robots = self._robots[origin]
        if robots is not None and not robots.can_fetch(url, ROBOTS_AGENT):
            raise FetchError(
                f"the site's robots.txt does not allow {ROBOTS_AGENT} to read this page: allow it "
                "there, or save the page as a file and upload that"
            )

    def _read_robots(self, origin: str) -> Protego | None:
        """The site's rules; None (everything allowed) when it has no robots.txt. One that
        cannot be read for a server error or a network failure forbids everything, as RFC 9309
        asks; its redirects are followed (hop by hop, within the policy) like a page's."""
        url = origin + "/robots.txt"
        try:
            for _ in range(MAX_REDIRECTS + 1):
                self.policy.check(url)
                response, body = self._request(url, None, None)
                location = response.headers.get("location")
                if response.status_code in (301, 302, 303, 307, 308) and location:
                    url = without_fragment(urljoin(url, location))
                    continue
                break
        except FetchError as err:
            return Protego.parse(f"User-agent: *\nDisallow: /\n# unreachable: {err}")
        if response.status_code >= 500:
            return Protego.parse("User-agent: *\nDisallow: /")
        if response.status_code != 200:
            return None
        return Protego.parse(body.decode("utf-8", "replace"))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _looks_like(body: bytes, accept: tuple[str, ...]) -> bool:
    """A server that sends no (or a generic) content type: sniff the first bytes."""
    head = body[:512].lstrip().lower()
    if any(a.startswith("text/html") for a in accept):
        return head.startswith((b"<!doctype html", b"<html"))
    return head.startswith(b"<?xml") or head.startswith(b"<urlset") or head[:2] == b"\x1f\x8b"
