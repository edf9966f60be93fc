"""The page's <head>: every start-up file pinned to its hash, asked for early, and the policy that lets only the
page's own scripts run."""
from __future__ import annotations

import base64
import hashlib
import json
import re

import build


def test_every_start_up_file_is_pinned_to_its_hash_in_the_page(site):
    """The page names each file it starts with and its sha256: the load plan for what is fetched, integrity
    attributes for scripts and stylesheets, the import map for modules; the policy allows that import map."""
    html = (site.out / "index.html").read_text()
    plan = json.loads(re.search(r'id="load-plan">(.*?)</script>', html).group(1))
    sri = {rel: build.sri(build.sha256_file(site.out / rel)) for rel in plan["integrity"]}
    assert plan["integrity"] == sri
    fetched = {rel for stage in plan["stages"] for rel, _ in stage["files"]}
    wanted = {site.path(rel) for rel in ("pyodide/pyodide.asm.wasm", "pyodide/python_stdlib.zip",
                                         "pyodide/pyodide-lock.json", "pyodide/pyodide.asm.js", "pyodide/pyodide.mjs",
                                         "pyscript/core.js", "pyscript.json", "main.py")}
    assert wanted | fetched <= set(sri) and any(rel.startswith("app-") for rel in fetched)
    pinned = set()
    for tag in re.findall(r'<(?:script|link) [^>]*(?:stylesheet|modulepreload|src="\./[^"]+\.js")[^>]*>', html):
        rel = re.search(r'(?:src|href)="\./([^"]+)"', tag).group(1)
        assert f'integrity="{sri[rel]}"' in tag, tag
        pinned.add(rel)
    assert {site.path(rel) for rel in ("bootstrap.js", "intents.js", "offline.js", "pyscript/core.js",
                                       "styles/base.css")} <= pinned
    import_map = re.search(r'<script type="importmap">(.*?)</script>', html).group(1)
    asm = site.path("pyodide/pyodide.asm.js")
    assert json.loads(import_map)["integrity"][f"./{asm}"] == sri[asm]
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    digest = base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]


def test_every_script_of_the_start_up_is_asked_for_before_the_first_one_runs(site):
    """The head's scripts, PyScript's modules (its entry and the chunks it imports) and Pyodide's are preloaded
    ahead of bootstrap.js, so that none waits for the one before it to arrive and run (three round trips and
    PyScript's start-up behind the big downloads before), and PyScript's configuration is among bootstrap.js's
    prefetches (PyScript asks for it only once its modules have run)."""
    html = (site.out / "index.html").read_text()
    head = html[:html.index("<body")]
    first_script = head.index('<script src="./')
    preloaded = [(m.start(), m.group(1)) for m in re.finditer(r'<link rel="(?:module)?preload"[^>]*href="\./([^"]+)"', head)]
    import_map = json.loads(re.search(r'<script type="importmap">(.*?)</script>', html).group(1))
    modules = {rel[2:] for rel in import_map["integrity"]}
    wanted = {site.path(rel) for rel in ("bootstrap.js", "intents.js", "offline.js")} | modules
    assert {site.path("pyscript/core.js"), site.path("pyodide/pyodide.asm.js")} <= modules
    assert wanted <= {rel for at, rel in preloaded if at < first_script}
    assert head.index('<script type="importmap">') < min(at for at, _ in preloaded)  # else the browser drops the map
    plan = json.loads(re.search(r'id="load-plan">(.*?)</script>', html).group(1))
    assert site.path("pyscript.json") in plan["prefetch"]


def test_the_policy_allows_the_watchdog_and_every_other_inline_script_by_its_hash(site):
    """The page's inline scripts (the import map, the watchdog that speaks when bootstrap.js never ran) run
    by their sha256 in the policy, and the policy allows no other inline script."""
    html = (site.out / "index.html").read_text()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    bodies = re.findall(r'<script(?: type="importmap")?>(.*?)</script>', html, re.S)
    assert any("window.explainer" in body for body in bodies)  # the watchdog
    allowed = set(re.findall(r"'sha256-[^']+'", policy.split("script-src")[1].split(";")[0]))
    assert allowed == {f"'{build.sri(hashlib.sha256(body.encode()).hexdigest())}'" for body in bodies}
