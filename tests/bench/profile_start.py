"""Where the page's Python start-up goes: main.py under cProfile in one cold load (prints figures; not a test).

    .venv/bin/python tests/bench/profile_start.py [--dist DIR] [--lines 40]

A copy of the build runs main.py's start-up (from the import of pyapp.page.boot to ready) under cProfile, its
sha256 in the load plan updated; one cold load in headless Chromium with a fresh profile prints the page's
milestones (main.py began, ready) and the functions by cumulative and by own time. cProfile about doubles the
time of what it measures in the page: read it for the shares, and bench_load.py for the times.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
from pathlib import Path

from served_site import served_site
from sitebuild.page import sri as sri_of_hex
from explainer_page import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, wait_until_started

MARK = "[profile_start]"
# Wrapped around the start-up in main.py: after rest.install() (cProfile and pstats may be in a rest zip).
ENABLE = "    import cProfile, io, pstats\n    _profile = cProfile.Profile()\n    _profile.enable()\n"
REPORT = ("    _profile.disable()\n    for _order in ('cumulative', 'tottime'):\n        _out = io.StringIO()\n"
          "        pstats.Stats(_profile, stream=_out).sort_stats(_order).print_stats({lines})\n"
          "        js.console.log({mark!r} + ' ' + _order + _out.getvalue())\n")  # one message (print: one a line)


def sri(data: bytes) -> str:
    return sri_of_hex(hashlib.sha256(data).hexdigest())  # as the build writes it into the load plan


def profiled_copy(dist: Path, into: Path, lines: int) -> Path:
    """A copy of the build whose main.py profiles its start-up; its load plan names the new sha256."""
    copy = into / "site"
    shutil.copytree(dist, copy)
    (script,) = copy.glob("main.*.py")
    before = script.read_bytes()
    text = before.decode().splitlines(keepends=True)
    try:
        at = next(i for i, line in enumerate(text) if line.strip().startswith("rest.install()"))
        end = next(i for i, line in enumerate(text) if line.rstrip("\n") == "    start()")
    except StopIteration:
        raise SystemExit(f"{script.name} no longer has the lines this tool wraps: rest.install() and start()") from None
    text[end] += REPORT.format(lines=lines, mark=MARK)
    text[at] += ENABLE
    after = "".join(text).encode()
    script.write_bytes(after)
    page = copy / "index.html"
    html = page.read_text()
    if sri(before) not in html:
        raise SystemExit(f"index.html does not name {script.name}'s sha256: the load plan changed")
    page.write_text(html.replace(sri(before), sri(after)))
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, help="an existing build (default: build into a temporary folder)")
    parser.add_argument("--lines", type=int, default=40, help="functions to print in each order")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    scratch = Path(tempfile.mkdtemp(prefix="profile-start-"))
    try:
        with served_site(args.dist) as (_, dist):
            copy = profiled_copy(dist, scratch, args.lines)
        with served_site(copy) as (url, _), sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(scratch / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=VIEWPORT)
            page = context.new_page()
            reports = []
            page.on("console", lambda message: reports.append(message.text) if MARK in message.text else None)
            page.goto(url)
            wait_until_started(page, settled=False)
            page.wait_for_timeout(500)  # the report is printed just before ready; the console may lag a little
            timings = page.evaluate("explainer.timings")
            context.close()
        print(f"main.py began {timings['python']} ms after navigation, ready at {timings['ready']} ms "
              f"(slowed by the profile and its report)")
        for report in reports:
            print(report.replace(MARK, "by").rstrip())
        if len(reports) != 2:
            raise SystemExit(f"expected two reports from the page, got {len(reports)}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
