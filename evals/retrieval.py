"""Retrieval scores: hit@1, hit@3, hit@5 and MRR per language group.

A question is a hit at rank r when the r-th retrieved chunk contains one of its evidence spans
verbatim. Computed here from one top-5 retrieval per question, because llama-index's
RetrieverEvaluator scores one cut-off per run and matches expected node ids, not evidence text;
the numbers are the same definitions (hit rate, reciprocal rank).
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict

from evals.dataset import LANGS, Question, conversation
from rag.answer import followup
from rag.index import embedder
from rag.text import language

K = 5


def query_text(q: Question, by_id: dict[str, Question]) -> str:
    """A follow-up with the questions before it, as one text: how the stock baseline searches it."""
    return " ".join([p.question for p in conversation(q, by_id)] + [q.question])


def first_hit(texts: list[str], evidence: tuple[str, ...]) -> int | None:
    for rank, text in enumerate(texts, 1):
        if any(span in text for span in evidence):
            return rank
    return None


def score_one(q: Question, hits, ms: float) -> dict:
    texts = [h.chunk.text for h in hits]
    rank = first_hit(texts, q.evidence) if q.answerable else None
    return {"id": q.id, "lang": q.lang, "rank": rank, "retrieve_ms": round(ms, 1),
            "retrieved": [h.to_dict() for h in hits]}


def run(index, questions: list[Question], mode: str = "dense", k: int = K, timed: bool = True) -> list[dict]:
    """``timed``: forget question vectors before each search, so ``retrieve_ms`` is a new question's
    cost (the modes search the same texts); without it, scores only, at about a sixth of the time."""
    by_id = {q.id: q for q in questions}
    rows = []
    for q in questions:
        if timed:
            embedder.forget_queries()
        t = time.perf_counter()
        # As the pipeline searches (rag.answer.pipeline.stream): the follow-up rule decides whether the
        # earlier question joins the search, and the detected language picks the query form.
        lang = language.detect(q.question).lang
        earlier = [p.question for p in conversation(q, by_id)]
        query = followup.standalone(q.question, earlier, lang)
        hits = index.search(query, k=k, mode=mode, lang=lang, prefer=index.conversation_source(earlier))
        rows.append(score_one(q, hits, (time.perf_counter() - t) * 1000))
    return rows


def summarise(rows: list[dict], questions: list[Question]) -> dict[str, dict[str, float]]:
    """Per language group and overall, over answerable questions only."""
    answerable = {q.id for q in questions if q.answerable}
    groups: dict[str, list[int | None]] = defaultdict(list)
    for r in rows:
        if r["id"] in answerable:
            groups[r["lang"]].append(r["rank"])
            groups["all"].append(r["rank"])
    out = {}
    for lang in [*LANGS, "all"]:
        ranks = groups.get(lang, [])
        if not ranks:
            continue
        n = len(ranks)
        out[lang] = {
            "n": n,
            "hit@1": sum(1 for r in ranks if r is not None and r <= 1) / n,
            "hit@3": sum(1 for r in ranks if r is not None and r <= 3) / n,
            "hit@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
            "mrr": sum(1 / r for r in ranks if r is not None) / n,
        }
    return out


def table(summary: dict[str, dict[str, float]]) -> str:
    lines = ["| group | n | hit@1 | hit@3 | hit@5 | MRR |", "|---|---|---|---|---|---|"]
    for lang, s in summary.items():
        lines.append(f"| {lang} | {s['n']} | {s['hit@1']:.3f} | {s['hit@3']:.3f} | {s['hit@5']:.3f} | {s['mrr']:.3f} |")
    return "\n".join(lines)


def modes_table(summaries: dict[str, dict[str, dict[str, float]]]) -> str:
    """One row per (mode, group): the per-mode summaries side by side, for comparing modes."""
    lines = ["| mode | group | n | hit@1 | hit@3 | hit@5 | MRR |", "|---|---|---|---|---|---|---|"]
    for mode, summary in summaries.items():
        for lang, s in summary.items():
            lines.append(f"| {mode} | {lang} | {s['n']} | {s['hit@1']:.3f} | {s['hit@3']:.3f} | "
                         f"{s['hit@5']:.3f} | {s['mrr']:.3f} |")
    return "\n".join(lines)


def latency(rows: list[dict]) -> dict[str, float]:
    """p50 / p95 / max of the per-question retrieval times in ``rows`` (ms; nearest-rank p95)."""
    times = sorted(r["retrieve_ms"] for r in rows)
    if not times:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "max": 0.0}
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"n": len(times), "p50": round(statistics.median(times), 1), "p95": round(p95, 1),
            "max": round(times[-1], 1)}


def misses(rows: list[dict], questions: list[Question]) -> list[dict]:
    """Answerable questions whose evidence is not in the first hit: what to look at when a target is missed."""
    by_id = {q.id: q for q in questions}
    out = []
    for r in rows:
        q = by_id[r["id"]]
        if q.answerable and r["rank"] != 1:
            top = r["retrieved"][0]["text"] if r["retrieved"] else ""
            out.append({"id": q.id, "lang": q.lang, "rank": r["rank"], "followup": q.followup_of is not None,
                        "query": query_text(q, by_id), "top": top, "evidence": q.evidence[0]})
    return out
