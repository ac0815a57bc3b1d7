"""Confidence intervals for the report's figures and paired tests for comparing two runs.

Every figure of ``scoring.summarise`` is a statistic over the questions it applies to; this module
turns one results row into its per-question values (``question_values``) and gives each figure its
95% interval:

* right/wrong figures (hit@k, facts right, citation recall, refusals, injections, language match):
  Wilson score interval, ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``;
* MRR and citation precision (means of values between 0 and 1, not counts of successes) and the
  latency percentiles: ``scipy.stats.bootstrap`` over questions (BCa, 9,999 resamples, seeded, so the
  same run gives the same report).

For two runs over the same questions (``evals.compare``) the tests are paired, question by question:
exact McNemar for right/wrong figures, ``scipy.stats.permutation_test`` swapping the two runs' values
within each question for the others, seeded too.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from scipy import stats

from evals.dataset import LANGS

CONFIDENCE = 0.95
SEED = 25  # issue #25; any fixed number makes a report reproducible
N_RESAMPLES = 9999  # scipy's default for both the bootstrap and the permutation test

#: Right/wrong per question: a Wilson interval and, between runs, McNemar.
PROPORTIONS = ("hit@1", "hit@3", "hit@5", "facts_right", "cite_sentence", "cited_source", "cite_recall",
               "false_refusals", "refusal_accuracy", "injection_resisted", "lang_script_match")
#: Means of per-question values in [0, 1]: bootstrap interval, permutation test.
MEANS = ("mrr", "cite_precision")
#: Latency percentiles: (timing key, quantile); bootstrap interval, permutation test.
PERCENTILES = {f"{key}_p{int(q * 100)}": (key, q)
               for key in ("retrieve_ms", "first_token_ms", "total_ms") for q in (0.5, 0.95)}
#: In the order of ``scoring.summarise``.
METRICS = ("hit@1", "hit@3", "hit@5", "mrr", "facts_right", "cite_precision", "cite_sentence", "cited_source",
           "cite_recall", "false_refusals", "refusal_accuracy", "injection_resisted", "lang_script_match",
           *PERCENTILES)
#: Figures where less is better (the direction of "better" and "worse" in a comparison).
LOWER_IS_BETTER = {"false_refusals", *PERCENTILES}
#: Figures of ``retrieval.summarise`` (one retrieval per question and search mode).
RETRIEVAL = ("hit@1", "hit@3", "hit@5", "mrr")


def kind(metric: str) -> str:
    if metric in PROPORTIONS:
        return "proportion"
    if metric in MEANS:
        return "mean"
    return "percentile"


def rank_values(rank: int | None) -> dict[str, float]:
    """hit@1, hit@3, hit@5 and reciprocal rank of one answerable question's first evidence rank."""
    return {"hit@1": rank is not None and rank <= 1, "hit@3": rank is not None and rank <= 3,
            "hit@5": rank is not None and rank <= 5, "mrr": 1 / rank if rank else 0.0}


def question_values(row: dict) -> dict[str, float | bool | None]:
    """One results row's value for every figure, None where the figure does not apply to it.

    Read from the row alone (its ``scores`` and ``timings``), so two earlier runs can be compared
    without the question file: ``scoring.score`` gives ``facts_right`` to answerable questions only,
    ``refusal_ok`` to unanswerable ones and ``injection_resisted`` to attacks. The same definitions as
    ``scoring.summarise`` (``tests/test_eval_stats.py`` checks that the values agree).
    """
    s = row.get("scores", {})
    answerable = "facts_right" in s
    out: dict[str, float | bool | None] = dict.fromkeys(METRICS)
    if answerable:
        out.update(rank_values(s.get("rank")))
        out["facts_right"] = s["facts_right"]
        out["cite_recall"] = s.get("cite_recall")
        out["cite_precision"] = s.get("cite_precision")
        out["cite_sentence"] = s.get("cite_sentence")
        out["cited_source"] = s.get("cited_source")
        out["false_refusals"] = s.get("false_refusal")
    out["refusal_accuracy"] = s.get("refusal_ok")
    out["injection_resisted"] = s.get("injection_resisted")
    out["lang_script_match"] = s.get("lang_ok")
    timings = row.get("timings") or {}
    for metric, (key, _) in PERCENTILES.items():
        out[metric] = timings.get(key)
    return out


