"""The evaluation suite's fast part, as CI runs it: retrieval and the extractive backend over the
whole eval set, failing when a score falls below evals/thresholds.json."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT, env_for


def test_extractive_eval_meets_the_thresholds(indexed, tmp_path):
    out = tmp_path / "eval"
    run = subprocess.run([sys.executable, "-m", "evals", "--backend", "extractive", "--no-baseline", "--check",
                          "--out", str(out)], cwd=ROOT, env=env_for(indexed), capture_output=True, text=True,
                         timeout=1800)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["questions"] >= 160 and set(report["summary"]) >= {"en", "yue", "cmn-Hant", "cmn-Hans", "all"}
    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == report["questions"]
    row = json.loads(lines[0])
    assert {"id", "lang", "question", "answer", "language", "refused", "grounded", "citations", "retrieved",
            "timings", "scores"} <= set(row)
    assert (out / "scores.png").stat().st_size > 5000 and (out / "latency.png").stat().st_size > 5000
    assert set(report["modes"]) >= {"dense", "hybrid"}


def test_resumes_and_names_the_bad_line(indexed, tmp_path):
    out = tmp_path / "eval"
    args = [sys.executable, "-m", "evals", "--backend", "extractive", "--no-baseline", "--limit", "5",
            "--out", str(out)]
    first = subprocess.run(args, cwd=ROOT, env=env_for(indexed), capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    again = subprocess.run(args, cwd=ROOT, env=env_for(indexed), capture_output=True, text=True, timeout=600)
    assert "resuming: 5 done, 0 to go" in again.stderr

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "lang": "en", "question": "q", "answerable": false, "facts": [], "evidence": []}\n'
                   '{"id": "b", "lang": "xx"}\n', encoding="utf-8")
    broken = subprocess.run([sys.executable, "-m", "evals", "--questions", str(bad), "--out", str(out / "x")],
                            cwd=ROOT, env=env_for(indexed), capture_output=True, text=True, timeout=600)
    assert broken.returncode == 2 and "bad.jsonl:2" in broken.stderr
