"""A repeat visit starts Python from the memory snapshot the visit before kept (site/snapshot.mjs), NumPy and the
app's modules already imported, with the same numbers and a page that works; a snapshot that fails its check is
dropped and made again."""
from __future__ import annotations

import pytest

from explainer_page import VIEWPORT, click_example, keep_console, read_probabilities, rest_fetched

KEPT_S = 60  # the worker starts Python alone once the service worker keeps the site and the page is idle


def python(page) -> dict:
    return page.evaluate("({start: explainer.python.start, snapshot: explainer.python.snapshot})")


def kept(page) -> None:
    """The service worker keeps the site and the worker has stored Python's snapshot."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("(explainer.python || {}).snapshot === 'stored'", timeout=KEPT_S * 1000)


@pytest.fixture
def keeping(browser):
    """A fresh context that keeps snapshots (the context fixture opts out)."""
    context = browser.new_context(viewport=VIEWPORT)
    keep_console(context)
    yield context
    context.close()


def test_a_repeat_visit_starts_python_from_the_snapshot_and_computes_the_same_numbers(keeping, open_app, site, native):
    first = keeping.new_page()
    open_app(first, "#image=koala")
    assert python(first)["start"] == "full"
    kept(first)
    first.close()

    again = keeping.new_page()
    open_app(again, "#image=koala")
    assert python(again) == {"start": "snapshot", "snapshot": "stored"}
    assert again.evaluate("explainer.python.imported") == ["numpy"]  # NumPy came imported, its libraries loaded again
    # and the app's modules the first visit had imported, but none of pyapp/page's (they use the page)
    modules = again.evaluate("explainer.python.modules")
    assert {"pyapp.engine.network", "pyapp.ui.state", "pyapp.views.widgets.overview"} <= set(modules)
    assert not [name for name in modules if name.startswith("pyapp.page")]
    # whose bytecode the app's zip left out (Python never reads it again); pyapp/page's came, main.py imported them
    assert again.evaluate("explainer.python.leftOut") > len(modules) // 2
    assert read_probabilities(again) == pytest.approx(native.probabilities("koala"), abs=1e-5)
    # NumPy, the views and the clicks work in a Python that started from a snapshot
    other = next(name for name in site.examples if name != "koala")
    click_example(again, other)
    assert read_probabilities(again) == pytest.approx(native.probabilities(other), abs=1e-5)


def test_a_damaged_snapshot_is_dropped_python_starts_as_usual_and_keeps_a_new_one(keeping, open_app, native):
    first = keeping.new_page()
    open_app(first)
    kept(first)
    sizes = first.evaluate("""async () => {
        const cache = await caches.open('cnn-explainer-python');
        const [request] = await cache.keys();
        const response = await cache.match(request);
        const bytes = new Uint8Array(await response.arrayBuffer());
        for (let i = bytes.length >> 1; i < (bytes.length >> 1) + 64; i++) bytes[i] ^= 0x5a;  // a bad disk
        await cache.put(request, new Response(bytes, { headers: response.headers }));
        return bytes.length;
    }""")
    first.close()

    again = keeping.new_page()
    open_app(again, "#image=koala")
    assert python(again)["start"] == "full"
    assert read_probabilities(again) == pytest.approx(native.probabilities("koala"), abs=1e-5)
    kept(again)
    again.close()
    third = keeping.new_page()
    open_app(third)
    assert python(third)["start"] == "snapshot" and sizes > 10_000_000


def test_a_python_started_from_the_snapshot_fetches_the_rest_of_numpy_on_first_use_and_trains(keeping, open_app):
    """NumPy came imported with the rest zips' finder in place: training's first step fetches numpy.random and its
    libraries (loaded fresh beside the ones the snapshot's NumPy got back) and reports each fetch to this page."""
    first = keeping.new_page()
    open_app(first)
    kept(first)
    first.close()
    again = keeping.new_page()
    open_app(again, "#train&classes=0,1&batch=8&epochs=1")
    assert python(again)["start"] == "snapshot" and rest_fetched(again) == []
    again.wait_for_function("document.querySelector('#train')?.dataset.state === 'idle'", timeout=60_000)
    again.click("[data-train-action='step']")
    again.wait_for_function("document.querySelector('#train').dataset.state === 'paused'", timeout=60_000)
    assert float(again.eval_on_selector("#train", "e => e.dataset.loss")) > 0
    assert any(path.endswith("/numpy.random._generator.wasm") for path in rest_fetched(again))
