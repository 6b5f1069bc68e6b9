"""Browser tests drive Debian's Chromium (``/usr/bin/chromium``) headless through Playwright.

Playwright's own browser download is never used: this machine has no internet beyond the
package registries, and CI installs Debian's ``chromium`` package.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
_ROOT = Path(__file__).resolve().parent.parent
# A test run writes its screenshots under var/ (ignored by git); REFRESH_SCREENSHOTS=1 writes the
# README's own, in docs/screenshots/, to be committed.
SCREENSHOTS = _ROOT / ("docs" if os.environ.get("REFRESH_SCREENSHOTS") == "1" else "var") / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot to var/screenshots/<name>.png (docs/screenshots/ with REFRESH_SCREENSHOTS=1)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
