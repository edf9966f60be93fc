"""Helpers for browser tests: read and drive the page through its test hooks (see docs/architecture.md).

    from explainer_page import click_example, read_probabilities
"""
from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Playwright cannot download its own browser here; these are the flags for Debian's.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 900}
# A cold start is 3-10 s on a busy 2-core machine; past this bound a visitor has given up.
READY_TIMEOUT_S = 60
# Start-up waits poll on a clock, not on animation frames: they wait for time to pass, not for frames.
POLL_MS = 100


def app_status(page) -> str:
    """data-status of #app: "loading", "ready" or "error"."""
    return page.eval_on_selector("#app", "element => element.dataset.status")


def wait_for_start_to_end(page, timeout: float = READY_TIMEOUT_S) -> None:
    """Wait until #app's data-status has left "loading". Safe while a reloaded document is still being
    parsed (no #app yet): a predicate that throws there fails the wait at once."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("(status => Boolean(status) && status !== 'loading')"
                               "(document.getElementById('app')?.dataset.status)", timeout=timeout * 1000,
                               polling=POLL_MS)
    except PlaywrightTimeout as exc:
        raise AssertionError(f"the page was still loading after {timeout:.0f} s: {start_up_report(page)}") from exc


# What a start that never ended had done: its stages, its milestones, and the start-up files with no finished response.
START_UP_REPORT = """async () => {
  // a renderer that makes no frames starves Playwright's default (requestAnimationFrame) polling
  const frames = await new Promise((done) => { requestAnimationFrame(() => done('ticking'));
                                               setTimeout(() => done('none within 1 s'), 1000); });
  const plan = JSON.parse(document.getElementById('load-plan')?.textContent || '{"stages": []}');
  const finished = new Set(performance.getEntriesByType('resource').map((e) => e.name.split('?')[0]));
  const files = plan.stages.flatMap((stage) => stage.files.map(([path]) => path));
  return JSON.stringify({status: document.getElementById('app')?.dataset.status, frames,
    readyState: document.readyState, history: window.explainer?.history,
    timings: window.explainer?.timings,
    unfinished: files.filter((p) => !finished.has(new URL(p, document.baseURI).href))});
}"""


def start_up_report(page) -> str:
    try:
        page.wait_for_function("true", timeout=5000)  # a page whose main thread is stuck would never answer evaluate
        report = page.evaluate(START_UP_REPORT)
    except Exception as exc:
        report = f"(the page did not answer in 5 s: its main thread is stuck: {exc})"
    console = getattr(page.context, "console_lines", [])  # kept by the context fixture
    return report + ("\nlast console lines:\n" + "\n".join(console[-30:]) if console else "")


def keep_console(context) -> None:
    """Keep the context's console lines and page errors, for start_up_report."""
    context.console_lines = []
    context.on("console", lambda message: context.console_lines.append(f"{message.type}: {message.text[:400]}"))
    context.on("weberror", lambda error: context.console_lines.append(f"page error: {error.error}"))


def wait_until_started(page, timeout: float = READY_TIMEOUT_S, settled: bool = True) -> None:
    """Wait for data-status to leave "loading"; fail with the page's own message unless it is "ready".
    settled: also wait until the parts installed after ready (playground, article, ...) are in."""
    wait_for_start_to_end(page, timeout)
    status = app_status(page)
    if status != "ready":
        message = page.inner_text("#error") if status == "error" else ""
        raise AssertionError(f"the page did not start (data-status={status}): {message}")
    if settled:
        page.wait_for_function("window.explainer?.timings?.settled", timeout=timeout * 1000, polling=POLL_MS)


def rest_fetched(page) -> list[str]:
    """The runtime's parts the page fetched on first import (pyapp/page/rest.py), in order."""
    return page.evaluate("explainer.history.filter(([, source]) => source === 'rest').map(([, , path]) => path)")


def read_probabilities(page) -> dict[str, float]:
    """{class name: probability} from the data-class / data-probability hooks."""
    pairs = page.eval_on_selector_all(
        "[data-class][data-probability]", "els => els.map(e => [e.dataset.class, e.dataset.probability])")
    return {name: float(value) for name, value in pairs}


def active_example(page) -> str | None:
    """The example thumbnail that is selected, or None (the visitor's own image)."""
    return page.eval_on_selector_all('[data-example][aria-pressed="true"]',
                                     "els => els.length ? els[0].dataset.example : null")


def click_example(page, name: str) -> None:
    """Click an example thumbnail and wait until the page shows it as the current image."""
    page.click(f'[data-example="{name}"]')
    page.wait_for_function(
        f"""document.querySelector('[data-example="{name}"]').getAttribute('aria-pressed') === 'true'""")


def shown_pixel(page) -> tuple[int, int]:
    """The output pixel a formula box (convolution, ReLU, max pool) shows now."""
    row, col = page.eval_on_selector("[data-u='pixel']", "e => [e.dataset.row, e.dataset.col]")
    return int(row), int(col)


def drop_or_paste(page, kind: str, data: bytes, name: str, mime: str) -> None:
    """Drop a file on the overview, or paste it, as the browser delivers it (name and type included)."""
    page.evaluate("""([kind, bytes, name, mime]) => {
        const file = new File([new Uint8Array(bytes)], name, {type: mime});
        const transfer = new DataTransfer();
        transfer.items.add(file);
        if (kind === 'drop') {
            const target = document.getElementById('overview');
            target.dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer, bubbles: true, cancelable: true}));
            target.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
        } else {
            document.body.dispatchEvent(new ClipboardEvent('paste',
                {clipboardData: transfer, bubbles: true, cancelable: true}));
        }
    }""", [kind, list(data), name, mime])


SHOTS = Path(os.environ.get("EXTRAS_SHOTS", "/tmp/extras-shots"))


def shot(page, name: str) -> None:
    """A screenshot in $EXTRAS_SHOTS, for a person to look at (nothing compares it)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))
