"""The page's notice after a bad drop: it says what is wrong, goes by itself, and goes at once when dismissed."""
from __future__ import annotations

import time

from explainer_page import drop_or_paste

TEXT = b"shopping list: eggs, milk\n"
FADE_SECONDS = 8  # pyapp/page/notice.py (it imports js, so the test cannot import it)


def _notice_shown(page) -> str:
    page.wait_for_selector("#notice:not([hidden])", timeout=20000)
    return page.inner_text("#notice-text")


def test_a_bad_drop_is_told_then_goes_by_itself_or_when_dismissed(page, open_app):
    open_app(page)
    drop_or_paste(page, "drop", TEXT, "notes.jpg", "image/jpeg")  # a text file named .jpg: typed image/jpeg
    message = _notice_shown(page)
    assert message.startswith("This file is not a readable image") and "format" not in message
    shown = time.monotonic()
    page.wait_for_selector("#notice", state="hidden", timeout=(FADE_SECONDS + 10) * 1000)
    assert time.monotonic() - shown > FADE_SECONDS - 3  # not gone before it could be read

    drop_or_paste(page, "drop", TEXT, "notes.jpg", "image/jpeg")
    _notice_shown(page)
    page.click("#notice-close")
    page.wait_for_selector("#notice", state="hidden", timeout=2000)
