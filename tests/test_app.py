"""The app as users meet it: the real server on loopback, driven by gradio_client and by Chromium."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from rag.index.corpus import span_text
from rag.text import language

from .conftest import ARTICLE, ROOT, run_app

SOURCE = ARTICLE.read_text(encoding="utf-8")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / ".rag" / "screenshots"


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


def _this_machines_other_address() -> str | None:
    """An address of this machine that is not loopback (no packet is sent), or None if it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 9))
        except OSError:
            return None
        address = s.getsockname()[0]
    return None if address.startswith("127.") else address


def test_the_app_listens_on_loopback_only(app):
    """The default host is 127.0.0.1: from any other address of the machine the port is closed."""
    other = _this_machines_other_address()
    if other is None:
        pytest.skip("this machine has no address but loopback")
    port = int(app["url"].rstrip("/").rsplit(":", 1)[1])
    urllib.request.urlopen(app["url"], timeout=5).close()  # open on loopback
    with pytest.raises(OSError):
        socket.create_connection((other, port), timeout=3).close()


def test_the_server_serves_no_file_of_the_machine(app):
    """Gradio serves its own cached files by path; not the project's, the data folder's or the system's."""
    secrets = {Path("/etc/passwd"): b"root:", ROOT / "app.py": b'"""The chat app',
               ROOT / "pyproject.toml": b"[project]"}
    data = app["settings"].data_dir
    for target in sorted(data.rglob("*.sqlite3"))[:1]:
        secrets[target] = target.read_bytes()[:16]
    for path, head in secrets.items():
        for route in ("gradio_api/file=", "file=", "gradio_api/file=../../../.."):
            for name in (str(path), str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name):
                url = app["url"] + route + urllib.parse.quote(name)
                try:
                    with urllib.request.urlopen(url, timeout=10) as r:
                        body = r.read()
                except urllib.error.HTTPError:
                    continue
                assert head not in body, url


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

        # Thumbs up on that answer is saved with the question, answer and citations.
        feedback = app["settings"].data_dir / "feedback.jsonl"
        before = feedback.read_text(encoding="utf-8").count("\n") if feedback.exists() else 0
        page.get_by_role("button", name="Like", exact=True).first.click()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not feedback.exists() or
                                                feedback.read_text(encoding="utf-8").count("\n") == before):
            time.sleep(0.2)
        saved = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
        assert saved["liked"] is True and saved["question"] == "撥咗幾多錢搞全民AI培訓？"
        assert saved["answer"]["citations"] and "5,000萬" in saved["answer"]["answer"]

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
    from rag.web import save_feedback

    target = Path("/proc/feedback.jsonl")  # a path no process can create: a real write failure
    assert save_feedback(target, {"x": 1}) is False
    r = client.predict("沙嶺數據園可提供多少樓面面積？", "extractive", api_name="/answer")
    assert not r["refused"]


# Script, HTML and Markdown in the article itself, which a page could render: the corpus is text too.
MARKUP = ('<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
          '<svg onload="window.__pwned=3"></svg>![pic](http://127.0.0.1:9/x.png)'
          '[click](javascript:window.__pwned=4)<a href="javascript:window.__pwned=5">a</a>')


@pytest.fixture(scope="module")
def markup_app(base_settings, tmp_path_factory):
    """The app over a copy of the article whose 5,000萬 sentences (the AI-training answer) carry markup."""
    from rag.index import ingest

    root = tmp_path_factory.mktemp("markup")
    (root / "corpus").mkdir()
    text = SOURCE.replace("5,000萬元", "5,000萬元" + MARKUP)
    assert text.count(MARKUP) == SOURCE.count("5,000萬元") >= 3
    (root / "corpus" / ARTICLE.name).write_text(text, encoding="utf-8")
    settings = dataclasses.replace(base_settings, corpus_dir=root / "corpus", data_dir=root / "data",
                                   chroma_path=root / "data" / "chroma", chroma_url="")
    ingest.run(settings)
    with run_app(settings, tmp_path_factory) as running:
        yield {**running, "copies": text.count(MARKUP)}


def test_markup_in_the_article_never_runs_in_the_page(markup_app):
    """In the answer, its sources and the article view, the corpus's markup is shown, not run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1000, "height": 1200})
        dialogs, requests = [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(markup_app["url"])
        page.fill("#question textarea", "撥咗幾多錢搞全民AI培訓？")
        page.click("#ask")
        page.wait_for_selector("#chat details.sources", timeout=120_000)
        page.click("#chat details.sources summary")
        chat = page.locator("#chat").inner_text()
        assert "<script>window.__pwned=1</script>" in chat and 'onerror="window.__pwned=2"' in chat  # shown
        assert "onerror" in page.locator("#chat details.sources").inner_text()

        page.get_by_text("原文 The article").click()  # the article view
        page.wait_for_selector("#article .article", state="visible", timeout=60_000)
        shown = page.locator("#article").inner_text()
        assert shown.count("<script>window.__pwned=1</script>") == markup_app["copies"]
        time.sleep(1)  # an onerror or onload would have fired by now

        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert not dialogs
        for where in ("#chat", "#article"):
            assert page.locator(f"{where} img[src='x'], {where} svg[onload], {where} script").count() == 0, where
        assert page.locator("a[href^='javascript']").count() == 0
        assert not [u for u in requests if u.startswith("http://127.0.0.1:9/")]  # the Markdown image
        page.screenshot(path=str(SHOTS / "markup-in-article.png"), full_page=True)
        browser.close()
