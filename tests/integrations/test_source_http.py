"""HTTP/JSON connectors against a real local HTTP server: pages with next links, a 500, an HTML page, a slow
answer, a redirect, a next link to another server, a POST with ``{since}`` in its body."""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tandem.core.errors import ValidationError
from tandem.integrations import runner, sources
from tandem.integrations.models import SyncRun

from .erp import make_connector, make_kpi, points_of

pytestmark = pytest.mark.django_db

TOKEN = "Bearer crm-t0ken-5ecret-991"
FIRST = datetime.date(2026, 10, 1)
PAGES = 3
PER_PAGE = 4


def day(n: int) -> str:
    return (FIRST + datetime.timedelta(days=n)).isoformat()


class Crm(BaseHTTPRequestHandler):
    """A CRM's reporting API: 12 daily revenue rows in 3 pages, and the ways such APIs go wrong."""

    seen: list[dict[str, object]] = []

    def log_message(self, *args: object) -> None:
        pass

    def answer(self, status: int, body: bytes, kind: str = "application/json", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        # The slow answer's client gives up before it, as it should.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        Crm.seen.append({"path": parts.path, "query": query, "auth": self.headers.get("Authorization")})
        if self.headers.get("Authorization") != TOKEN:
            return self.answer(401, b'{"error": "missing token"}')
        if parts.path == "/revenue":
            page = int(query.get("page", "1"))
            since = query.get("since", "1900-01-01")
            rows = [
                {"date": day(n), "value": str(100 + n), "note": f"day {n}"}
                for n in range((page - 1) * PER_PAGE, page * PER_PAGE)
                if day(n) >= since
            ]
            links = {"next": f"/revenue?page={page + 1}&since={since}" if page < PAGES else None}
            return self.answer(200, json.dumps({"data": {"items": rows}, "links": links}).encode())
        if parts.path == "/by-kpi":
            rows = [["crm_revenue", day(0), 5], ["crm_deals", day(0), 2], ["crm_deals", day(1), "x"]]
            return self.answer(200, json.dumps({"rows": rows}).encode())
        if parts.path == "/down":
            return self.answer(500, b"Internal Server Error: the reporting database is down" + b"!" * 500, "text/plain")
        if parts.path == "/html":
            return self.answer(200, b"<html><body><h1>Please sign in</h1></body></html>", "text/html; charset=utf-8")
        if parts.path == "/slow":
            time.sleep(3)
            return self.answer(200, b'{"data": {"items": []}}')
        if parts.path == "/moved":
            return self.answer(302, b"", Location="https://elsewhere.example/revenue")
        if parts.path == "/leak":
            return self.answer(200, json.dumps({"items": [], "next": "http://127.0.0.2:9/steal"}).encode())
        return self.answer(404, b'{"error": "no such report"}')

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        Crm.seen.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        rows = [{"date": day(n), "value": n} for n in range(5) if day(n) >= body["filter"]["from"]]
        return self.answer(200, json.dumps({"result": rows}).encode())


@pytest.fixture(scope="module")
def crm() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Crm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def http(by, url: str, kpi=None, **config):  # type: ignore[no-untyped-def]
    config = {"expression": "data.items", "next": "links.next", **config}
    return make_connector(
        by, kind="http", secrets={"url": url, "headers": {"Authorization": TOKEN}}, config=config, kpi=kpi
    )


def refused(connector) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        runner.connector_preview(connector=connector)
    [error] = caught.value.errors
    return error["field"], error["message"]


def test_pages_are_followed_and_a_rerun_updates_the_same_points(crm, admin):
    kpi = make_kpi(admin, "crm_revenue")
    connector = http(admin, f"{crm}/revenue?since={{since}}", kpi=kpi)
    preview = runner.connector_preview(connector=connector, limit=3)
    assert preview.columns == ["date", "value", "note"]
    assert [(p["date"], p["value"], p["note"]) for p in preview.points] == [
        (day(0), "100", "day 0"),
        (day(1), "101", "day 1"),
        (day(2), "102", "day 2"),
    ]
    assert points_of(kpi) == {}

    run = runner.connector_run(connector=connector, trigger="manual")
    assert (run.status, run.rows_read, run.rows_written, run.rows_skipped) == ("succeeded", 12, 12, 0)
    assert points_of(kpi) == {FIRST + datetime.timedelta(days=n): Decimal(100 + n) for n in range(12)}
    connector.refresh_from_db()
    assert connector.since == FIRST + datetime.timedelta(days=11)
    # The next run asks only from the last day on, following its pages.
    Crm.seen.clear()
    again = runner.connector_run(connector=connector, trigger="schedule")
    assert (again.rows_read, again.rows_written) == (1, 1)
    assert Crm.seen[0]["query"] == {"since": day(11)} and len(Crm.seen) == PAGES
    assert all(request["auth"] == TOKEN for request in Crm.seen)
    assert len(points_of(kpi)) == 12


def test_max_pages_stops_and_says_so(crm, admin):
    kpi = make_kpi(admin, "crm_revenue")
    run = runner.connector_run(connector=http(admin, f"{crm}/revenue", kpi=kpi, max_pages=2), trigger="manual")
    assert (run.status, run.rows_written) == ("succeeded", 8)
    assert run.error.startswith("Stopped after 2 pages")


def test_rows_name_their_kpi_by_position_and_bad_values_are_row_errors(crm, admin):
    make_kpi(admin, "crm_revenue")
    make_kpi(admin, "crm_deals")
    connector = http(admin, f"{crm}/by-kpi", expression="rows", next="")
    preview = runner.connector_preview(connector=connector)
    assert [p["kpi"] for p in preview.points] == ["crm_revenue", "crm_deals", "crm_deals"]
    assert preview.errors == [
        {"row": 3, "field": "value", "message": "Use a number such as 12.5 (at most 14 digits before the point)."}
    ]
    run = runner.connector_run(connector=connector, trigger="manual")
    assert (run.rows_written, run.rows_skipped) == (2, 1)


def test_post_with_since_in_the_body(crm, admin):
    kpi = make_kpi(admin, "crm_revenue")
    connector = http(
        admin,
        f"{crm}/search",
        kpi=kpi,
        method="POST",
        body='{"filter": {"from": "{since}"}}',
        expression="result",
        next="",
    )
    Crm.seen.clear()
    run = runner.connector_run(connector=connector, trigger="manual")
    assert run.rows_written == 5 and Crm.seen[0]["body"] == {"filter": {"from": "1900-01-01"}}
    again = runner.connector_run(connector=connector, trigger="manual")
    assert again.rows_read == 1 and Crm.seen[-1]["body"] == {"filter": {"from": day(4)}}


@pytest.mark.parametrize(
    ("path", "config", "field", "message"),
    [
        (
            "/down",
            {},
            "url",
            "The endpoint answered HTTP 500: Internal Server Error: the reporting database is down!!!",
        ),
        ("/html", {}, "url", "The endpoint did not answer JSON (text/html): <html><body><h1>Please sign in</h1>"),
        (
            "/revenue",
            {"expression": "data.rows"},
            "expression",
            "The expression data.rows matched nothing in the answer",
        ),
        ("/revenue", {"expression": "links"}, "expression", "The expression must give a list of rows; it gave a dict."),
        ("/moved", {}, "url", "The endpoint answered HTTP 302 (a redirect): give the address it redirects to."),
        ("/leak", {"expression": "items", "next": "next"}, "next", "The next-page link leads to another server"),
        ("/nothing", {}, "url", 'The endpoint answered HTTP 404: {"error": "no such report"}'),
    ],
)
def test_what_goes_wrong_is_said_plainly(crm, admin, path, config, field, message):
    connector = http(admin, f"{crm}{path}", kpi=make_kpi(admin, "k"), **config)
    got_field, got = refused(connector)
    assert got_field == field and got.startswith(message), got
    if path == "/down":
        assert len(got) < 300
    run = runner.connector_run(connector=connector, trigger="manual")
    assert run.status == "failed" and run.error.startswith(message)
    connector.refresh_from_db()
    assert (connector.health, connector.consecutive_failures) == ("retrying", 1)


def test_a_slow_endpoint_times_out(crm, admin):
    connector = http(admin, f"{crm}/slow", kpi=make_kpi(admin, "k"), timeout=1)
    started = time.monotonic()
    assert refused(connector) == ("timeout", "The endpoint did not answer within 1 s.")
    assert time.monotonic() - started < 2.5


def test_unreachable_endpoint(admin):
    connector = http(admin, "http://127.0.0.1:1/revenue", kpi=make_kpi(admin, "k"))
    assert refused(connector) == ("url", "Cannot reach 127.0.0.1:1: connection refused.")


def test_the_token_is_never_shown_logged_or_kept(crm, admin, caplog):
    caplog.set_level(logging.DEBUG)
    kpi = make_kpi(admin, "k")
    connector = make_connector(
        admin,
        kind="http",
        secrets={"url": f"{crm}/down?api_key=k3y-5ecret-77", "headers": f"Authorization: {TOKEN}\nX-Tenant: lotus"},
        config={"expression": "data.items"},
        kpi=kpi,
    )
    assert sources.describe(
        kind="http", secrets={"url": f"{crm}/down?api_key=k3y-5ecret-77", "headers": {"Authorization": TOKEN}}
    ) == {
        "url": f"{crm}/down?api_key=••••",
        "headers": "Authorization: Bea••••91",
    }
    run = runner.connector_run(connector=connector, trigger="manual")
    connector.refresh_from_db()
    for text in (run.error, connector.last_error, caplog.text, connector.sealed_secrets, json.dumps(connector.config)):
        assert "crm-t0ken-5ecret" not in text and "k3y-5ecret" not in text
    assert SyncRun.objects.for_org(admin.organization).get(connector=connector) == run


def test_http_settings_are_checked():
    with pytest.raises(ValidationError) as caught:
        sources.config_clean(
            kind="http",
            config={
                "method": "PUT",
                "body": "{not json",
                "expression": "items[",
                "next": "links.[",
                "max_pages": 0,
                "timeout": "x",
            },
            secrets={"url": "ftp://crm.example", "headers": "Authorization Bearer x"},
        )
    assert {error["field"] for error in caught.value.errors} == {
        "url",
        "headers",
        "method",
        "body",
        "expression",
        "next",
        "max_pages",
        "timeout",
    }
    config, secrets = sources.config_clean(
        kind="http",
        config={"method": "post", "body": '{"from": "{since}"}', "expression": "result"},
        secrets={
            "url": "https://crm.example/api?since={since}",
            "headers": "Authorization: Bearer abc\n\nX-Tenant: lotus",
        },
    )
    assert config == {
        "method": "POST",
        "body": '{"from": "{since}"}',
        "expression": "result",
        "next": "",
        "max_pages": 100,
        "timeout": 60,
    }
    assert secrets == {
        "url": "https://crm.example/api?since={since}",
        "headers": {"Authorization": "Bearer abc", "X-Tenant": "lotus"},
    }
