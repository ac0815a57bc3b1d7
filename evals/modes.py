"""``python -m evals.modes``: retrieval quality and latency per search mode, per language group.

    python -m evals.modes [--modes dense,lexical,hybrid] [--tokenizers bigram,jieba,...]
                          [--live] [--misses hybrid] [--rounds 1] [--json FILE]

Builds a throw-away index with the configured chunking (``--live`` uses the configured index
instead), then for each mode prints hit@1 / hit@3 / hit@5 / MRR per language group (the
definitions in ``evals.retrieval``) and retrieval latency after a warm-up pass (p50 / p95 ms per
question). ``--tokenizers`` repeats lexical and hybrid with each lexical tokenizer over the same
dense index, which is how RAG_LEXICAL_TOKENIZER was chosen. ``--misses MODE`` lists the answerable
questions whose evidence is not in that mode's first hit, with how many chunks hold the evidence
(more than one: the evidence is ambiguous between places).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

from evals import dataset, retrieval
from rag import config
from rag.config import SEARCH_MODES
from rag.index import ingest
from rag.index.lexical import TOKENIZERS, LexicalIndex
from rag.index.retrieve import Index, open_index


def measure(index: Index, questions: list[dataset.Question], modes: list[str], rounds: int = 1) -> dict:
    """Per mode: the summary, the rows of the first pass, and latency over ``rounds`` timed passes."""
    out = {}
    for mode in modes:
        retrieval.run(index, questions[:20], mode=mode)  # warm-up: model, OpenCC, caches
        rows = retrieval.run(index, questions, mode=mode)
        timed = list(rows)
        for _ in range(rounds - 1):
            timed += retrieval.run(index, questions, mode=mode)
        out[mode] = {"summary": retrieval.summarise(rows, questions), "rows": rows,
                     "latency": retrieval.latency(timed)}
    return out


def _print_misses(rows: list[dict], questions: list[dataset.Question], index: Index) -> None:
    texts = [c.text for c in index.lexical.chunks]
    by_id = {q.id: q for q in questions}
    for m in retrieval.misses(rows, questions):
        holders = sum(1 for t in texts if any(e in t for e in by_id[m["id"]].evidence))
        tag = " follow-up" if m["followup"] else ""
        print(f"- {m['id']} rank {m['rank']}{tag}, evidence in {holders} chunk(s): {m['query']}\n"
              f"    evidence: {m['evidence'][:60]}\n    top hit:  {m['top'][:60]}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.modes", description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default=",".join(SEARCH_MODES))
    parser.add_argument("--tokenizers", default="", help=f"compare lexical tokenizers: {','.join(TOKENIZERS)}")
    parser.add_argument("--questions", type=Path, action="append")
    parser.add_argument("--live", action="store_true", help="use the configured index instead of a fresh one")
    parser.add_argument("--misses", default="", help="list the misses of this mode")
    parser.add_argument("--rounds", type=int, default=1, help="timed passes over the questions per mode")
    parser.add_argument("--json", type=Path, help="also write summaries and latencies here")
    args = parser.parse_args()
    questions = dataset.load(args.questions)
    modes = [m for m in args.modes.split(",") if m]
    base = config.load()

    with tempfile.TemporaryDirectory() as tmp:
        settings = base
        if not args.live:
            settings = dataclasses.replace(base, data_dir=Path(tmp), chroma_path=Path(tmp) / "chroma")
            ingest.run(settings, progress=lambda done, total: None)
        t = time.perf_counter()
        index = open_index(settings)
        print(f"index: {index.size} chunks, chunking {index.generation.chunking}, lexical "
              f"{index.lexical.tokenizer} built in {index.lexical.build_ms:.1f} ms "
              f"(open {1000 * (time.perf_counter() - t):.0f} ms)", file=sys.stderr)

        report: dict = {"settings": {k: str(v) for k, v in dataclasses.asdict(settings).items()}}
        results = measure(index, questions, modes, args.rounds)
        print(retrieval.modes_table({m: r["summary"] for m, r in results.items()}))
        print("\n| mode | n | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
        for m, r in results.items():
            lat = r["latency"]
            print(f"| {m} | {lat['n']} | {lat['p50']} | {lat['p95']} | {lat['max']} |")
        report["modes"] = {m: {"summary": r["summary"], "latency": r["latency"]} for m, r in results.items()}

        if args.tokenizers:
            report["tokenizers"] = {}
            live_lexical = index.lexical
            for tok in args.tokenizers.split(","):
                t = time.perf_counter()
                LexicalIndex.build(live_lexical.chunks, tok)  # first build pays for jieba's dictionary
                first_ms = 1000 * (time.perf_counter() - t)
                index.lexical = LexicalIndex.build(live_lexical.chunks, tok)
                tr = measure(index, questions, ["lexical", "hybrid"])
                print(f"\ntokenizer {tok}: build {index.lexical.build_ms:.1f} ms "
                      f"(first in process {first_ms:.0f} ms), vocabulary {len(index.lexical.vocab)}")
                print(retrieval.modes_table({f"{m} ({tok})": r["summary"] for m, r in tr.items()}))
                report["tokenizers"][tok] = {"build_ms": index.lexical.build_ms, "first_build_ms": first_ms,
                                             **{m: r["summary"] for m, r in tr.items()}}
            index.lexical = live_lexical

        if args.misses:
            rows = results[args.misses]["rows"] if args.misses in results else \
                retrieval.run(index, questions, mode=args.misses)
            print(f"\nmisses at rank 1 ({args.misses}):")
            _print_misses(rows, questions, index)

    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
