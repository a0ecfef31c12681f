"""A live smena on a seeded demo center, served in a thread, and Debian's Chromium to drive it.

Playwright cannot download its own browsers here, so the tests launch the system
`chromium`; without it they skip with the reason, except under CI=true, where that fails.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Locator, Page, expect

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.demo import seed
from app.main import create_app
from app.migrate import upgrade
from tests.conftest import IN_CI

CHROMIUM_ARGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class LiveServer:
    """Where the app answers, its database, and the demo's passwords by login."""

    url: str
    database_url: str
    passwords: dict[str, str]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options, pointed at the system Chromium."""
    executable = shutil.which("chromium")
    if executable is None:
        reason = "no `chromium` on PATH: browser tests need Debian's chromium package"
        if IN_CI:
            pytest.fail(f"{reason}; CI=true requires it")
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """An English-speaking browser, so that pages start in English before anyone signs in."""
    return {**browser_context_args, "locale": "en-US"}


def _seeded_database(url: str) -> dict[str, str]:
    """Migrate and seed the demo center; its passwords by login."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        with make_sessionmaker(engine)() as session:
            credentials = seed(session, today=date.today())
            session.commit()
    finally:
        engine.dispose()
    return {c.login: c.password for c in credentials}


def _wait_until_healthy(server: uvicorn.Server, thread: threading.Thread) -> str:
    """The base URL once /healthz answers; fails if the server dies or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    with httpx.Client(trust_env=False, timeout=1.0) as client:
        while time.monotonic() < deadline:
            if not thread.is_alive():
                pytest.fail("the live server stopped while starting")
            if server.started:
                port = server.servers[0].sockets[0].getsockname()[1]
                url = f"http://127.0.0.1:{port}"
                if client.get(f"{url}/healthz").text == "ok":
                    return url
            time.sleep(0.05)
    pytest.fail(f"the live server did not answer /healthz within {START_TIMEOUT_SECONDS} s")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """smena on a fresh seeded SQLite file, served by uvicorn on a free local port."""
    var_dir = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{var_dir / 'smena.db'}"
    passwords = _seeded_database(url)
    app = create_app(
        Settings(
            env="test",
            database_url=url,
            secret_key="s" * 40,
            var_dir=var_dir,
            default_locale="en",
        )
    )
    # Port 0: the system picks a free port, read back once the server listens.
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(_wait_until_healthy(server, thread), url, passwords)
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT_SECONDS)
        app.state.engine.dispose()
    assert not thread.is_alive(), "the live server did not stop"


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """Relative URLs in page.goto() go to the live server."""
    return live_server.url


def sign_in(page: Page, server: LiveServer, login: str) -> None:
    """Sign in through the form, then make sure the pages are in English.

    The demo's users prefer Russian, and signing in applies the user's language.
    """
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", server.passwords[login])
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.wait_for_load_state()
    if page.locator("html").get_attribute("lang") != "en":
        page.locator("button[name=locale][value=en]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")


def sign_out(page: Page) -> None:
    """Sign out and wait for the signed-out page.

    Navigating on before the sign-out's response has arrived races it: the next page's
    form would carry the old session's CSRF token, which the sign-out then replaces.
    """
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#flashes")).to_contain_text("signed out")
    page.wait_for_load_state()


def mark_kept(element: Locator) -> None:
    """Tag an element in the live DOM; a reload or a whole-body swap drops the tag."""
    element.evaluate("node => { node.dataset.e2eKept = 'yes' }")


def expect_kept(element: Locator) -> None:
    """The tagged element is still the same DOM node: only a fragment was swapped."""
    expect(element).to_have_attribute("data-e2e-kept", "yes")