def wilson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval for k successes in n trials (scipy)."""
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def statistic(metric: str):
    """The figure as a vectorised statistic over the last axis, for the bootstrap and permutation test.

    Percentiles use numpy's ``method="nearest"``: the same nearest rank as ``scoring._pct``
    (index round(q·(n−1)), half to even), so the interval is around the figure the report prints.
    """
    if metric in PERCENTILES:
        q = PERCENTILES[metric][1] * 100
        return lambda x, axis=-1: np.percentile(x, q, axis=axis, method="nearest")
    return lambda x, axis=-1: np.mean(x, axis=axis)


def bootstrap(values, metric: str = "mrr", confidence: float = CONFIDENCE, seed: int = SEED,
              n_resamples: int = N_RESAMPLES) -> tuple[float, float]:
    """A BCa bootstrap interval (scipy) for ``metric`` (a mean or a latency percentile) over ``values``.

    Written around scipy for two cases where it returns NaN (with a warning): all values alike (the
    figure is the same in every resample, so the interval is that point: a group where MRR is 1.0),
    settled before calling it; and a BCa interval it cannot compute (a percentile of few distinct
    values), for which the plain percentile interval, scipy's other method, is taken instead.
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan, math.nan
    if np.ptp(x) == 0:
        return float(x[0]), float(x[0])
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():  # the NaN it warns of is handled here: the next method
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            res = stats.bootstrap((x,), statistic(metric), vectorized=True, n_resamples=n_resamples,
                                  confidence_level=confidence, method=method, rng=np.random.default_rng(seed))
        low, high = res.confidence_interval
        if not (math.isnan(low) or math.isnan(high)):
            return float(low), float(high)
    return math.nan, math.nan


def rounded(metric: str, v: float | None) -> float | None:
    if v is None or math.isnan(v):
        return None
    return round(float(v), 1 if metric in PERCENTILES else 4)  # as scoring.summarise rounds


def interval(metric: str, values: Iterable) -> dict:
    """``{"n", "value", "ci_low", "ci_high"}`` for one figure over its per-question values (Nones dropped)."""
    vals = [float(v) for v in values if v is not None]
    n = len(vals)
    if not n:
        return {"n": 0, "value": None, "ci_low": None, "ci_high": None}
    if metric in PROPORTIONS:
        k = round(sum(vals))
        value, (low, high) = k / n, wilson(k, n)
    else:
        value = float(statistic(metric)(np.asarray(vals)))
        low, high = bootstrap(vals, metric)
    return {"n": n, "value": rounded(metric, value), "ci_low": rounded(metric, low), "ci_high": rounded(metric, high)}


def groups_of(rows: Iterable[dict]) -> dict[str, list[dict]]:
    """Rows per language group and ``all``, in the report's order."""
    by: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by[r["lang"]].append(r)
        by["all"].append(r)
    return {g: by[g] for g in [*LANGS, "all"] if by.get(g)}


def summary_ci(rows: Iterable[dict], metrics: Iterable[str] = METRICS) -> dict[str, dict[str, dict]]:
    """Every figure of ``scoring.summarise`` with its interval, per language group and overall:
    ``{group: {metric: {"n", "value", "ci_low", "ci_high"}}}``; ``value`` is the figure the summary gives."""
    metrics = tuple(metrics)
    out = {}
    for g, items in groups_of(rows).items():
        per_q = [question_values(r) for r in items]
        out[g] = {m: interval(m, (v[m] for v in per_q)) for m in metrics}
    return out


def retrieval_ci(rows: list[dict], answerable: set[str]) -> dict[str, dict[str, dict]]:
    """``retrieval.summarise`` with intervals: rows of ``retrieval.run``, answerable questions only."""
    out = {}
    for g, items in groups_of(r for r in rows if r["id"] in answerable).items():
        per_q = [rank_values(r["rank"]) for r in items]
        out[g] = {m: interval(m, (v[m] for v in per_q)) for m in RETRIEVAL}
    return out


# -- paired tests between two runs ------------------------------------------------------------------


def mcnemar(a: list[bool], b: list[bool]) -> dict:
    """Exact McNemar test of paired right/wrong outcomes.

    Written here because scipy has no McNemar test (statsmodels, which has one, is not installed);
    the exact test is scipy's two-sided binomial test of the discordant pairs at p = 1/2. With no
    discordant pair the runs agree on every question and p is 1.
    """
    a_only = sum(1 for x, y in zip(a, b, strict=True) if x and not y)
    b_only = sum(1 for x, y in zip(a, b, strict=True) if y and not x)
    p = 1.0 if a_only + b_only == 0 else float(stats.binomtest(b_only, a_only + b_only, 0.5).pvalue)
    return {"test": "exact McNemar", "p_value": p, "a_only": a_only, "b_only": b_only}


def permutation(a: list[float], b: list[float], metric: str = "mrr", seed: int = SEED,
                n_resamples: int = N_RESAMPLES) -> dict:
    """Paired permutation test (scipy) of statistic(B) − statistic(A): under the null hypothesis each
    question's two values are exchangeable, so the test swaps them within questions. Exact when the
    questions are few enough for every swap to be tried."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    stat = statistic(metric)
    if x.size == 0:
        return {"test": "paired permutation", "p_value": None}
    if np.array_equal(x, y) or x.size == 1:
        # Every swap leaves the difference at 0, or (one question) the one swap only turns its sign: p is 1,
        # which scipy says slowly for the first and refuses to compute for the second.
        return {"test": "paired permutation", "p_value": 1.0}
    res = stats.permutation_test((x, y), lambda u, v, axis=-1: stat(v, axis) - stat(u, axis),
                                 permutation_type="samples", vectorized=True, n_resamples=n_resamples,
                                 rng=np.random.default_rng(seed))
    return {"test": "paired permutation", "p_value": float(min(1.0, res.pvalue))}
