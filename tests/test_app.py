"""The app as users meet it: the real server on loopback, driven by gradio_client and by Chromium."""

from __future__ import annotations

import os
import shutil
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rag import language
from rag.corpus import span_text

from .conftest import ARTICLE, ROOT, env_for, free_port, serve

SOURCE = ARTICLE.read_text(encoding="utf-8")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / ".rag" / "screenshots"


@pytest.fixture(scope="module")
def app(indexed, tmp_path_factory):
    """``python app.py`` on a free loopback port, extractive by default so the tests are quick."""
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "app.log"
    env = {**env_for(indexed), "RAG_PORT": str(port), "RAG_LLM_BACKEND": "extractive",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    url = f"http://127.0.0.1:{port}/"

    def ready() -> bool:
        try:
            urllib.request.urlopen(url, timeout=2)
            return True
        except OSError:
            return False

    with serve([sys.executable, "app.py"], ready, log, "app.py", timeout=240, cwd=ROOT, env=env) as proc:
        yield {"url": url, "proc": proc, "log": log, "settings": indexed}


@pytest.fixture(scope="module")
def client(app):
    from gradio_client import Client

    return Client(app["url"], verbose=False)


def _verbatim(citations: list[dict]) -> None:
    assert citations
    for c in citations:
        assert span_text(SOURCE, [tuple(s) for s in c["spans"]]) == c["quote"]


@pytest.mark.parametrize("question,lang", [
    ("撥咗幾多錢搞全民AI培訓？", "yue"),
    ("沙嶺數據園可提供多少樓面面積？", "cmn-Hant"),
    ("人工智能研发院什么时候投入运作？", "cmn-Hans"),
    ("How many AI and robotics labs has InnoHK funded?", "en"),
])
def test_answers_through_the_api(client, question, lang):
    r = client.predict(question, "extractive", api_name="/answer")
    assert r["language"] == lang and not r["refused"]
    _verbatim(r["citations"])
    if lang == "cmn-Hans":
        assert language.to_simplified(r["answer"]) == r["answer"]


def test_unanswerable_is_refused_with_nearest_passages(client):
    r = client.predict("啟德體育園幾時開幕？", "extractive", api_name="/answer")
    assert r["refused"] and r["retrieved"]


def test_quote_api(client):
    r = client.predict("撥款6,000萬元支持全民AI培訓", api_name="/quote")
    assert r["verdict"] == "near" and any(d["why"] == "number" for d in r["differences"])


def test_markup_in_a_question_comes_back_as_text(client):
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)> 沙嶺數據園有幾大？"
    r = client.predict(payload, "extractive", api_name="/answer")
    assert "<script" not in r["answer"] and "onerror" not in r["answer"]


def _browser(p):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make setup`, which installs Debian's chromium")
    return p.chromium.launch(executable_path=CHROMIUM, args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])


def test_in_a_real_browser(app):
    """Type a Cantonese question, wait for the answer, open its sources, check the highlight; screenshot."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 420, "height": 900})  # a phone-width window
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(app["url"])
        page.fill("#question textarea", "撥咗幾多錢搞全民AI培訓？")
        page.click("#ask")
        page.wait_for_selector("#chat details.sources", timeout=120_000)
        page.click("#chat details.sources summary")
        marked = page.locator("#chat details.sources mark").first.inner_text()
        assert marked and marked in SOURCE.replace("\n", "")
        assert "5,000萬" in page.locator("#chat").inner_text()
        page.screenshot(path=str(SHOTS / "answer-phone.png"), full_page=True)

        # Script and markup typed into the box, and Markdown image/link tricks, stay text.
        payload = "<img src=x onerror=\"alert('xss')\"> ![x](http://127.0.0.1:9/a.png) [link](javascript:alert(1)) 沙嶺"
        page.fill("#question textarea", payload)
        page.click("#ask")
        page.wait_for_function("document.querySelectorAll('#chat details.sources, #chat .message').length > 2",
                               timeout=120_000)
        time.sleep(1)
        assert not dialogs
        assert page.locator("#chat img[src='x']").count() == 0
        assert page.locator("#chat a[href^='javascript']").count() == 0
        assert "onerror" in page.locator("#chat").inner_text()  # shown, not run

        # Staff: the quote checker tab.
        page.get_by_role("tab", name="引文核對 Quote check").click()
        page.fill("#quote textarea", "撥款6,000萬元支持全民AI培訓")
        page.click("#check")
        page.wait_for_selector("#quote-result table", timeout=60_000)
        assert "5,000萬" in page.locator("#quote-result").inner_text()
        page.screenshot(path=str(SHOTS / "quote-check.png"), full_page=True)
        browser.close()
    assert (SHOTS / "answer-phone.png").stat().st_size > 10_000


def test_feedback_file_unwritable_still_answers(app, client):
    """The answer is shown even when feedback cannot be saved (the failure is logged)."""
    from app import save_feedback

    target = Path("/proc/feedback.jsonl")  # a path no process can create: a real write failure
    assert save_feedback(target, {"x": 1}) is False
    r = client.predict("沙嶺數據園可提供多少樓面面積？", "extractive", api_name="/answer")
    assert not r["refused"]
