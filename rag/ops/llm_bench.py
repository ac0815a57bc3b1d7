"""``python -m rag.ops.llm_bench``: how fast the bundled LLM is here, printed and written to JSON.

For each thread count (default 1 and 2) a fresh worker process loads the model as ``rag.llm.backends`` does and
measures: load and warm-up time; prompt processing and generation in tokens/s (llama.cpp's own perf
counters); first-token latency for a ~500-token grounded-answer prompt (question plus article
passages, rendered by the model's chat template), the figure a user waits for; and resident memory
(mapped weights and anonymous memory told apart). A process per thread count, so memory figures are
not mixed up between runs. A last check asks a question in Chinese and reports whether the answer is
in Chinese (a smoke check, not a quality evaluation).

A 2-core machine is easily shared with other work, so the report records the load average and the
CPU time other processes used during each timed run (in cores); the summary figures are medians over
the quiet runs (under 0.25 cores) when there are any. ``--wait-quiet 600`` waits up to that long
for a quiet moment before each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rag import config
from rag.config import ROOT

ARTICLE = ROOT / "corpus" / "wenweipo-budget-2026-ai-new-industries.txt"
#: A run counts as quiet when other processes used less CPU than this (in cores) while it ran.
QUIET_CORES = 0.25

SYSTEM = ("你是一個只根據所給資料回答問題的助手。請用與問題相同的語言回答，"
          "並在每句後用 [n] 標明所依據的段落編號。資料沒有提及的，請說資料沒有提及。")
QUESTION = "根據以上資料，政府為推動人工智能產業發展推出了哪些主要措施？請逐一列出並說明。"
ZH_CHECK = [
    {"role": "system", "content": "你是一個樂於助人的助手。"},
    {"role": "user", "content": "香港人工智能研發院的主要工作是甚麼？請用兩句話回答。"},
]


def _passages(text: str, n_chars: int) -> str:
    """The article's first ``n_chars`` characters of non-empty lines, numbered like retrieved passages."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    out, used = [], 0
    for line in lines:
        if used >= n_chars:
            break
        line = line[: n_chars - used]
        out.append(f"[{len(out) + 1}] {line}")
        used += len(line)
    return "\n".join(out)


def prompt_messages(llama: object, target_tokens: int) -> tuple[list[dict[str, str]], int]:
    """Messages whose rendered prompt is as close to ``target_tokens`` as whole characters allow."""
    from rag.llm.backends import _render

    text = ARTICLE.read_text(encoding="utf-8")

    def build(n: int) -> tuple[list[dict[str, str]], int]:
        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": f"資料：\n{_passages(text, n)}\n\n問題：{QUESTION}"}]
        prompt = _render(llama, messages).encode("utf-8")
        return messages, len(llama.tokenize(prompt, add_bos=False, special=True))  # type: ignore[attr-defined]

    lo, hi = 0, len(text)
    while lo < hi:  # the most passage text whose prompt stays within the target
        mid = (lo + hi + 1) // 2
        if build(mid)[1] <= target_tokens:
            lo = mid
        else:
            hi = mid - 1
    return build(lo)


def _memory() -> dict[str, float]:
    """Resident memory in MB: total, anonymous (buffers, KV cache), file-backed (mmapped weights), peak."""
    wanted = {"VmRSS": "rss_mb", "RssAnon": "rss_anon_mb", "RssFile": "rss_file_mb", "VmHWM": "peak_rss_mb"}
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in wanted:
            out[wanted[key]] = round(int(value.split()[0]) / 1024, 1)
    return out


def _cjk_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum("\u4e00" <= c <= "\u9fff" for c in letters) / max(1, len(letters))


