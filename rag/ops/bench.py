"""``python -m rag.ops.bench``: the foundation's figures, printed and written to a JSON file.

Model conversion and load time, ingest time (cold, from an empty store, and warm, unchanged),
index size on disk, search latency and quote-check latency after warm-up. Timed here rather than in tests, because
a 2-core machine shared with other work gives noisy times; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from rag import config
from rag.index import e5_convert, embedder, ingest
from rag.index.retrieve import open_index

QUESTIONS = [
    "撥咗幾多錢搞全民AI培訓？",
    "How much money goes to AI training for the public?",
    "人工智能研發院幾時開始運作？",
    "沙岭数据园可以提供多少楼面面积？",
    "香港人工智能研發院何時投入運作？",
    "Who will run the national manufacturing innovation centre in Yuen Long?",
    "100億基金用嚟做乜？",
    "量子科技方面政府有什么措施？",
]


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def run(rounds: int = 20) -> dict:
    base = config.load()
    out: dict = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, "
                 f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}"}

    t = time.perf_counter()
    e5_convert.ensure_model(base.model_cache)
    out["model_ready_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    embedder.sentence_transformer(base)
    out["model_load_s"] = round(time.perf_counter() - t, 2)

    with tempfile.TemporaryDirectory() as tmp:
        settings = dataclasses.replace(base, data_dir=Path(tmp), chroma_path=Path(tmp) / "chroma")
        t = time.perf_counter()
        # Cold: every vector computed by the model (the vector cache off), as on a first ingest.
        report = ingest.run(dataclasses.replace(settings, vector_cache=False))
        out["ingest_cold_s"] = round(time.perf_counter() - t, 2)
        out["chunks"] = report.chunks
        t = time.perf_counter()
        ingest.run(settings)
        out["ingest_unchanged_s"] = round(time.perf_counter() - t, 2)
        ingest.run(settings, force=True)  # fills the vector cache, if it was empty
        t = time.perf_counter()
        ingest.run(settings, force=True)
        out["ingest_forced_from_vector_cache_s"] = round(time.perf_counter() - t, 2)
        out["index_bytes"] = _du(settings.chroma_path)

        index = open_index(settings)
        for q in QUESTIONS:  # warm-up
            index.search(q)
        # A new question each time (its embedding not remembered), and the same question again.
        for name, forget in (("search_ms", True), ("search_repeated_ms", False)):
            times = []
            for _ in range(rounds):
                for q in QUESTIONS:
                    if forget:
                        embedder.forget_queries()
                    t = time.perf_counter()
                    index.search(q)
                    times.append((time.perf_counter() - t) * 1000)
            out[name] = {"n": len(times), "p50": round(statistics.median(times), 1),
                         "p95": round(_pct(times, 0.95), 1), "max": round(max(times), 1)}
        out["quote_check_ms"] = _quote_bench(base, rounds)
        shutil.rmtree(settings.chroma_path, ignore_errors=True)
    return out


QUOTES = [
    "撥款5,000萬元支持全民AI培訓",  # verbatim
    "拨款5,000万元支持全民AI培训",  # verbatim after OpenCC
    "撥款6,000萬元支持全民AI培訓",  # near, changed figure
    "香港人工智能研發院將於上半年投入運作",  # near, changed period
    "The Sandy Ridge Data Park project can provide 250,000 square metres of floor area.",  # meaning
    "香港將於明年舉辦奧運會",  # not found
]


def _quote_bench(settings, rounds: int) -> dict:
    from rag.quote import check

    for q in QUOTES:  # warm-up: parses the corpus and embeds its sentences once
        check(q, settings)
    times = []
    for _ in range(rounds):
        for q in QUOTES:
            t = time.perf_counter()
            check(q, settings)
            times.append((time.perf_counter() - t) * 1000)
    return {"n": len(times), "p50": round(statistics.median(times), 1), "p95": round(_pct(times, 0.95), 1),
            "max": round(max(times), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m rag.ops.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default DATA_DIR/bench.json)")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    result = run(args.rounds)
    path = args.out or config.load().data_dir / "bench.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for key, value in result.items():
        print(f"{key:20} {value}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
