"""``python -m evals compare`` on two small real runs: the extractive backend over 40 questions (the
first ten of each language group) in the dense and the hybrid search mode, which retrieve some of the
Chinese questions differently; and the intervals and splits those runs' reports carry."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from scipy import stats as scipy_stats

from evals import compare, dataset, runner, stats

from .conftest import ROOT, env_for


@pytest.fixture(scope="module")
def runs(indexed, tmp_path_factory):
    """Two runs, as ``python -m evals --backend extractive --limit 40 --mode dense|hybrid`` make them,
    in this process (its embedding model is loaded already) with a child's RAG_* environment."""
    root = tmp_path_factory.mktemp("compare")
    per_lang: dict[str, int] = {}
    lines = []
    for q, line in zip(dataset.load(), dataset.DEFAULT.read_text(encoding="utf-8").splitlines(), strict=True):
        per_lang[q.lang] = per_lang.get(q.lang, 0) + 1
        if per_lang[q.lang] <= 10:  # a follow-up's question comes before it, in the same language
            lines.append(json.dumps(json.loads(line) | {"split": q.split}, ensure_ascii=False))
    questions = root / "forty.jsonl"
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env_for(indexed).items():
            if key.startswith("RAG_"):
                mp.setenv(key, value)
        mp.chdir(ROOT)
        for mode in ("dense", "hybrid"):
            out[mode] = root / mode
            rc = runner.main(["--questions", str(questions), "--backend", "extractive", "--no-baseline",
                              "--no-compare", "--limit", "40", "--mode", mode, "--out", str(out[mode])])
            assert rc == 0
    return out | {"questions": questions, "root": root}


def test_compare_prints_differences_p_values_and_flipped_questions(runs):
    done = subprocess.run([sys.executable, "-m", "evals", "compare", str(runs["dense"]), str(runs["hybrid"])],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    md = done.stdout
    assert "40 questions, paired by id" in md
    assert "| metric | A (all) | B (all) | en | yue | cmn-Hant | cmn-Hans | all | dev | test |" in md
    assert "## Flipped questions" in md

    result = compare.compare(compare.load_run(runs["dense"], "RUN_A"), compare.load_run(runs["hybrid"], "RUN_B"))
    for m in stats.METRICS:  # a p-value in every row, but injections: none of these 40 questions is an attack
        row = next(x for x in md.splitlines() if x.startswith(f"| {m} |"))
        assert ("p=" in row or "p<" in row) == (result["metrics"][m]["groups"]["all"]["n"] > 0), row
    assert result["questions"] == 40 and result["a"]["mode"] == "dense" and result["b"]["mode"] == "hybrid"
    assert result["splits"]["dev"] + result["splits"]["test"] == 40
    flips = 0
    for m, r in result["metrics"].items():
        for g, e in r["groups"].items():
            if e["n"]:
                assert 0 <= e["p_value"] <= 1 and e["diff"] == pytest.approx(e["b"] - e["a"], abs=1e-3), (m, g)
        if r["kind"] == "proportion" and r["groups"]["all"]["n"]:
            e = r["groups"]["all"]
            better, worse = r["flipped"]["better"], r["flipped"]["worse"]
            ups = len(worse) if r["lower_is_better"] else len(better)  # questions where B's value is 1, A's 0
            assert (e["b_only"], e["a_only"]) == (ups, len(better) + len(worse) - ups)
            assert e["b"] - e["a"] == pytest.approx((e["b_only"] - e["a_only"]) / e["n"], abs=1e-3)
            k, n = e["b_only"], e["a_only"] + e["b_only"]
            assert e["p_value"] == (1.0 if n == 0 else pytest.approx(scipy_stats.binomtest(k, n).pvalue))
            for it in better + worse:
                assert {"id", "lang", "split", "answer_a", "answer_b"} <= set(it)
                assert f"`{it['id']}`" in md
            flips += n
    # Dense and hybrid search rank some of these Chinese questions differently (yue-001, hans-001, hans-009).
    assert flips > 0 and result["metrics"]["mrr"]["flipped"]["better"]


def test_a_run_against_itself_differs_by_nothing(runs, capsys):
    assert runner.main(["compare", str(runs["hybrid"]), str(runs["hybrid"]), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for m, r in result["metrics"].items():
        for g, e in r["groups"].items():
            assert e["n"] == 0 or (e["diff"] == 0 and e["p_value"] == 1.0), (m, g)
        assert not any(r.get("flipped", {}).values())


def test_runs_over_other_questions_are_refused(runs, tmp_path, capsys):
    other = tmp_path / "other"
    shutil.copytree(runs["hybrid"], other)
    meta = json.loads((other / "run.json").read_text())
    (other / "run.json").write_text(json.dumps(meta | {"questions": [str(tmp_path / "theirs.jsonl")]}))
    done = subprocess.run([sys.executable, "-m", "evals", "compare", str(runs["dense"]), str(other)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: the runs are over different question files") and done.stderr.count("\n") == 1

    fewer = tmp_path / "fewer"
    shutil.copytree(runs["hybrid"], fewer)
    lines = (fewer / "results.jsonl").read_text(encoding="utf-8").splitlines()
    (fewer / "results.jsonl").write_text("\n".join(lines[:-3]) + "\n", encoding="utf-8")
    assert compare.main([str(runs["dense"]), str(fewer)]) == 2
    assert capsys.readouterr().err.startswith("error: the runs answered different questions (3 only in A")
    assert compare.main([str(runs["dense"]), str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_the_runs_reports_carry_intervals_and_splits(runs):
    report = json.loads((runs["hybrid"] / "report.json").read_text(encoding="utf-8"))
    summary, ci = report["summary"], report["summary_ci"]
    assert set(ci) == set(summary) == {*dataset.LANGS, "all"}
    for g in summary:
        for m in stats.METRICS:
            assert set(ci[g][m]) == {"n", "value", "ci_low", "ci_high"} and ci[g][m]["value"] == summary[g][m]
    splits = report["splits"]
    assert splits["dev"]["questions"] + splits["test"]["questions"] == report["questions"] == 40
    assert splits["test"]["summary_ci"]["all"]["hit@1"]["n"] == splits["test"]["summary"]["all"]["answerable"]
    assert set(report["modes_ci"]) == set(report["modes"]) and report["modes_ci"]["dense"]["all"]["mrr"]["n"] > 0
    md = (runs["hybrid"] / "report.md").read_text(encoding="utf-8")
    n = ci["all"]["facts_right"]["n"]
    assert f"n={n}" in md and "## By split" in md and " [0." in md
    rows = [json.loads(x) for x in (runs["hybrid"] / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["split"] for r in rows} == {"dev", "test"}
