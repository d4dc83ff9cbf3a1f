"""HTTP/JSON sources: an endpoint of the organization's systems answering JSON, a JMESPath expression that
picks the rows out of each page, and another that finds the next page's link.

Safety: redirects are not followed and next links must stay on the configured server, so the credential
headers only ever go where the person sent them; a page may be at most ``IMPORT_MAX_BYTES`` and must arrive
within the timeout, however slowly it trickles.
"""

from __future__ import annotations

import datetime
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import httpx
import jmespath
from django.conf import settings
from django.utils.translation import gettext as _
from jmespath.exceptions import JMESPathError

from tandem.integrations.crypto import mask
from tandem.integrations.sources import KPI_COLUMNS, SourceError, as_date, timeout_clean

SINCE = "{since}"
MAX_PAGES = 1000
DEFAULT_PAGES = 100
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
SECRET_QUERY_KEYS = re.compile(r"pass|pwd|secret|token|key|sig|auth", re.IGNORECASE)


def url_clean(raw: object, errors: list[dict[str, str]]) -> str:
    url = str(raw or "").strip()
    parts = urlsplit(url.replace(SINCE, "1900-01-01"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors.append({"field": "url", "message": _("Give the endpoint's address, starting with https://")})
        return ""
    return url


def headers_clean(raw: object, errors: list[dict[str, str]]) -> dict[str, str]:
    """Headers as a dict, or as the lines "Name: value" people paste."""
    if raw in (None, ""):
        return {}
    if isinstance(raw, str):
        pairs = []
        for line in raw.splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition(":")
            if not sep:
                errors.append({"field": "headers", "message": _("Write one header a line, as Name: value.")})
                return {}
            pairs.append((name.strip(), value.strip()))
    elif isinstance(raw, dict):
        pairs = [(str(name).strip(), str(value).strip()) for name, value in raw.items()]
    else:
        errors.append({"field": "headers", "message": _("Write one header a line, as Name: value.")})
        return {}
    headers: dict[str, str] = {}
    for name, value in pairs:
        if not HEADER_NAME.match(name) or "\n" in value or "\r" in value:
            errors.append({"field": "headers", "message": _("“%(name)s” is not a valid header.") % {"name": name}})
            return {}
        headers[name] = value
    return headers


def expression_clean(raw: object, field: str, errors: list[dict[str, str]], *, required: bool) -> str:
    expression = str(raw or "").strip()
    if not expression:
        if required:
            errors.append(
                {
                    "field": field,
                    "message": _("Write the JMESPath expression that gives the list of rows, e.g. data.items"),
                }
            )
        return ""
    try:
        jmespath.compile(expression)
    except JMESPathError as error:
        errors.append(
            {
                "field": field,
                "message": _("This is not a JMESPath expression: %(error)s") % {"error": one_line(str(error))},
            }
        )
    return expression


def config_clean(
    *, config: dict[str, Any], secrets: dict[str, Any], errors: list[dict[str, str]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The HTTP settings checked: ``secrets.url``/``secrets.headers``, ``config.method``, ``body``,
    ``expression``, ``next``, ``max_pages`` and ``timeout``."""
    url = url_clean(secrets.get("url"), errors)
    headers = headers_clean(secrets.get("headers"), errors)
    method = str(config.get("method") or "GET").strip().upper()
    if method not in ("GET", "POST"):
        errors.append({"field": "method", "message": _("Choose GET or POST.")})
    body = str(config.get("body") or "").strip()
    if method == "GET":
        body = ""
    elif body:
        try:
            json.loads(body.replace(SINCE, "1900-01-01"))
        except ValueError as error:
            errors.append(
                {"field": "body", "message": _("The body is not JSON: %(error)s") % {"error": one_line(str(error))}}
            )
    expression = expression_clean(config.get("expression"), "expression", errors, required=True)
    next_link = expression_clean(config.get("next"), "next", errors, required=False)
    raw_pages = config.get("max_pages")
    pages = DEFAULT_PAGES
    if raw_pages not in (None, ""):
        pages = int(str(raw_pages)) if str(raw_pages).strip().isdigit() else 0
        if not 1 <= pages <= MAX_PAGES:
            errors.append(
                {"field": "max_pages", "message": _("Give a number of pages from 1 to %(max)s.") % {"max": MAX_PAGES}}
            )
            pages = DEFAULT_PAGES
    timeout = timeout_clean(config, errors)
    cleaned = {
        "method": method,
        "body": body,
        "expression": expression,
        "next": next_link,
        "max_pages": pages,
        "timeout": timeout,
    }
    return cleaned, {"url": url, "headers": headers}


def url_masked(url: str) -> str:
    """The URL with its user's password and any token-like query parameter masked."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(f":{parts.password}@", ":••••@")
    query = "&".join(
        f"{key}={'••••' if SECRET_QUERY_KEYS.search(key) else value}"
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def describe(*, secrets: dict[str, Any]) -> dict[str, str]:
    headers = secrets.get("headers") or {}
    return {
        "url": url_masked(str(secrets.get("url") or "")),
        "headers": ", ".join(f"{name}: {mask(str(value))}" for name, value in headers.items()),
    }


def secret_words(secrets: dict[str, Any]) -> list[str]:
    url = str(secrets.get("url") or "")
    parts = urlsplit(url)
    words = [url, *(str(value) for value in (secrets.get("headers") or {}).values())]
    if parts.password:
        words.append(parts.password)
    words.extend(value for key, value in parse_qsl(parts.query) if SECRET_QUERY_KEYS.search(key))
    return [word for word in words if len(word) >= 3]


def one_line(message: str) -> str:
    return " ".join(message.split())[:300]


def excerpt(body: bytes, words: list[str]) -> str:
    shown = one_line(body[:400].decode("utf-8", "replace"))[:200]
    for word in words:
        shown = shown.replace(word, "••••")
    return shown


def point_of(item: object, default_kpi: int | None) -> dict[str, Any]:
    """A row of the response as a point: an object with date, value and optionally kpi_key (or kpi),
    source_key and note; or a list read as (date, value) or (kpi_key, date, value)."""
    kpi: object = default_kpi
    key: object = None
    note: object = ""
    if isinstance(item, dict):
        fields = {str(name).lower(): value for name, value in item.items()}
        day, value = fields.get("date"), fields.get("value")
        for name in KPI_COLUMNS:
            if fields.get(name) not in (None, ""):
                kpi = fields[name]
                break
        key, note = fields.get("source_key"), fields.get("note") or ""
    elif isinstance(item, list) and len(item) in (2, 3):
        if len(item) == 3:
            kpi = item[0]
        day, value = item[-2], item[-1]
    else:
        day = value = None
    day = as_date(day)
    explicit = key not in (None, "")
    if not explicit:
        key = day.isoformat() if isinstance(day, datetime.date) else ""
    return {"kpi": kpi, "date": day, "value": value, "source_key": str(key), "note": note, "explicit_key": explicit}


class HttpReader:
    """Pages of an endpoint, read one at a time as they are asked for."""

    def __init__(
        self,
        client: httpx.Client,
        config: dict[str, Any],
        secrets: dict[str, Any],
        since: datetime.date,
        default_kpi: int | None,
    ) -> None:
        self.client = client
        self.config = config
        self.since = since.isoformat()
        self.url = str(secrets.get("url") or "").replace(SINCE, self.since)
        self.headers = dict(secrets.get("headers") or {})
        self.words = secret_words(secrets)
        self.default_kpi = default_kpi
        self.timeout = int(config.get("timeout") or settings.CONNECTOR_TIMEOUT)
        self.expression = jmespath.compile(str(config.get("expression") or "@"))
        self.next = jmespath.compile(str(config["next"])) if config.get("next") else None
        self.max_pages = int(config.get("max_pages") or DEFAULT_PAGES)
        self.origin = urlsplit(self.url)[:2]
        self.pages_read = 0
        self.truncated = False
        # The first page is fetched at once so that a test shows the columns, or the error, straight away.
        self.items, self.next_url = self.page(self.url)
        self.columns = columns_of(self.items)

    def page(self, url: str) -> tuple[list[Any], str]:
        """One page's rows and the next page's URL ("" at the end)."""
        document = self.fetch(url)
        self.pages_read += 1
        found = self.expression.search(document)
        if found is None:
            raise SourceError(
                "expression",
                _("The expression %(expression)s matched nothing in the answer, which starts: %(excerpt)s")
                % {"expression": self.expression.expression, "excerpt": excerpt(json.dumps(document).encode(), [])},
            )
        if not isinstance(found, list):
            raise SourceError(
                "expression",
                _("The expression must give a list of rows; it gave a %(type)s.") % {"type": type(found).__name__},
            )
        link = ""
        if self.next is not None:
            target = self.next.search(document)
            if target not in (None, ""):
                link = urljoin(url, str(target))
                if urlsplit(link)[:2] != self.origin:
                    raise SourceError(
                        "next",
                        _(
                            "The next-page link leads to another server (%(host)s); "
                            "only links on %(origin)s are followed."
                        )
                        % {"host": urlsplit(link).netloc, "origin": self.origin[1]},
                    )
        return found, link

    def fetch(self, url: str) -> Any:
        body = None
        if self.config.get("method") == "POST" and self.config.get("body"):
            body = str(self.config["body"]).replace(SINCE, self.since).encode()
        headers = {"Accept": "application/json", **self.headers}
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        limit = int(settings.IMPORT_MAX_BYTES)
        deadline = time.monotonic() + self.timeout
        try:
            with self.client.stream(self.config.get("method") or "GET", url, headers=headers, content=body) as response:
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise SourceError(
                            "url",
                            _("The endpoint's answer is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
                        )
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("deadline")
                    chunks.append(chunk)
        except httpx.TimeoutException:
            raise SourceError(
                "timeout", _("The endpoint did not answer within %(n)s s.") % {"n": self.timeout}
            ) from None
        except httpx.ConnectError as error:
            where = urlsplit(url).netloc.rpartition("@")[2]
            reason = _("connection refused") if "refused" in str(error).lower() else one_line(str(error))
            raise SourceError(
                "url",
                _("Cannot reach %(where)s: %(reason)s.")
                % {"where": where, "reason": excerpt(reason.encode(), self.words)},
            ) from None
        except httpx.HTTPError as error:
            raise SourceError(
                "url", _("The request failed: %(error)s") % {"error": excerpt(str(error).encode(), self.words)}
            ) from None
        content = b"".join(chunks)
        if 300 <= response.status_code < 400:
            raise SourceError(
                "url",
                _("The endpoint answered HTTP %(status)s (a redirect): give the address it redirects to.")
                % {"status": response.status_code},
            )
        if not 200 <= response.status_code < 300:
            raise SourceError(
                "url",
                _("The endpoint answered HTTP %(status)s: %(excerpt)s")
                % {"status": response.status_code, "excerpt": excerpt(content, self.words)},
            )
        try:
            return json.loads(content)
        except ValueError:
            kind = response.headers.get("content-type", "").split(";")[0] or _("no content type")
            raise SourceError(
                "url",
                _("The endpoint did not answer JSON (%(type)s): %(excerpt)s")
                % {"type": kind, "excerpt": excerpt(content, self.words)},
            ) from None

    def batches(self, size: int) -> Iterator[list[dict[str, Any]]]:
        pending: list[dict[str, Any]] = []
        items, link = self.items, self.next_url
        while True:
            pending.extend(point_of(item, self.default_kpi) for item in items)
            while len(pending) >= size:
                yield pending[:size]
                pending = pending[size:]
            if not link:
                break
            if self.pages_read >= self.max_pages:
                self.truncated = True
                break
            items, link = self.page(link)
        if pending:
            yield pending


def columns_of(items: list[Any]) -> list[str]:
    columns: dict[str, None] = {}
    for item in items[:50]:
        if isinstance(item, dict):
            columns.update(dict.fromkeys(str(name) for name in item))
    return list(columns)


@contextmanager
def open_reader(
    *, config: dict[str, Any], secrets: dict[str, Any], since: datetime.date, default_kpi: int | None
) -> Iterator[HttpReader]:
    timeout = int(config.get("timeout") or settings.CONNECTOR_TIMEOUT)
    with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False) as client:
        yield HttpReader(client, config, secrets, since, default_kpi)
