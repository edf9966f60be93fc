"""A damaged, missing or out-of-date file of the site is named in a plain message within seconds, and the
page runs under its Content-Security-Policy."""
from __future__ import annotations

import shutil

import pytest

from explainer_page import app_status, wait_for_start_to_end, wait_until_started

# Pyodide's own reaction to a bad file is a 90 s stall or a traceback; the page's check answers in seconds.
ERROR_WITHIN_S = 30


def damage(path) -> None:
    """Flip bytes in the middle of the file, keeping its size (as a broken download or disk would)."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(b ^ 0x5A for b in data[middle:middle + 64])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("problem, rel", [
    ("damaged", "pyodide/pyodide.asm.wasm"),
    ("damaged", "pyodide/python_stdlib.zip"),
    ("damaged", "pyodide/pyodide.asm.js"),
    ("missing", "pyodide/pyodide-lock.json"),
    ("missing", "pyodide/pyodide.asm.js"),
    ("damaged", "offline.js"),
])
def test_a_bad_file_is_named_in_a_plain_message(site, tmp_path, serve, page, problem, rel):
    broken = tmp_path / "site"
    shutil.copytree(site.dir, broken)
    if problem == "damaged":
        damage(broken / rel)
    else:
        (broken / rel).unlink()
    page.goto(serve(broken))
    wait_for_start_to_end(page, ERROR_WITHIN_S)
    assert app_status(page) == "error"
    expected = "is damaged or out of date" if problem == "damaged" else "is missing"
    page.wait_for_function(f"document.querySelector('#error .error-message').textContent.includes({expected!r})",
                           timeout=10000)
    message = page.inner_text("#error .error-message")
    assert rel in message and "site needs rebuilding" in message
    assert "connection" not in message
    assert "Traceback" not in page.inner_text("body") and page.is_hidden("#loading")


def test_the_page_runs_under_its_content_security_policy(site, page):
    page.add_init_script("""window.violations = [];
        document.addEventListener('securitypolicyviolation',
            (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));""")
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(site.url)
    wait_until_started(page)
    for layer, index, view in (("conv_1_1", 0, "conv-elastic"), ("relu_1_1", 2, "relu")):
        page.click(f"#overview-svg .map[data-layer='{layer}'][data-index='{index}']")
        page.wait_for_selector(f"[data-view='{view}'][data-layer='{layer}']")
        page.keyboard.press("Escape")
    assert page.evaluate("violations") == []
    assert not [text for text in console if "Content Security Policy" in text]
    # and the policy is in force: a script put into the page is refused
    refused = page.evaluate("""() => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.head.append(script);
        return !window.injected;
    }""")
    assert refused
