"""The evaluation suite's fast part, as CI runs it: retrieval and the extractive backend over the
whole eval set, failing when a score falls below evals/thresholds.json."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from evals import runner

from .conftest import ROOT, env_for


@pytest.fixture
def in_env(indexed, monkeypatch):
    """``python -m evals`` in this process (its model is loaded already: a child pays ~16 s to load it),
    reading the same RAG_* environment a child would; the bad-file case below runs the real command."""
    for key, value in env_for(indexed).items():
        if key.startswith("RAG_"):
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT)
    return indexed


def test_extractive_eval_meets_the_thresholds(in_env, tmp_path, capsys):
    out = tmp_path / "eval"
    rc = runner.main(["--backend", "extractive", "--no-baseline", "--check", "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 0, captured.out[-3000:] + captured.err[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["questions"] >= 160 and set(report["summary"]) >= {"en", "yue", "cmn-Hant", "cmn-Hans", "all"}
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == report["questions"]
    row = json.loads(lines[0])
    assert {"id", "lang", "question", "answer", "language", "refused", "citations", "retrieved",
            "timings", "scores"} <= set(row)
    assert (out / "scores.png").stat().st_size > 5000 and (out / "latency.png").stat().st_size > 5000
    assert set(report["modes"]) >= {"dense", "hybrid"}


def test_resumes_and_names_the_bad_line(in_env, tmp_path, capsys):
    out = tmp_path / "eval"
    args = ["--backend", "extractive", "--no-baseline", "--limit", "5", "--out", str(out)]
    assert runner.main(args) == 0, capsys.readouterr().err[-2000:]
    capsys.readouterr()
    assert runner.main(args) == 0
    assert "resuming: 5 done, 0 to go" in capsys.readouterr().err
    indexed = in_env

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "lang": "en", "question": "q", "answerable": false, "facts": [], "evidence": []}\n'
                   '{"id": "b", "lang": "xx"}\n', encoding="utf-8")
    broken = subprocess.run([sys.executable, "-m", "evals", "--questions", str(bad), "--out", str(out / "x")],
                            cwd=ROOT, env=env_for(indexed), capture_output=True, text=True, timeout=600)
    assert broken.returncode == 2 and "bad.jsonl:2" in broken.stderr


def test_an_llm_run_puts_the_extractive_backend_beside_it(in_env, tmp_path, monkeypatch, capsys):
    """The report's backends table, from a real run: an ``openai`` backend whose server is down (a port
    nobody listens on) answers every question extractively with its note, and the extractive backend's
    own run sits beside it, in its own resumable folder."""
    from .conftest import free_port

    monkeypatch.setenv("RAG_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("RAG_LLM_MODEL", "m")
    out = tmp_path / "eval"
    rc = runner.main(["--backend", "openai", "--no-baseline", "--limit", "6", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err[-2000:]
    report = json.loads((out / "report.json").read_text())
    assert list(report["backends"]) == ["openai", "extractive"]
    assert (out / "extractive" / "results.jsonl").read_text(encoding="utf-8").count("\n") == report["questions"]
    assert "## Backends side by side (openai / extractive)" in (out / "report.md").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    answered = [r for r in rows if not r["refused"]]
    assert answered and all(r["backend"] == "extractive" and r["note"] for r in answered)


def test_beside_reads_reports_both_reading_modes_paired(in_env, tmp_path, monkeypatch, capsys):
    """--beside-reads: the same questions answered reading the other way, into their own folder, and both
    side by side in the report with the paired comparison (a real run; the server is down, so both fall
    back, which is enough for the plumbing)."""
    from .conftest import free_port

    monkeypatch.setenv("RAG_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("RAG_LLM_MODEL", "m")
    out = tmp_path / "eval"
    rc = runner.main(["--backend", "openai", "--no-baseline", "--no-compare", "--beside-reads", "--limit", "4",
                      "--out", str(out)])
    assert rc == 0, capsys.readouterr().err[-2000:]
    report = json.loads((out / "report.json").read_text())
    assert list(report["reads"]) == ["article", "passages"]  # the default first, then the other
    assert report["reads_compare"]["questions"] == report["questions"] == 4
    assert (out / "reads-passages" / "results.jsonl").read_text(encoding="utf-8").count("\n") == 4
    assert "## Reading the whole article or the passages" in (out / "report.md").read_text(encoding="utf-8")
    assert (out / "reads-passages.md").read_text(encoding="utf-8").startswith("# Comparing two eval runs")


# -- per source file ------------------------------------------------------------------------------------

SECOND = ROOT / "tests" / "data" / "corpus2" / "kai-tak-sports-park.md"
QUESTIONS2 = ROOT / "tests" / "data" / "questions_corpus2.jsonl"


def _two_article_corpus(root):
    """A corpus folder of the Budget article and the sports-park article."""
    import shutil

    from .conftest import ARTICLE

    corpus = root / "corpus"
    corpus.mkdir()
    for f in (ARTICLE, SECOND):
        shutil.copy(f, corpus / f.name)
    return corpus


def _budget_questions(n_answerable: int, n_unanswerable: int) -> list[str]:
    """The first questions of ours that follow no other, so a small file of them loads on its own."""
    picked, counts = [], {True: 0, False: 0}
    for line in (ROOT / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        want = n_answerable if row["answerable"] else n_unanswerable
        if row.get("followup_of") is None and counts[row["answerable"]] < want:
            counts[row["answerable"]] += 1
            picked.append(line)
    return picked


def test_a_question_s_source_is_the_file_its_evidence_is_in(tmp_path, monkeypatch):
    from evals import dataset, scoring

    from .conftest import ARTICLE

    monkeypatch.setenv("RAG_CORPUS_DIR", str(_two_article_corpus(tmp_path)))
    rows = [json.loads(line) for line in _budget_questions(2, 1)]
    rows += [{**rows[0], "id": "own-written", "source": "written"},  # small talk's `source`: not a file
             {**rows[0], "id": "nowhere", "evidence": ["這句話兩篇文章都沒有"]},
             {**rows[0], "id": "both", "evidence": ["年"]}]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    questions = dataset.load([mixed, QUESTIONS2])
    got = {q.id: scoring.source_of(q)[0] for q in questions}
    budget, kai_tak = ARTICLE.name, SECOND.name
    assert [got[r["id"]] for r in rows] == [budget, budget, scoring.NO_SOURCE, budget, scoring.NOT_FOUND,
                                            scoring.SEVERAL]
    assert {got[q.id] for q in questions if q.id.startswith("kt-")} == {kai_tak}  # their own field, unanswerable too
    kt = next(q for q in questions if q.id == "kt-yue-001")
    q = next(q for q in questions if q.id == rows[0]["id"])
    assert scoring.source_of(dataclasses.replace(kt, source=None)) == (kai_tak, (kai_tak,))  # by its evidence
    assert scoring.cited_source(kt, [{"source": kai_tak}]) is True
    assert scoring.cited_source(kt, [{"source": kai_tak}, {"source": budget}]) is False
    assert scoring.cited_source(q, []) is None and scoring.cited_source(questions[2], [{"source": budget}]) is None


def test_the_report_by_source_from_scored_rows(tmp_path, monkeypatch):
    """The section by source in report.md, the table and filter in report.html, and the table worked out
    again for a run folder whose report.json predates it (crafted rows: no index, no answers)."""
    from evals import dataset, html, plots, scoring

    monkeypatch.setenv("RAG_CORPUS_DIR", str(_two_article_corpus(tmp_path)))
    ours = tmp_path / "ours.jsonl"
    ours.write_text("\n".join(_budget_questions(3, 1)) + "\n", encoding="utf-8")
    questions = dataset.load([ours, QUESTIONS2])
    right = {"rank": 1, "refused": False, "lang_ok": True, "facts_right": True, "false_refusal": False,
             "cite_precision": 1.0, "cite_recall": True, "cite_sentence": True, "cited_source": True}
    rows = {q.id: {"id": q.id, "lang": q.lang, "question": q.question, "source": scoring.source_of(q)[0],
                   "scores": right if q.answerable else {"refused": True, "lang_ok": True, "refusal_ok": True},
                   "timings": {"total_ms": 10.0}} for q in questions}
    report = {"date": "today", "backend": "extractive", "mode": "hybrid", "questions": len(questions), "seconds": 1,
              "summary": scoring.summarise(questions, rows), **runner.with_intervals(questions, rows),
              "sources": runner.by_source(questions, rows)}
    names = list(report["sources"])
    assert names == [SECOND.name, "wenweipo-budget-2026-ai-new-industries.txt", "(none)"]
    assert report["sources"][SECOND.name]["summary_ci"]["all"]["refusal_accuracy"]["n"] == 5
    md = plots.markdown(report)
    assert "## By source (all languages; kai-tak-sports-park.md 22, wenweipo-budget-2026-ai-new-industries.txt 3, " \
           "(none) 1 questions)" in md
    assert "| cited_source | 1.000 [0.82, 1.00] n=17 | 1.000 [0.44, 1.00] n=3 | – |" in md
    page = html.render(report, list(rows.values()), {})
    assert page.count('data-source="kai-tak-sports-park.md"') == 22 and '<select id="f-source">' in page
    older = {k: v for k, v in report.items() if k != "sources"}
    (tmp_path / "run").mkdir()
    again = html.write(tmp_path / "run", older, list(rows.values()), [], {}).read_text(encoding="utf-8")
    assert "by source file" in again and again.count("<h3>") == page.count("<h3>")


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory, base_settings):
    """The two articles ingested with the real embedding model (from the vector cache, mostly)."""
    from rag.index import ingest
    from rag.text import glossary

    root = tmp_path_factory.mktemp("two-sources")
    settings = dataclasses.replace(base_settings, corpus_dir=_two_article_corpus(root), data_dir=root / "data",
                                   chroma_path=root / "data" / "chroma", chroma_url="")
    ingest.run(settings)
    yield settings
    glossary.use_generated(None)


def test_the_report_gives_every_figure_per_source_file(two_sources, tmp_path, monkeypatch, capsys):
    """A real extractive run over both articles' questions: each source file is a group of the report,
    in report.json (with intervals, per language too), report.md and report.html."""
    for key, value in env_for(two_sources).items():
        if key.startswith("RAG_"):
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT)
    questions = tmp_path / "both.jsonl"
    questions.write_text("\n".join([*_budget_questions(3, 1), *QUESTIONS2.read_text(encoding="utf-8").splitlines()])
                         + "\n", encoding="utf-8")
    out = tmp_path / "eval"
    rc = runner.main(["--questions", str(questions), "--backend", "extractive", "--no-baseline", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err[-2000:]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    budget, kai_tak = "wenweipo-budget-2026-ai-new-industries.txt", SECOND.name
    sources = report["sources"]
    assert list(sources) == [kai_tak, budget, "(none)"]
    assert [sources[n]["questions"] for n in sources] == [22, 3, 1] and report["questions"] == 26
    for name in (kai_tak, budget):
        ci, summary = sources[name]["summary_ci"], sources[name]["summary"]
        facts = ci["all"]["facts_right"]
        assert set(ci) == set(summary) and len(ci) >= 2 and facts["value"] == summary["all"]["facts_right"]
        assert facts["ci_low"] <= facts["value"] <= facts["ci_high"] and facts["n"] == summary["all"]["answerable"]
    assert sources[kai_tak]["summary"]["all"]["cited_source"] > 0.5 and report["summary"]["all"]["cited_source"]
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["source"] for r in rows} == set(sources)
    assert all("cited_source" in r["scores"] for r in rows if "facts_right" in r["scores"])
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## By source (all languages; kai-tak-sports-park.md 22, " in md
    assert f"| `{kai_tak}` | `{budget}` | `(none)` |" in md and "| cited_source |" in md
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "by source file" in page and f'data-source="{kai_tak}"' in page and f'<option value="{budget}">' in page
