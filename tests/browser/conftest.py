"""Browser tests: a real headless Chromium (Debian's) driven by Playwright against the live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the
# test's own fixtures are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Debian's Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def demo_site(live_server):  # type: ignore[no-untyped-def]
    """The live server with the demo company loaded (transactional tests start from an empty database)."""
    from tandem.orgs import demo

    demo.load()
    return live_server


@pytest.fixture
def page_for(browser, demo_site):  # type: ignore[no-untyped-def]
    """A fresh browser context at a given viewport; closed after the test."""
    contexts = []

    def make(width: int = 1280, height: int = 860):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url: str, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    # Menus need Tabler's script, which runs once the next page has loaded.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign in").click()
