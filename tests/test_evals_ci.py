"""The evaluation suite's fast part, as CI runs it: retrieval and the extractive backend over the
whole eval set, failing when a score falls below evals/thresholds.json."""

from __future__ import annotations

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
    assert list(report["reads"]) == ["passages", "article"]
    assert report["reads_compare"]["questions"] == report["questions"] == 4
    assert (out / "reads-article" / "results.jsonl").read_text(encoding="utf-8").count("\n") == 4
    assert "## Reading the whole article or the passages" in (out / "report.md").read_text(encoding="utf-8")
    assert (out / "reads-article.md").read_text(encoding="utf-8").startswith("# Comparing two eval runs")
