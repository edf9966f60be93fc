"""The page: index.html from site/index.html's placeholders, with the first paint and the article drawn here
by the page's own views, and the load plan that bootstrap.js follows (stages, prefetches, the SRI hash of every
start-up file, set on each script and stylesheet too)."""
from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

from pyapp.views.article import article as article_view
from pyapp.views.widgets import overview as overview_view

from .common import SITE, WEIGHTS, BuildError, sha256_file
from .runtime import DISABLED_PLUGINS

STYLES = ("base.css", "overview.css", "detail.css")  # always linked, in this order; other sheets after them
LAZY_STYLES = ("train.css",)  # linked by the page when their part first opens (name and integrity from the load plan)
HEAD_SCRIPTS = ("bootstrap.js", "intents.js", "offline.js")  # site/'s classic scripts, run in <head> before PyScript's modules


def render_first_paint(state, trace, network) -> str:
    """What #overview shows before Python starts in the browser: the overview of the default example,
    rendered here by the same view the page uses."""
    return overview_view.render(state, trace, network)


def render_article(network) -> str:
    """The article for #article: pyapp.views.article.article fills site/article.html's computed parts."""
    return article_view.render(network.description)


def render_page(load_plan: dict, styles: list[str], examples_html: str, first_paint: str, article: str,
                served: dict[str, str], model_dir: Path = WEIGHTS) -> str:
    """index.html; styles: the stylesheets' paths, served: the content-hashed name of each file site/index.html
    names (bootstrap.js, offline.js, main.py, pyscript.json, PyScript's and Pyodide's modules)."""
    template = (SITE / "index.html").read_text()
    for own, hashed in served.items():  # "./bootstrap.js" in tags, "bootstrap.js" in the watchdog's script
        template = template.replace(f'"./{own}"', f'"./{hashed}"').replace(f'"{own}"', f'"{hashed}"')
    integrity = load_plan["integrity"]
    head = {served.get(name, name) for name in HEAD_SCRIPTS}
    # the modules (PyScript's, and Pyodide's, which it imports itself) are checked through the import map
    modules = {f"./{rel}": value for rel, value in integrity.items()
               if rel.endswith((".js", ".mjs")) and rel not in head}
    import_map = json.dumps({"integrity": modules}, separators=(",", ":"))
    # the head's scripts, then PyScript's entry module and the modules it and Pyodide import (integrity: below)
    modules = sorted(modules, key=lambda rel: not rel.endswith(served["pyscript/core.js"]))
    preloads = "\n".join([f'<link rel="preload" as="script" href="./{served.get(name, name)}">'
                          for name in HEAD_SCRIPTS] + [f'<link rel="modulepreload" href="{rel}">' for rel in modules])
    stages = "".join(
        f'<li data-stage="{s["id"]}" data-state="waiting"><span class="stage-label">{s["label"]}</span>'
        f'<progress max="1" value="0"></progress><span class="stage-amount"></span></li>'
        for s in load_plan["stages"])
    parts = {
        "load-plan": json.dumps(load_plan, separators=(",", ":")).replace("</", "<\\/"),
        "styles": "\n".join(f'<link rel="stylesheet" href="./{path}">' for path in styles),
        "stages": stages,
        "examples": examples_html,
        "first-paint": first_paint,
        "article": article,
        "download-size": f"{sum(size for s in load_plan['stages'] for _, size in s['files']) / 1e6:.0f} MB",
        "model-card": ' <a href="./weights/MODEL_CARD.md">Model card</a>.' if (model_dir / "MODEL_CARD.md").is_file() else "",
        "mpy-config": json.dumps({"plugins": [f"!{p}" for p in DISABLED_PLUGINS]}),
        "import-map": import_map,
        "preloads": preloads,
    }
    for name, value in list(parts.items()) + [("script-hashes", None)]:
        marker = f"<!--@{name}-->"
        if marker not in template:
            raise BuildError(f"site/index.html has no {marker} placeholder")
        template = template.replace(marker, inline_script_hashes(template) if value is None else value)
    return with_integrity(template, integrity)


def inline_script_hashes(html: str) -> str:
    """The CSP sources that allow exactly the page's own inline scripts (the import map, the watchdog)."""
    bodies = re.findall(r'<script(?![^>]*\b(?:src=|type="(?:py|application/json)"))[^>]*>(.*?)</script>', html, re.S)
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'" for body in bodies)


def with_integrity(html: str, integrity: dict[str, str]) -> str:
    """integrity="..." on each script, stylesheet and module preload of the page whose file is in integrity."""
    def tag(match: re.Match) -> str:
        text, path = match.group(0), match.group(1)
        if path not in integrity or 'type="py"' in text or (
                text.startswith("<link") and not re.search(r'rel="(stylesheet|modulepreload|preload)"', text)):
            return text
        return f'{text[:-1]} integrity="{integrity[path]}">'

    return re.sub(r'<(?:script|link)\b[^>]*?\b(?:src|href)="\./([^"]+)"[^>]*>', tag, html)


def sri(sha256_hex: str) -> str:
    return "sha256-" + base64.b64encode(bytes.fromhex(sha256_hex)).decode()


def load_plan(out: Path, runtime_dir: str, runtime: list[str], config: str, packages: list[str], model: list[str],
              checked: list[str], rest: dict[str, dict] | None = None, side_modules: list[str] = (),
              lazy: list[str] = ()) -> dict:
    """What bootstrap.js needs to show the loading stages, to fetch files early and to check every start-up
    file: integrity, the SRI hash of each (the stages' files and ``checked``, e.g. styles and scripts); the
    runtime's rest zips (sitebuild/trim.py) that pyapp/page/rest.py fetches on first import, with their sha256;
    side_modules: the start-up wheels' WebAssembly, compiled as it streams in (sitebuild/side_modules.py); and
    ``lazy``, the SRI hash of each file the page fetches later itself (the shift view's fully connected network,
    the Train panel's stylesheet)."""
    packages = packages + list(side_modules)
    runtime = runtime + [config]  # PyScript's configuration: asked for only once its modules have run

    def files(paths):
        return [[rel, (out / rel).stat().st_size] for rel in paths]

    return {
        "stages": [
            {"id": "runtime", "label": "Python runtime", "after": "starting Python…", "files": files(runtime)},
            {"id": "packages", "label": "NumPy", "after": "installing…", "files": files(packages)},
            {"id": "model", "label": "Tiny VGG", "after": "waiting for Python…", "files": files(model)},
        ],
        # fetched at once, in parallel, instead of one after the other as the runtime asks for them
        "prefetch": [f"{runtime_dir}/{name}" for name in ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")]
                    + [config] + packages + model,
        "integrity": {rel: sri(sha256_file(out / rel)) for rel in runtime + packages + model + checked},
        "lazy": {rel: sri(sha256_file(out / rel)) for rel in lazy},
        "serviceWorker": "sw.js",
        "sideModules": list(side_modules),
        "runtimeDir": runtime_dir,
        "rest": {rel: {"sha256": sha256_file(out / rel), **{key: value for key, value in part.items() if key != "data"}}
                 for rel, part in (rest or {}).items()},
    }
