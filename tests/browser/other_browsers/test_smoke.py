"""Firefox and WebKit (Safari's engine): the explainer starts, computes what CPython computes, and works offline.

The error page promises "a current Chrome, Edge, Firefox or Safari"; tests/browser covers Chromium
in depth, this suite the other two engines in one page load each (a Pyodide start takes 20-60 s there).
"""
from __future__ import annotations

import base64
import io
import time

import numpy as np
import pytest
from PIL import Image

from pyapp.engine.network import load_network
from pyapp.images.preprocess import load_image

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def network():
    return load_network()


def examples(session) -> list[str]:
    return session.driver.evaluate("[...document.querySelectorAll('[data-example]')].map(e => e.dataset.example)")


def native(network, image) -> dict[str, float]:
    return {name: float(p) for name, p in zip(network.classes, network.forward(image)["probabilities"])}


def test_the_site_reaches_ready(session):
    seconds = session.wait_until_ready()
    print(f"{session.engine} ({session.driver.version()}): ready {seconds:.1f} s after navigation")


def test_every_example_gives_the_native_probabilities(session, site, network):
    session.wait_until_ready()
    names = examples(session)
    assert len(names) == 10
    for name in names:
        session.driver.click(f'[data-example="{name}"]')
        session.wait(f"""document.querySelector('[data-example="{name}"]').getAttribute('aria-pressed') === 'true'""",
                     f"the {name} example to be shown")
        expected = native(network, load_image(site.example_file(name)))
        assert session.probabilities() == pytest.approx(expected, abs=TOLERANCE), name


def test_a_detail_view_opens_and_esc_closes_it(session):
    session.wait_until_ready()
    session.driver.click("#overview-svg .map[data-layer='conv_1_1'][data-index='0']")
    session.wait("document.querySelector(\"[data-view='conv-elastic'][data-layer='conv_1_1']\")",
                 "the convolution's detail view to open", 20)
    session.driver.press("Escape")
    session.wait("!document.querySelector('[data-view]')", "Esc to close the detail view", 20)


def test_an_own_image_loads(session, network):
    session.wait_until_ready()
    rng = np.random.default_rng(11)
    png = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (90, 120, 3), dtype=np.uint8)).save(png, "PNG")
    data = base64.b64encode(png.getvalue()).decode()
    session.driver.evaluate(f"""(() => {{
        const bytes = Uint8Array.from(atob('{data}'), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'mine.png', {{type: 'image/png'}}));
        const target = document.getElementById('overview');
        for (const type of ['dragover', 'drop'])
            target.dispatchEvent(new DragEvent(type, {{dataTransfer: transfer, bubbles: true, cancelable: true}}));
        return true;
    }})()""")
    session.wait("location.hash.includes('image=custom')", "the dropped image to be classified", 30)
    expected = native(network, load_image(png.getvalue()))
    assert session.probabilities() == pytest.approx(expected, abs=1e-4)


def test_an_offline_reload_works(session, site, network):
    session.wait_until_ready()
    if not session.driver.evaluate("'serviceWorker' in navigator"):
        pytest.skip(f"{session.engine} has no service workers here: nothing can work offline")
    session.wait("navigator.serviceWorker.ready.then(() => caches.keys()).then(keys => keys.length > 0)",
                 "the service worker to precache the site", 120)
    session.driver.goto(session.server.url + "#image=koala")
    session.wait_until_ready()
    session.server.stop()  # offline: nothing answers at that address any more
    session.started = time.monotonic()
    session.driver.reload()
    seconds = session.wait_until_ready()
    print(f"{session.engine}: offline reload ready in {seconds:.1f} s")
    expected = native(network, load_image(site.example_file("koala")))
    assert session.probabilities() == pytest.approx(expected, abs=TOLERANCE)
