"""Two other engines behind one small interface, for the smoke suite: Firefox and WebKit (Safari's engine).

A driver has goto(url), reload(), evaluate(expression) (a promise is awaited), click(selector),
press(key), close(). Firefox runs through WebDriver BiDi (a Node script with puppeteer-core);
WebKit through WebKitWebDriver with Selenium, under Xvfb (Debian's MiniBrowser needs a display).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIREFOX = os.environ.get("FIREFOX", "/usr/bin/firefox-esr")
WEBKIT_DRIVER = os.environ.get("WEBKIT_DRIVER", "/usr/bin/WebKitWebDriver")
XVFB = "/usr/bin/Xvfb"
# What each engine needs on this machine (Debian packages) and how to get it.
NEEDS = {"firefox": ([FIREFOX, shutil.which("node") or "/usr/bin/node", str(HERE.parents[2] / "node_modules/puppeteer-core")],
                     "apt-get install firefox-esr; npm ci (puppeteer-core)"),
         "webkit": ([WEBKIT_DRIVER, XVFB], "apt-get install webkit2gtk-driver xvfb")}


class DriverError(AssertionError):
    pass


class Firefox:
    def __init__(self):
        self.process = subprocess.Popen(["node", str(HERE / "firefox_driver.mjs"), FIREFOX], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, cwd=HERE)
        self._answer()  # "started"

    def _answer(self):
        line = self.process.stdout.readline()
        if not line:
            raise DriverError(f"the Firefox driver stopped (exit {self.process.poll()})")
        answer = json.loads(line)
        if answer["error"]:
            raise DriverError(answer["error"])
        return answer["result"]

    def _send(self, op: str, **fields):
        self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def goto(self, url: str) -> None:
        self._send("goto", url=url)

    def reload(self) -> None:
        self._send("reload")

    def evaluate(self, expression: str):
        return self._send("eval", js=expression)

    def click(self, selector: str) -> None:
        self._send("click", selector=selector)

    def press(self, key: str) -> None:
        self._send("key", key=key)

    def version(self) -> str:
        return self._send("version")

    def close(self) -> None:
        try:
            self.process.stdin.write('{"op": "close"}\n')
            self.process.stdin.close()
            self.process.wait(20)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()


class WebKit:
    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        read, write = os.pipe()  # Xvfb picks a free display and writes its number here
        self.xvfb = subprocess.Popen([XVFB, "-displayfd", str(write), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                                     pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as answer:
            number = answer.readline().strip()
        if not number.isdigit():
            self.xvfb.kill()
            raise DriverError(f"{XVFB} did not start a display")
        self.display = ":" + number
        options = Options()
        service = Service(executable_path=WEBKIT_DRIVER, env=dict(os.environ, DISPLAY=self.display))
        try:
            self.driver = webdriver.WebKitGTK(options=options, service=service)
        except Exception:
            self.xvfb.kill()
            raise
        self.driver.set_window_size(1280, 900)
        self.driver.set_script_timeout(120)
        self.driver.set_page_load_timeout(120)

    def goto(self, url: str) -> None:
        self.driver.get(url)

    def reload(self) -> None:
        self.driver.refresh()

    def evaluate(self, expression: str):
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"Promise.resolve().then(() => ({expression})).then(done, e => done({{__error: String(e)}}));")
        if isinstance(result, dict) and "__error" in result:
            raise DriverError(result["__error"])
        return result

    def click(self, selector: str) -> None:
        self.driver.find_element("css selector", selector).click()

    def press(self, key: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        ActionChains(self.driver).send_keys(getattr(Keys, key.upper())).perform()

    def version(self) -> str:
        return "WebKitGTK " + str(self.driver.capabilities.get("browserVersion"))

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            self.xvfb.kill()
            self.xvfb.wait(10)


ENGINES = {"firefox": Firefox, "webkit": WebKit}


def wait_for(driver, condition: str, timeout: float, what: str) -> None:
    """Poll a JS expression (or promise) until it is truthy. Only its truth crosses over: a DOM node
    comes back from Firefox's BiDi as null, from WebKit's WebDriver as an element."""
    deadline = time.monotonic() + timeout
    while True:
        if driver.evaluate(f"Promise.resolve({condition}).then(Boolean)"):
            return
        if time.monotonic() > deadline:
            raise DriverError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)
