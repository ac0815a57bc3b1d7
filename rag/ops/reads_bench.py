"""``python -m rag.ops.reads_bench``: the article reading mode against the passages mode, in one process.

Two ``Bot``s share one model (the bundled one, or an OpenAI-compatible server with ``--backend openai``) and
answer the same questions in blocks (article, passages, passages, article over two halves of the questions),
so both modes meet the same machine and keep their own prompt reuse; each is warmed first (the article read,
or put back from the saved prefix). Printed and written to JSON: first-token and whole-answer p50 and p95 per
mode, their ratios article / passages, the process's resident memory at the end and at its peak, and how the
article came to the model at start ("computed", "disk", …).

``--restart``: start ``app.py`` on a free loopback port and report the seconds to its "Ready" line (with the
prefix saved by an earlier start, that is the restart a user sees).

Give latencies as ratios measured in the same run: a 2-core machine's absolute figures move with whatever else
runs (docs/operations.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

from rag import config
from rag.answer.pipeline import Bot
from rag.ops.load import rss_mb

SEED = 26


def _memory() -> dict[str, float]:
    """Resident memory now and at its peak, in MB (/proc/self/status)."""
    wanted = {"VmRSS": "rss_mb", "VmHWM": "peak_rss_mb"}
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in wanted:
            out[wanted[key]] = round(int(value.split()[0]) / 1024)
    return out


def questions(path: Path, n: int, split: str | None) -> list[tuple[str, str]]:
    """``n`` answerable standalone questions of the eval set (a seeded sample, every language): (id, text)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("answerable") and not r.get("followup_of") and not r.get("adversarial")
            and (split is None or r.get("split") == split)]
    random.Random(SEED).shuffle(rows)
    return [(r["id"], r["question"]) for r in rows[:n]]


def _pct(values: list[float], q: float) -> float | None:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))]) if values else None


def run(settings: config.Settings, backend: str, asked: list[tuple[str, str]]) -> dict:
    """Both modes over ``asked``, alternating; per mode the answers' timings and the figures."""
    bots = {mode: Bot(dataclasses.replace(settings, llm_reads=mode)) for mode in ("article", "passages")}
    t0 = time.perf_counter()
    primed = bots["article"].prime(backend)
    prime_s = round(time.perf_counter() - t0, 1)
    bots["passages"].warm(backend)  # the rest of a warm-up (models, tables) is the process's, shared
    rows: dict[str, list[dict]] = {mode: [] for mode in bots}
    half = len(asked) // 2
    # In blocks, A B B A: the two modes share one model and one KV cache, so alternating question by question
    # would make each mode re-read the other's fixed start every time (the article's is put back from its
    # saved state, the passages mode's rules and examples are read again); blocks keep each mode's own reuse,
    # and the mirrored order cancels drift in the machine's speed.
    plan = [("article", asked[:half]), ("passages", asked[:half]), ("passages", asked[half:]),
            ("article", asked[half:])]
    for mode, block in plan:
        for qid, question in block:
            a = bots[mode].answer(question, backend=backend)
            rows[mode].append({"id": qid, "refused": a.refused, "backend": a.backend, **a.timings})
            print(f"{mode:8} {qid:12} first {a.timings.get('first_token_ms', 0):7.0f} ms  whole "
                  f"{a.timings.get('total_ms', 0):7.0f} ms  {a.text[:50]!r}", file=sys.stderr, flush=True)
    figures: dict[str, dict] = {}
    for mode, got in rows.items():
        first = [r["first_token_ms"] for r in got if "first_token_ms" in r]
        whole = [r["total_ms"] for r in got]
        figures[mode] = {"answers": len(got), "first_token_ms_p50": _pct(first, 0.5),
                         "first_token_ms_p95": _pct(first, 0.95), "total_ms_p50": _pct(whole, 0.5),
                         "total_ms_p95": _pct(whole, 0.95), "refused": sum(r["refused"] for r in got)}
    ratio = {k: round(figures["article"][k] / figures["passages"][k], 3) for k in ("first_token_ms_p50", "total_ms_p50")
             if figures["passages"].get(k) and figures["article"].get(k)}
    return {"backend": backend, "questions": len(asked), "article_primed": primed, "prime_s": prime_s,
            "modes": figures, "ratio_article_to_passages": ratio, "memory": _memory(), "rows": rows}


def restart_seconds(timeout: float = 300.0) -> dict:
    """Start ``app.py`` on a free port; seconds until it prints its "Ready" line, and its RSS then."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(config.ROOT / "app.py"), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if (m := re.search(r"Ready in ([\d.]+) s", line)) or time.perf_counter() - t0 > timeout:
                return {"ready_s": round(time.perf_counter() - t0, 1), "app_says_s": float(m[1]) if m else None,
                        "rss_mb": rss_mb(proc.pid)}
        return {"ready_s": None, "exit": proc.poll()}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rag.ops.reads_bench", description=__doc__.splitlines()[0])
    p.add_argument("--backend", choices=("bundled", "openai"), default="bundled")
    p.add_argument("--questions", type=Path, default=config.ROOT / "evals" / "questions.jsonl")
    p.add_argument("--split", choices=("dev", "test"), default=None)
    p.add_argument("-n", type=int, default=24, help="questions asked in each mode (default 24)")
    p.add_argument("--restart", action="store_true", help="also time app.py's start with the saved prefix")
    p.add_argument("--json", type=Path, help="write the report here too")
    args = p.parse_args(argv)
    try:
        settings = config.load()
    except config.ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report = run(settings, args.backend, questions(args.questions, args.n, args.split))
    if args.restart:
        report["restart"] = restart_seconds()
    brief = {k: v for k, v in report.items() if k != "rows"}
    print(json.dumps(brief, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
