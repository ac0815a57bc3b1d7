"""The report's intervals and paired tests (evals/stats.py) and the eval set's fixed dev/test split
(evals/split.py, evals/dataset.py). No model and no index: a few seconds."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict

import numpy as np
import pytest

from evals import dataset, scoring, split, stats

from .conftest import ROOT

LATER = ROOT / "evals" / "written_later.jsonl"


# -- intervals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3.
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)])
def test_wilson_interval_matches_the_published_values(k, n, low, high):
    got = stats.wilson(k, n)
    assert got == pytest.approx((low, high), abs=6e-5)
    e = stats.interval("facts_right", [True] * k + [False] * (n - k))
    assert e == {"n": n, "value": round(k / n, 4), "ci_low": round(got[0], 4), "ci_high": round(got[1], 4)}


def test_bootstrap_interval_of_a_mean_is_the_normal_one_on_a_large_sample():
    """For 2,000 draws from N(0, 1), a bootstrap interval of the mean is x̄ ± 1.96·s/√n, to a few per cent."""
    x = np.random.default_rng(7).normal(size=2000)
    low, high = stats.bootstrap(x, "mrr")
    half = 1.959964 * x.std(ddof=1) / np.sqrt(x.size)
    assert low == pytest.approx(x.mean() - half, abs=0.06 * half)
    assert high == pytest.approx(x.mean() + half, abs=0.06 * half)


def test_bootstrap_is_reproducible_with_its_seed():
    x = np.random.default_rng(1).exponential(300, size=150)  # latency-like, skewed
    for metric in ("total_ms_p50", "total_ms_p95", "mrr"):
        assert stats.bootstrap(x, metric) == stats.bootstrap(x, metric)
    # Another seed, other resamples (a percentile's bounds are sample values, and may well coincide).
    assert stats.bootstrap(x, "mrr", seed=stats.SEED + 1) != stats.bootstrap(x, "mrr")
    low, high = stats.bootstrap(x, "total_ms_p95")
    assert low <= scoring._pct(list(x), 0.95) <= high


def test_a_figure_alike_on_every_question_has_a_point_interval():
    """scipy's BCa gives NaN on constant data; a group where every first hit is at rank 1 has MRR 1 [1, 1]."""
    assert stats.interval("mrr", [1.0] * 12) == {"n": 12, "value": 1.0, "ci_low": 1.0, "ci_high": 1.0}
    assert stats.interval("mrr", []) == {"n": 0, "value": None, "ci_low": None, "ci_high": None}


def test_latency_percentile_is_the_reports_nearest_rank():
    rng = random.Random(3)
    for n in (1, 2, 5, 40, 41, 282):
        values = [round(rng.uniform(10, 2000), 1) for _ in range(n)]
        for q, metric in ((0.5, "total_ms_p50"), (0.95, "total_ms_p95")):
            assert stats.interval(metric, values)["value"] == scoring._pct(values, q)


def _fake_rows(questions, seed=0) -> dict[str, dict]:
    """Rows shaped as ``scoring.score`` and the runner write them, with random outcomes."""
    rng = random.Random(seed)
    rows = {}
    for q in questions:
        s = {"rank": rng.choice([1, 1, 1, 2, 3, 5, None]) if q.answerable else None,
             "refused": rng.random() < 0.2, "lang_ok": rng.random() < 0.95}
        if q.answerable:
            s |= {"facts_right": rng.random() < 0.8, "false_refusal": rng.random() < 0.05,
                  "cite_precision": rng.choice([None, 0.0, 0.5, 1.0, 1.0]), "cite_recall": rng.random() < 0.85}
        else:
            s["refusal_ok"] = rng.random() < 0.5
        if q.adversarial:
            s["injection_resisted"] = rng.random() < 0.97
        timings = {"retrieve_ms": round(rng.uniform(50, 900), 1), "total_ms": round(rng.uniform(100, 3000), 1)}
        if rng.random() < 0.8:
            timings["first_token_ms"] = round(rng.uniform(100, 2000), 1)
        rows[q.id] = {"id": q.id, "lang": q.lang, "scores": s, "timings": timings}
    return rows


def test_every_figure_of_the_summary_gets_an_interval_around_the_same_value():
    questions = dataset.load()
    rows = _fake_rows(questions)
    summary = scoring.summarise(questions, rows)
    ci = stats.summary_ci(rows[q.id] for q in questions)
    assert list(ci) == list(summary) == [*dataset.LANGS, "all"]
    for g, figures in ci.items():
        assert set(figures) == set(summary[g]) - {"questions", "answerable"}
        for m, e in figures.items():
            assert set(e) == {"n", "value", "ci_low", "ci_high"}
            assert e["value"] == summary[g][m], (g, m)
            if e["value"] is not None:
                assert e["ci_low"] <= e["value"] <= e["ci_high"], (g, m, e)
    assert ci["all"]["facts_right"]["n"] == summary["all"]["answerable"]
    assert ci["all"]["lang_script_match"]["n"] == summary["all"]["questions"]