def worker(threads: int, runs: int, gen_tokens: int, prompt_tokens: int, zh_check: bool,
           wait_quiet_s: float = 0.0) -> dict:
    """Measure one thread count in this process; returns the figures."""
    import llama_cpp

    from rag.llm import backends, models

    settings = config.load()
    path = str(models.ensure_gguf(settings.model_cache))
    started = time.perf_counter()
    llama = backends.new_llama(path, settings.llm_ctx, threads)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    backends.warm_up(llama)
    warm_s = time.perf_counter() - started
    after_load = _memory()

    messages, n_prompt = prompt_messages(llama, prompt_tokens)
    samples = []
    for _ in range(runs):
        if wait_quiet_s:
            wait_for_quiet(wait_quiet_s)
        llama.reset()  # no reuse of the previous run's prompt from the KV cache: process all of it
        # llama.cpp's own counters (through the private context handle; there is no public one).
        llama_cpp.llama_perf_context_reset(llama._ctx.ctx)
        busy_before, self_before = _cpu_busy_s(), _self_cpu_s()
        started = time.perf_counter()
        first = None
        pieces = []
        for chunk in llama.create_chat_completion(messages, max_tokens=gen_tokens, temperature=0.0,
                                                  seed=backends.SEED, repeat_penalty=1.0, stream=True):
            text = chunk["choices"][0]["delta"].get("content")
            if text:
                first = first or time.perf_counter() - started
                pieces.append(text)
        total = time.perf_counter() - started
        other = max(0.0, (_cpu_busy_s() - busy_before) - (_self_cpu_s() - self_before)) / total
        perf = llama_cpp.llama_perf_context(llama._ctx.ctx)
        samples.append({
            "other_processes_cores": other, "first_token_s": first, "total_s": total,
            "prompt_tokens": perf.n_p_eval, "prompt_tok_s": perf.n_p_eval / (perf.t_p_eval_ms / 1000),
            "gen_tokens": perf.n_eval, "gen_tok_s": perf.n_eval / (perf.t_eval_ms / 1000),
        })
    # Summaries over the samples taken while other processes left the cores alone, if there are any.
    quiet = [s for s in samples if s["other_processes_cores"] < QUIET_CORES] or samples
    out = {
        "threads": threads,
        "load_s": round(load_s, 2),
        "warm_up_s": round(warm_s, 2),
        "prompt_tokens": n_prompt,
        "runs": runs,
        "quiet_runs": sum(s["other_processes_cores"] < QUIET_CORES for s in samples),
        "first_token_s": round(statistics.median(s["first_token_s"] for s in quiet), 2),
        "prompt_tok_s": round(statistics.median(s["prompt_tok_s"] for s in quiet), 1),
        "gen_tokens": samples[-1]["gen_tokens"],
        "gen_tok_s": round(statistics.median(s["gen_tok_s"] for s in quiet), 1),
        "answer_total_s": round(statistics.median(s["total_s"] for s in quiet), 2),
        "other_processes_cores": round(statistics.median(s["other_processes_cores"] for s in quiet), 2),
        "samples": [{k: round(v, 3) if isinstance(v, float) else v for k, v in s.items()} for s in samples],
        "memory_after_load": after_load,
        "memory_after_runs": _memory(),
        "answer_excerpt": "".join(pieces)[:200],
    }
    if zh_check:
        answer = "".join(backends.BundledLLM(name="bundled", context_window=llama.n_ctx(), llama=llama)
                         .stream(ZH_CHECK, max_tokens=60))
        out["chinese_check"] = {"question": ZH_CHECK[-1]["content"], "answer": answer,
                                "cjk_share": round(_cjk_share(answer), 2),
                                "passed": _cjk_share(answer) >= 0.5}
    return out


