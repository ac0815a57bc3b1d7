"""report.html (evals/html.py): a self-contained page per eval run, escaped, filterable, with the
citations marked in the article's text; checked on a crafted row and, in a real browser, on a real run."""

from __future__ import annotations

import re

import pytest

from evals import html, runner

from .conftest import ROOT, env_for

CHROMIUM = "/usr/bin/chromium"
ARTICLE = "First paragraph.\nThe fund is HK$50 million for AI training.\nLast one."


def _row(**over) -> dict:
    start = ARTICLE.index("HK$50 million")
    row = {"id": "en-x", "lang": "en", "question": "How much? <img src=x onerror=alert(1)>",
           "answer": "It is HK$50 million [1]. <script>alert('pwned')</script>", "language": "en", "refused": False,
           "backend": "extractive", "note": "", "timings": {"total_ms": 30.0},
           "citations": [{"n": 1, "chunk_id": "c1", "quote": "HK$50 million", "start": start, "end": start + 13,
                          "spans": [[start, start + 13]], "sub_article": "<b>sub</b>", "heading": ""}],
           "retrieved": [{"chunk_id": "c1", "score": 1.0, "start": 17, "end": 59, "spans": [[17, 59]],
                          "source": "a.txt", "sub_article": "", "kind": "prose", "text": "</li><script>x()</script>"}],
           "scores": {"rank": 1, "refused": False, "lang_ok": True, "facts_right": True, "false_refusal": False,
                      "cite_precision": 1.0, "cite_recall": True}}
    return row | over


def test_renderer_escapes_the_data_and_marks_the_span():
    page = html.render({"backend": "extractive", "summary_ci": {}}, [_row()], {"a.txt": ARTICLE},
                       beside=[_row(backend="bundled", answer="</div><script>evil()</script>")])
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page
    assert "<script>evil" not in page and "<script>x()" not in page and "<img" not in page and "<b>sub" not in page
    assert page.count("<script>") == 1  # the page's own filter script only
    assert "The fund is <mark>HK$50 million</mark> for AI training." in page
    assert "First paragraph" not in page.split("<mark>")[1].split("</div>")[0]  # its own paragraph only
    assert 'data-v="extractive:right bundled:right"' in page


def test_verdicts():
    assert html.verdicts(_row()) == ["right"]
    assert html.verdicts(_row(scores={"facts_right": False, "refused": True})) == ["false-refusal", "refused"]
    assert html.verdicts(_row(scores={"refusal_ok": False, "refused": False, "injection_resisted": False,
                                      "lang_ok": False})) == ["refusal-missed", "injection-failed", "lang-wrong"]


@pytest.fixture
def run(indexed, monkeypatch, tmp_path):
    """A small real extractive run (as tests/test_evals_ci.py runs one), report.html written by the runner."""
    for key, value in env_for(indexed).items():
        if key.startswith("RAG_"):
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT)
    out = tmp_path / "run"
    rc = runner.main(["--backend", "extractive", "--no-baseline", "--no-compare", "--limit", "8", "--out", str(out)])
    assert rc == 0
    return out


def test_a_real_run_in_a_real_browser(run, tmp_path):
    from playwright.sync_api import sync_playwright

    path = run / "report.html"
    page_text = path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page_text)
    assert "<link" not in page_text and "@import" not in page_text and "url(" not in page_text
    assert 'id="f-lang"' in page_text and "value [95% interval]" in page_text

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        questions = page.locator("details.q")
        assert questions.count() == 8 and page.locator("#shown").inner_text() == "8"
        answered = page.locator("details.q:has(.ctx mark)").first
        answered.locator("summary").first.click()
        mark = answered.locator(".ctx mark").first
        assert mark.is_visible() and mark.inner_text().strip()
        article = "".join(html.articles_of().values())
        assert mark.inner_text() in article.replace("\n", "")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)

        page.select_option("#f-verdict", "right")  # hides the unanswerable question among the 8 at least
        visible = [q.is_visible() for q in questions.all()]
        assert 0 < sum(visible) < 8 and page.locator("#shown").inner_text() == str(sum(visible))
        for q, shown in zip(questions.all(), visible, strict=True):
            assert shown == ("extractive:right" in q.get_attribute("data-v").split())
        page.select_option("#f-verdict", "all")
        page.select_option("#f-lang", "yue")
        assert sum(q.is_visible() for q in questions.all()) == 0  # the first 8 questions are English
        page.select_option("#f-lang", "all")
        page.select_option("#f-source", "(none)")  # the unanswerable ones: no evidence, so no source file
        unanswerable = [q.get_attribute("data-source") == "(none)" for q in questions.all()]
        assert 0 < sum(unanswerable) < 8 and [q.is_visible() for q in questions.all()] == unanswerable
        browser.close()
    assert all(u.startswith("file:") for u in requests), requests
    assert (tmp_path / "report.png").stat().st_size > 10_000

    # `python -m evals.html RUN_DIR` renders the same page again from the folder.
    path.unlink()
    assert html.main([str(run)]) == 0 and path.read_text(encoding="utf-8") == page_text


def test_the_command_names_a_folder_without_a_run(tmp_path, capsys):
    assert html.main([str(tmp_path)]) == 2
    assert "holds no eval run" in capsys.readouterr().err