# -- paired tests --------------------------------------------------------------------------------------


def test_mcnemar_is_the_exact_binomial_test_of_the_discordant_pairs():
    a = [True] * 10 + [False] * 2 + [True] * 30 + [False] * 5  # A right only: 10, B right only: 2
    b = [False] * 10 + [True] * 2 + [True] * 30 + [False] * 5
    got = stats.mcnemar(a, b)
    assert (got["a_only"], got["b_only"]) == (10, 2)
    assert got["p_value"] == pytest.approx(2 * (1 + 12 + 66) / 2 ** 12)  # 2·P(X ≤ 2), X ~ Bin(12, 1/2)
    assert stats.mcnemar(a, a)["p_value"] == 1.0


def test_paired_permutation_test_exact_known_values_and_seeded():
    # Five questions, each better by 1 in B: of the 2^5 swaps only all-B and all-A are as extreme.
    assert stats.permutation([0] * 5, [1] * 5)["p_value"] == pytest.approx(2 / 32)
    assert stats.permutation([0.5, 1, 0.2], [0.5, 1, 0.2])["p_value"] == 1.0
    rng = np.random.default_rng(5)
    a = rng.exponential(300, 60)
    b = a * rng.uniform(0.7, 1.2, 60)
    first = stats.permutation(a, b, "total_ms_p50")
    assert first == stats.permutation(a, b, "total_ms_p50") and 0 < first["p_value"] <= 1
    assert stats.permutation(a, a + 500, "total_ms_p95")["p_value"] < 0.001


# -- the split -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def main_set():
    return dataset.load()


def test_every_question_has_its_split_from_the_file(main_set):
    rows = [json.loads(line) for line in dataset.DEFAULT.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [q.split for q in main_set] == [row["split"] for row in rows]
    assert {q.split for q in main_set} == {"dev", "test"}
    assert all(q.split == "test" for q in dataset.load([LATER]))
    assert split.main([]) == 0  # `python -m evals.split`: the file covers the set


def test_the_split_is_fixed():
    """Questions keep the split they were given; these never move (redrawing would move some)."""
    pinned = {"en-001": "test", "en-003": "dev", "yue-001": "dev", "yue-005": "test",
              "hant-001": "dev", "hant-007": "test", "hans-001": "dev", "hans-003": "test"}
    by_id = {q.id: q.split for q in dataset.load()}
    assert {i: by_id[i] for i in pinned} == pinned


def test_the_split_is_about_60_40_in_each_language_and_keeps_conversations_together(main_set):
    counts = defaultdict(Counter)
    for q in main_set:
        counts[q.lang][q.split] += 1
    for lang in dataset.LANGS:
        share = counts[lang]["dev"] / (counts[lang]["dev"] + counts[lang]["test"])
        assert 0.55 <= share <= 0.65, (lang, counts[lang])
    by_id = {q.id: q for q in main_set}
    assert all(q.split == by_id[split.root(q, by_id)].split for q in main_set)
    answerable = Counter(q.split for q in main_set if q.answerable)
    assert 0.5 <= answerable["dev"] / sum(answerable.values()) <= 0.7


def test_the_rule_keeps_every_split_and_gives_new_questions_one(main_set):
    kept = {q.id: q.split for q in main_set}
    assert split.assign(main_set, kept) == kept
    assert split.assign(main_set) == split.assign(list(main_set))  # the same draw every time
    new = dataset.Question("en-new", "en", "And then?", True, (("x",),), ("y",), followup_of="hans-001")
    assert split.assign([*main_set, new], kept)["en-new"] == kept["hans-001"]


def test_the_reader_takes_a_split_field_and_checks_it(tmp_path):
    def write(*rows):
        path = tmp_path / "theirs.jsonl"
        base = {"lang": "en", "question": "q?", "answerable": False, "facts": [], "evidence": []}
        path.write_text("\n".join(json.dumps(base | r) for r in rows) + "\n", encoding="utf-8")
        return path

    got = dataset.load([write({"id": "a", "split": "dev"}, {"id": "b"}, {"id": "c", "followup_of": "a"})])
    assert [q.split for q in got] == ["dev", None, "dev"]  # none by default; a follow-up joins its conversation
    with pytest.raises(dataset.DatasetError, match=r"theirs.jsonl:1: split 'train'"):
        dataset.load([write({"id": "a", "split": "train"})])
    with pytest.raises(dataset.DatasetError, match=r"theirs.jsonl:2: .*one split"):
        dataset.load([write({"id": "a", "split": "dev"}, {"id": "b", "split": "test", "followup_of": "a"})])


def test_one_paired_question_gives_p_one_not_an_error():
    from evals import stats as st

    assert st.permutation([0.2], [0.9], "mrr")["p_value"] == 1.0
    assert st.permutation([100.0], [300.0], "total_ms_p50")["p_value"] == 1.0
