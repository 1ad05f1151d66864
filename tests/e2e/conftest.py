"""Browser fixtures: one headless Chromium per module, a fresh zh-CN context per test, and a watch on
every context that records console errors, uncaught exceptions, CSP violations, failed responses and
requests to any host other than the live server."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("TONGBAN_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 375, "height": 812}
PC = {"width": 1440, "height": 900}
SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
_FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d{3})")


@dataclass
class Watch:
    """What went wrong in a browser context, as a real user's browser would have seen it."""

    host: str
    allowed_statuses: set[int] = field(default_factory=set)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def allow_status(self, *statuses: int) -> None:
        """Expected error statuses (a 404 page, a 400 form re-render) that are not problems."""
        self.allowed_statuses.update(statuses)

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        match = _FAILED_LOAD.search(message.text)
        if match and int(match.group(1)) in self.allowed_statuses:
            return
        self.console_errors.append(message.text)

    def on_request(self, request) -> None:
        self.requests.append(request.url)
        parts = urlsplit(request.url)
        # data:, blob: and the browser's own pages (its built-in PDF viewer) are not network requests.
        if parts.scheme in ("data", "blob", "about", "chrome", "chrome-extension"):
            return
        if parts.netloc != self.host:
            self.foreign_requests.append(request.url)

    def on_response(self, response) -> None:
        if response.status >= 400 and response.status not in self.allowed_statuses:
            self.bad_responses.append(f"{response.status} {response.url}")

    def on_weberror(self, web_error) -> None:
        self.page_errors.append(str(web_error.error))

    def problems(self) -> dict[str, list[str]]:
        found = {
            "console errors / CSP violations": self.console_errors,
            "uncaught page errors": self.page_errors,
            "requests to other hosts": self.foreign_requests,
            "failed responses": self.bad_responses,
        }
        return {k: v for k, v in found.items() if v}

    def assert_clean(self) -> None:
        assert not self.problems(), self.problems()
        assert self.requests, "the watch saw no requests at all"


# Report CSP violations to the console (init scripts are injected by the browser, so the page's CSP does
# not block them).
_CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="module")
def browser() -> Browser:
    """One Chromium per test module.

    While Playwright's sync API is alive it keeps an asyncio loop running in this thread, and Django's ORM
    refuses to run in a thread with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The variable is
    set only for as long as Playwright runs (module scope: stopped before other test directories run), as
    set for the whole run it would also reach `check --deploy` in other tests (async.E001).
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (scripts/test-deps.sh does)")
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as p:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, live_server, transactional_db):
    """Factory for fresh browser contexts (a new browser profile: no cookies) with a watch attached."""
    contexts: list[BrowserContext] = []
    host = urlsplit(live_server.url).netloc

    def make(viewport: dict | None = None) -> tuple[BrowserContext, Watch]:
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport=viewport or PC,
        )
        context.set_default_timeout(10_000)
        context.add_init_script(_CSP_REPORTER)
        watch = Watch(host=host)
        context.on("console", watch.on_console)
        context.on("request", watch.on_request)
        context.on("response", watch.on_response)
        context.on("weberror", watch.on_weberror)
        contexts.append(context)
        return context, watch

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def browsing(new_context) -> tuple[Page, Watch]:
    """A page in a fresh PC-sized context, and the watch over it."""
    context, watch = new_context(PC)
    return context.new_page(), watch


KEEP_SCREENS = os.environ.get("TONGBAN_E2E_SCREENS", "") not in ("", "0")


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot in test-artifacts/screens/, for a person to look at: taken by `make screens`
    (TONGBAN_E2E_SCREENS=1), skipped by `make test`, where nobody looks at them and each costs the two cores
    a full-page paint. What the tests assert (sizes, overflow, text) does not depend on them."""
    path = SCREENS / name
    if KEEP_SCREENS:
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    return path


class HorizontalOverflow(AssertionError):
    """The page is wider than the viewport: the user has to scroll sideways."""


def no_horizontal_overflow(page: Page) -> None:
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        culprits = page.evaluate(
            """w => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w)
                .map(e => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)}px)`)
                .slice(-5)""",
            width,
        )
        raise HorizontalOverflow(f"page is {scroll_width}px wide in a {width}px viewport: {culprits}")


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in with the password tab as a person would: by the visible labels."""
    page.goto("/accounts/login/")
    page.get_by_label("登录名或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def open_menu(page: Page) -> Page:
    """On a phone the header's links and tools are behind the menu button: open it (nothing on a PC).
    Returns the page, so a step reads ``open_menu(page).get_by_role(...)``."""
    page.wait_for_load_state()
    button = page.locator(".menu-button")
    if button.is_visible() and button.get_attribute("aria-expanded") != "true":
        button.click()
    return page