def _self_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_busy_s() -> float:
    """Seconds of CPU time all processes used since boot (from /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(max_wait_s: float, threshold_cores: float = 0.15, sample_s: float = 3.0) -> float:
    """Wait (up to ``max_wait_s``) until other processes use under ``threshold_cores``; return their use."""
    deadline = time.monotonic() + max_wait_s
    while True:
        before = _cpu_busy_s()
        time.sleep(sample_s)
        used = (_cpu_busy_s() - before) / sample_s
        if used < threshold_cores or time.monotonic() > deadline:
            return round(used, 2)
        time.sleep(5)


def run(threads: list[int], runs: int, gen_tokens: int, prompt_tokens: int, out_path: Path,
        wait_quiet_s: float = 0.0) -> dict:
    settings = config.load()
    report: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "model": "qwen2.5-coder-1.5b-instruct-q4_k_m (bundled)",
        "n_ctx": settings.llm_ctx,
        "results": [],
    }
    for i, n in enumerate(threads):
        load_before = os.getloadavg()
        busy_before, child_before = _cpu_busy_s(), resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        cmd = [sys.executable, "-m", "rag.ops.llm_bench", "--worker", str(n), "--runs", str(runs),
               "--gen", str(gen_tokens), "--prompt-tokens", str(prompt_tokens), "--wait-quiet", str(wait_quiet_s)]
        if i == len(threads) - 1:
            cmd.append("--zh-check")
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode:
            raise RuntimeError(f"worker for {n} threads failed:\n{proc.stderr[-3000:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        wall = time.perf_counter() - started
        child_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        worker_cpu = (child_after.ru_utime - child_before.ru_utime) + (child_after.ru_stime - child_before.ru_stime)
        result["machine_load"] = {
            "loadavg_1m_before": round(load_before[0], 2),
            "loadavg_1m_after": round(os.getloadavg()[0], 2),
            # CPU other processes used during the whole worker, in cores (0 = quiet; 2 = both taken).
            "other_processes_cores_whole_worker": round(
                max(0.0, _cpu_busy_s() - busy_before - worker_cpu) / wall, 2),
        }
        report["results"].append(result)
        if "chinese_check" in result:
            report["chinese_check"] = result.pop("chinese_check")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def _print(report: dict, out_path: Path) -> None:
    print(f"{report['model']}, n_ctx {report['n_ctx']}, {report['machine']}, {report['date']}")
    print(f"{'threads':>7} {'load s':>7} {'warm s':>7} {'prompt':>6} {'pp tok/s':>9} {'1st tok s':>9} "
          f"{'tg tok/s':>9} {'RSS MB':>7} {'anon MB':>7} {'quiet runs':>10} {'other cores':>11}")
    for r in report["results"]:
        mem = r["memory_after_runs"]
        print(f"{r['threads']:>7} {r['load_s']:>7} {r['warm_up_s']:>7} {r['prompt_tokens']:>6} "
              f"{r['prompt_tok_s']:>9} {r['first_token_s']:>9} {r['gen_tok_s']:>9} {mem['rss_mb']:>7} "
              f"{mem['rss_anon_mb']:>7} {r['quiet_runs']:>4} of {r['runs']:<3} {r['other_processes_cores']:>11}")
    zh = report.get("chinese_check")
    if zh:
        print(f"Chinese check: {'passed' if zh['passed'] else 'FAILED'} (CJK share {zh['cjk_share']}): "
              f"{zh['answer'][:80]!r}")
    print(f"written to {out_path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure the bundled LLM's speed and memory.")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    parser.add_argument("--runs", type=int, default=3, help="timed answers per thread count (median kept)")
    parser.add_argument("--gen", type=int, default=64, help="tokens to generate per answer")
    parser.add_argument("--prompt-tokens", type=int, default=500, help="prompt length in tokens")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="before each run, wait up to this long for other processes to go quiet")
    parser.add_argument("--out", type=Path, default=None, help="JSON report (default DATA_DIR/llm_bench.json)")
    parser.add_argument("--worker", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--zh-check", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.runs, args.gen, args.prompt_tokens, args.zh_check,
                                args.wait_quiet), ensure_ascii=False))
        return 0
    out_path = args.out or config.load().data_dir / "llm_bench.json"
    threads = [int(t) for t in args.threads.split(",")]
    _print(run(threads, args.runs, args.gen, args.prompt_tokens, out_path, args.wait_quiet), out_path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
