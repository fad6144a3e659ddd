"""Fixtures shared by every test: a headless Chromium driven by Playwright for the browser tests.

Playwright drives the system's Chromium (Debian's package, /usr/bin/chromium); it never downloads a
browser of its own, and pytest-playwright is not used. A browser test asks for `page` and
`live_server` (pytest-django) and is marked `browser`.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in this thread, and Django then refuses database
# access from it ("You cannot call this from an async context"). The tests are synchronous; allow it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("KUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # we may be root, and Chromium's sandbox refuses root
    "--disable-gpu",
    # No network but loopback here: keep Chromium from phoning home at all.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(autouse=True)
def residue_scan_starts_afresh():
    """The residue scan counts the texts it sees repeat, for the process's later scans
    (kund.privacy.residue._FREQUENT): each test starts as a fresh process would."""
    from kund.privacy.residue import forget_frequent

    forget_frequent()


@pytest.fixture(autouse=True)
def command_line_in_english(monkeypatch):
    """Kund's commands speak the language of the locale (kund.core.cli.command_language): the tests read
    their English whatever the machine's locale is; a test of another language sets LANG itself."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def translations():
    """`translations("sv", {msgid: msgstr})` adds entries to a language's catalog for one test: a test of
    the mechanism that says a new message in the reader's language, before the catalogs translate it."""
    from django.utils.translation import trans_real

    missing = object()
    added = []

    def add(language: str, entries: dict[str, str]) -> None:
        catalog = trans_real.translation(language)._catalog._catalogs[0]
        for msgid, msgstr in entries.items():
            added.append((catalog, msgid, catalog.get(msgid, missing)))
            catalog[msgid] = msgstr

    yield add
    for catalog, msgid, before in reversed(added):
        if before is missing:
            catalog.pop(msgid, None)
        else:
            catalog[msgid] = before


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_locale() -> str:
    """The language the browser asks for (English, the source strings); override in a module to test
    another one."""
    return "en-GB"


@pytest.fixture
def page(browser, browser_locale) -> Iterator:
    """A fresh page in its own browser context (no cookies shared between tests)."""
    context = browser.new_context(locale=browser_locale, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = ROOT / "build" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
