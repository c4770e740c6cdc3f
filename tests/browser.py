"""Real Chromium for page tests (Debian's /usr/bin/chromium driven by Playwright)."""

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def phone_page(monkeypatch):
    """A page in a phone-sized Chromium; skipped, with the reason, where Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; live_server's database work is still
    # synchronous Django code, so Django must not refuse it. Scoped to the test, not the process.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def desktop_page(monkeypatch):
    """A page in a desktop-sized Chromium (the admin's officers work at a desk); skipped, with the
    reason, where Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


# axe-core, the accessibility engine, from the pinned axe-playwright-python package (its axe.min.js is
# read from the installed package and injected into the page: nothing is fetched from the network).
AXE_BLOCKING = ("serious", "critical")


def axe_script() -> Path:
    from importlib.resources import files

    return Path(str(files("axe_playwright_python") / "axe.min.js"))


def axe_violations(page, *, impacts=AXE_BLOCKING) -> list[dict]:
    """axe-core's violations of WCAG 2.x A/AA and best-practice rules on the page as it is now, of the
    given impacts."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_script()))
    results = page.evaluate("() => window.axe.run(document, {resultTypes: ['violations']})")
    return [violation for violation in results["violations"] if violation["impact"] in impacts]


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation on the page; the message names each rule, its help
    page and the first offending elements."""
    violations = axe_violations(page)
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']} — {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    assert not violations, f"axe-core on {page.url}:\n" + "\n".join(lines)
