"""``python -m rag.ops.growth``: what a corpus that grows costs and does to answers, at 1, 10, 100 articles.

Corpus n is the Budget article (corpus/*.txt) and n - 1 made-up articles that talk in its vocabulary
(``rag.ops.growth_articles``), written to a temporary folder. For each n, in one process:

* **ingest** into a fresh data folder, timed, from the vector cache's cold state (a private, empty cache:
  every vector computed and written, as on a first ingest), with where the time went (parse and chunk, the
  English view, the model, the vector cache, Chroma's writes); the model is loaded before the clock starts
  and its load time given apart;
* **index size** on disk (Chroma's folder, or the server's) and the chunk count;
* **retrieval** over the eval set's questions as the pipeline searches them (``evals.retrieval.run``: the
  follow-up rule, the language's query form), p50 / p95 after a warm-up pass, each question's vector computed
  anew; hit@3 on the Budget article's answerable questions (a hit: one of the top 3 chunks holds an evidence
  string), its change from n = 1 in the same run, and how many questions had another article's chunk in
  their top 3;
* **refusals** with the extractive backend: the share of unanswerable questions refused (and of those, the
  share refused before any model by ``rag.answer.refuse``), of answerable ones answered, and of answers
  quoting only made-up articles;
* **the article reading mode**: the corpus's estimated tokens per view (``LLM.count_tokens``, the estimate
  the ``openai`` backend budgets with; Qwen's own tokenizer gives fewer) with room for a question and answer
  (``pipeline.ROOM``), against the window (``--ctx``, the 8,192 the mode is run with), and what a ``Bot`` in
  that mode actually gave a model to read: the whole corpus, the one article search found (whole, when it
  fits alone) or search's passages (a scripted model, so no LLM is loaded).

``--server``: the largest n again against a real ``chroma run`` on loopback.

No language model is loaded: answers are the extractive backend's, and ingest runs without
``RAG_INGEST_NAMES`` (which has the LLM_BACKEND's model read every new article for its names, block by block:
a cost of its own, cached per article, not measured here).

A Markdown table goes to stdout, everything to JSON (``--json``, default DATA_DIR/growth.json, rewritten
after every row). Times are the machine's of the moment: compare n with n in one run. On 2 cores shared with
other work, set ``RAG_THREADS=1``: torch's two threads collapse when another process keeps a core busy (a
question's vector took 1.6-2.1 s with 2 threads, 0.1 s with 1, on the same index a minute apart).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from rag import config
from rag.ops import growth_articles, procs

#: Asked of a ``Bot`` in the article mode, one per view, to see what it gives the model to read.
ARTICLE_QUESTIONS = {"cmn-Hant": "香港人工智能研發院何時投入運作？",
                     "en": "When will the Hong Kong AI Research and Development Institute start operating?"}


def du(path: Path) -> int:
    """Bytes of every file under ``path`` (0 if it does not exist)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def cold_model_cache(root: Path, base: config.Settings) -> Path:
    """A model cache of our own: the converted embedding model linked in, and no vector cache yet.

    The project's cache holds the vectors of every text embedded before (the Budget article's among them),
    so an ingest there is not a first ingest; a private one is, without touching the project's.
    """
    from rag.index import e5_convert

    cache = root / "models"
    cache.mkdir(parents=True, exist_ok=True)
    model = e5_convert.ensure_model(base.model_cache)
    link = cache / model.name
    if not link.exists():
        link.symlink_to(model, target_is_directory=True)
    return cache


# --------------------------------------------------------------------------------------------------
# Ingest, timed by phase


@contextlib.contextmanager
def phase_clock() -> Iterator[dict[str, float]]:
    """Seconds spent, while inside, in each phase of ``rag.index.ingest.run``: its functions wrapped with a
    timer and put back after. Measures only: the ingest does what it always does."""
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.index import embedder, ingest, store

    spent: dict[str, float] = {}
    targets = [(ingest, "plan", "parse_chunk_s"), (ingest, "find_names", "names_s"), (ingest, "to_nodes", "views_s"),
               (embedder, "embed_passages", "embed_s"), (embedder.VectorCache, "get", "vector_cache_s"),
               (embedder.VectorCache, "put", "vector_cache_s"), (ChromaVectorStore, "add", "chroma_add_s"),
               (store, "new_generation", "store_s"), (store, "promote", "store_s"), (store, "drop_stale", "store_s")]
    targets = [t for t in targets if t[1] in t[0].__dict__]  # a phase the ingest no longer has is not timed
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in targets]

    def timed(fn, key: str):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - t
        return wrapper

    try:
        for (owner, name, key), (_, _, fn) in zip(targets, saved, strict=True):
            setattr(owner, name, timed(fn, key))
        yield spent
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)


def timed_ingest(settings: config.Settings) -> dict:
    """Ingest ``settings.corpus_dir`` into its (empty) store: seconds in all and by phase, files and chunks.

    ``embed_s`` is the model's own share (the vector cache's lookups and writes taken out); ``other_s`` is
    what no phase accounts for (opening Chroma, checks, the lock).
    """
    from rag.index import embedder, ingest

    t = time.perf_counter()
    embedder.embed_model(settings)  # loaded before the clock: a process loads it once for everything
    model_load = time.perf_counter() - t
    with phase_clock() as spent:
        t = time.perf_counter()
        report = ingest.run(settings)
        seconds = time.perf_counter() - t
    spent["embed_s"] = spent.get("embed_s", 0.0) - spent.get("vector_cache_s", 0.0)
    spent["other_s"] = seconds - sum(spent.values())
    return {"seconds": round(seconds, 2), "model_load_s": round(model_load, 2), "files": report.files,
            "chunks": report.chunks, "phases": {k: round(v, 2) for k, v in sorted(spent.items())}}


# --------------------------------------------------------------------------------------------------
# Retrieval, refusals, the article mode


def retrieval(index, questions: list, mode: str, budget: str) -> dict:
    """Latency and hit@k over ``questions`` as the pipeline searches them (``evals.retrieval``), after one
    untimed pass; ``intruded``: answerable questions with a chunk of another article among their top 3."""
    from evals import retrieval as er

    er.run(index, questions, mode=mode, timed=False)  # warm-up: every code path and table touched once
    rows = er.run(index, questions, mode=mode, timed=True)
    answerable = {q.id for q in questions if q.answerable}
    intruded = sum(1 for r in rows if r["id"] in answerable
                   and any(h["source"] != budget for h in r["retrieved"][:3]))
    summary = er.summarise(rows, questions)
    return {"latency_ms": er.latency(rows), "summary": summary, "hit@3": summary.get("all", {}).get("hit@3"),
            "intruded_top3": intruded, "answerable": len(answerable),
            "ranks": {r["id"]: r["rank"] for r in rows if r["id"] in answerable}}


def refusals(bot, questions: list, budget: str) -> dict:
    """The extractive backend's answers to ``questions`` (follow-ups with the questions before them): which
    were refused, and by what; answers whose every citation is another article's. ``ids`` names the questions
    behind each count that is a fault (what to read when a figure moves)."""
    from evals.dataset import conversation

    by_id = {q.id: q for q in questions}
    counts = {"unanswerable": 0, "refused": 0, "refused_before_model": 0, "answerable": 0, "answered": 0,
              "answered_from_other_articles": 0, "unanswerable_answered_from_other_articles": 0}
    ids: dict[str, list[str]] = {"unanswerable_answered": [], "answerable_refused": [],
                                 "answered_from_other_articles": []}
    for q in questions:
        a = bot.answer(q.question, history=[p.question for p in conversation(q, by_id)], backend="extractive")
        other = bool(a.citations) and all(c.source != budget for c in a.citations) and not a.refused
        if q.answerable:
            counts["answerable"] += 1
            counts["answered"] += not a.refused
            counts["answered_from_other_articles"] += other
        else:
            counts["unanswerable"] += 1
            counts["refused"] += a.refused
            counts["refused_before_model"] += a.refused and a.note.startswith("refused before any model")
            counts["unanswerable_answered_from_other_articles"] += other
        if a.refused == q.answerable:
            ids["answerable_refused" if q.answerable else "unanswerable_answered"].append(q.id)
        if other:
            ids["answered_from_other_articles"].append(q.id)

    def share(k: str, of: str) -> float | None:
        return round(counts[k] / counts[of], 3) if counts[of] else None

    return {**counts, "unanswerable_refused": share("refused", "unanswerable"),
            "refused_before_model_share": share("refused_before_model", "unanswerable"),
            "answerable_answered": share("answered", "answerable"), "ids": ids}


def article_mode(settings: config.Settings, ctx: int) -> dict:
    """Per view: the corpus's estimated tokens with room for a question and answer, whether that fits ``ctx``,
    and what a ``Bot`` reading the article (``RAG_LLM_READS=article``) gave its model: "article" (the whole
    corpus), "one article" (the one search found, whole) or "passages" (or "refused" before any model). The
    model is ``FakeLLM``, which counts with the estimate and says NO, so nothing is loaded."""
    from rag.answer import generate, pipeline
    from rag.llm.fake import FakeLLM
    from rag.records import Hit

    fake = FakeLLM(context_window=ctx, replies=["NO"] * len(ARTICLE_QUESTIONS),
                   probabilities=[None] * len(ARTICLE_QUESTIONS))
    bot = pipeline.Bot(dataclasses.replace(settings, llm_reads="article", llm_ctx=ctx), llm=fake)
    blocks = [Hit(c, 0.0, "article") for c in bot.index.article]
    out: dict = {"window": ctx, "blocks": len(blocks)}
    for lang, question in ARTICLE_QUESTIONS.items():
        view = "en" if lang == "en" else "zh"
        need = fake.count_tokens(generate.messages("?", lang, blocks, whole=True, about=bot.about())) + pipeline.ROOM
        before = len(fake.prompts)
        answer = bot.answer(question, backend="bundled")
        if len(fake.prompts) == before:
            read = "refused" if answer.refused else "nothing"
        else:  # the article mode numbers the blocks it reads one a line in the system turn; passages come later
            numbered = len(re.findall(r"^\[\d+\] ", fake.prompts[before][0]["content"], re.M))
            whole = len(generate.numbered(blocks))
            read = "article" if numbered == whole else "one article" if numbered >= 3 else "passages"
        out[view] = {"tokens": need, "fits": need <= ctx, "read": read}
    return out


# --------------------------------------------------------------------------------------------------
# The run


def measure(n: int, settings: config.Settings, questions: list, ctx: int, index_dir: Path) -> dict:
    """Every figure for one corpus size: the corpus is in ``settings.corpus_dir``, the store empty."""
    from rag.answer.pipeline import Bot

    budget = growth_articles.BUDGET.name
    row: dict = {"n": n, "store": "server" if settings.chroma_url else "embedded"}
    row["ingest"] = timed_ingest(settings)
    row["index_bytes"] = du(index_dir)
    bot = Bot(settings)
    row["retrieval"] = retrieval(bot.index, questions, settings.search_mode, budget)
    row["refusals"] = refusals(bot, questions, budget)
    row["article_mode"] = article_mode(settings, ctx)
    print(f"n={n} {row['store']}: ingest {row['ingest']['seconds']} s, {row['ingest']['chunks']} chunks, "
          f"p50 {row['retrieval']['latency_ms']['p50']} ms, hit@3 {row['retrieval']['hit@3']}",
          file=sys.stderr, flush=True)
    return row


@contextlib.contextmanager
def chroma_server(root: Path) -> Iterator[tuple[str, Path]]:
    """A ``chroma run`` on a free loopback port over a new folder in ``root``: (its URL, its folder)."""
    port = procs.free_port()
    path = root / "chroma-server"
    cmd = [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1",
           "--port", str(port)]
    with procs.serve(cmd, lambda: procs.port_open(port), root / "chroma-server.log", "chroma run",
                     env={**os.environ, "ANONYMIZED_TELEMETRY": "False"}):
        yield f"http://127.0.0.1:{port}", path


def revision() -> str:
    """The checkout measured: its commit, "-dirty" if files differ from it (others' edits count too)."""
    import subprocess

    try:
        return subprocess.run(["git", "-C", str(config.ROOT), "describe", "--always", "--dirty"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def load_questions(sample: int | None, seed: int = 27) -> list:
    """The eval set, or a seeded sample of ``sample`` of its standalone questions (follow-ups need theirs)."""
    from evals import dataset

    questions = dataset.load()
    if sample:
        alone = [q for q in questions if q.followup_of is None]
        questions = random.Random(seed).sample(alone, min(sample, len(alone)))
    return questions


def _one(n: int, base: config.Settings, root: Path, cache: Path, cold: bool, seed: int, questions: list,
         ctx: int, url: str = "", server_dir: Path | None = None) -> dict:
    """Corpus n written, a fresh data folder (and an empty vector cache if ``cold``), then ``measure``."""
    tag = f"{n}-{'server' if url else 'embedded'}"
    corpus = root / f"corpus-{n}"
    growth_articles.write_corpus(corpus, n, seed)
    data = root / f"data-{tag}"
    # No language model anywhere: ingest would have the LLM_BACKEND's model name new articles' names (minutes an
    # article on 2 cores), and the figures here are the index's and search's; answers are extractive.
    settings = dataclasses.replace(base, corpus_dir=corpus, data_dir=data, chroma_path=data / "chroma",
                                   model_cache=cache, chroma_url=url, llm_backend="extractive", ingest_names=False)
    if cold:
        for suffix in ("", "-journal", "-wal", "-shm"):
            (cache / f"vectors.sqlite{suffix}").unlink(missing_ok=True)
    return measure(n, settings, questions, ctx, server_dir or settings.chroma_path)


def run(sizes: list[int], server: bool = False, cold: bool = True, seed: int = growth_articles.SEED,
        sample: int | None = None, ctx: int = 8192, keep: Path | None = None, out_path: Path | None = None) -> dict:
    """Every size, embedded; with ``server`` the largest again through ``chroma run``. ``cold``: each ingest
    from an empty vector cache of its own (else the project's cache, as a test wants it: quick). ``out_path``:
    the report so far is written there after every row (a long run stopped half-way keeps what it measured)."""
    base = config.load()
    questions = load_questions(sample, seed)
    out: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": f"{platform.machine()}, {os.cpu_count()} "
                 f"cores, Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f} at start",
                 "revision": revision(), "threads": base.threads, "seed": seed, "cold": cold,
                 "questions": len(questions), "rows": []}

    def add(row: dict) -> None:
        out["rows"].append(row)
        _compare(out["rows"])
        if out_path is not None:
            out_path.parent.mkdir(parents=True, exist_ok=True)
            out_path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    with contextlib.ExitStack() as stack:
        root = keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="growth-")))
        cache = cold_model_cache(root, base) if cold else base.model_cache
        for n in sorted(set(sizes)):
            add(_one(n, base, root, cache, cold, seed, questions, ctx))
        if server:
            url, path = stack.enter_context(chroma_server(root))
            add(_one(max(sizes), base, root, cache, cold, seed, questions, ctx, url, path))
    return out


def _compare(rows: list[dict]) -> None:
    """Each row's hit@3 against the smallest corpus's, and the questions it lost or gained at rank 3."""
    first = rows[0]["retrieval"]
    for row in rows:
        r = row["retrieval"]
        known = r["hit@3"] is not None and first["hit@3"] is not None
        r["hit@3_change"] = round(r["hit@3"] - first["hit@3"], 3) if known else None
        was = {q for q, k in first["ranks"].items() if k is not None and k <= 3}
        now = {q for q, k in r["ranks"].items() if k is not None and k <= 3}
        r["lost_at_3"], r["gained_at_3"] = sorted(was - now), sorted(now - was)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def table(result: dict) -> str:
    """One row per corpus (and store): the figures a reader compares across sizes."""
    lines = ["| store | n | chunks | ingest s | chunks/s | index MB | retrieval p50 / p95 ms | hit@3 (change) | "
             "top 3 with another article | unanswerable refused (before a model) | answerable answered | "
             "article mode: tokens zh / en → read |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in result["rows"]:
        ing, ret, ref, art = row["ingest"], row["retrieval"], row["refusals"], row["article_mode"]
        rate = ing["chunks"] / ing["seconds"] if ing["seconds"] else 0.0
        change = ret.get("hit@3_change")
        lines.append(
            f"| {row['store']} | {row['n']} | {ing['chunks']} | {ing['seconds']:.1f} | {rate:.1f} | "
            f"{row['index_bytes'] / 1e6:.1f} | {ret['latency_ms']['p50']:.0f} / {ret['latency_ms']['p95']:.0f} | "
            f"{_pct(ret['hit@3'])} ({'–' if change is None else f'{change:+.3f}'}) | "
            f"{ret['intruded_top3']} of {ret['answerable']} | {_pct(ref['unanswerable_refused'])} "
            f"({_pct(ref['refused_before_model_share'])}) | {_pct(ref['answerable_answered'])} | "
            f"{art['zh']['tokens']:,} / {art['en']['tokens']:,} of {art['window']:,} → "
            f"{art['zh']['read']} / {art['en']['read']} |")
    return "\n".join(lines)


def phases_table(result: dict) -> str:
    """Where each ingest's seconds went, by phase (``timed_ingest``)."""
    keys = sorted({k for row in result["rows"] for k in row["ingest"]["phases"]})
    lines = ["| store | n | total s | " + " | ".join(keys) + " |", "|---" * (len(keys) + 3) + "|"]
    for row in result["rows"]:
        ph = row["ingest"]["phases"]
        lines.append(f"| {row['store']} | {row['n']} | {row['ingest']['seconds']:.1f} | "
                     + " | ".join(f"{ph.get(k, 0.0):.1f}" for k in keys) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rag.ops.growth", description=__doc__.splitlines()[0])
    p.add_argument("--articles", type=int, nargs="+", default=[1, 10, 100], help="corpus sizes (default 1 10 100)")
    p.add_argument("--server", action="store_true", help="the largest size again through a real `chroma run`")
    p.add_argument("--warm-cache", action="store_true",
                   help="use the project's vector cache instead of an empty one (quick; ingest times not cold)")
    p.add_argument("--sample", type=int, default=None, help="a seeded sample of N standalone eval questions")
    p.add_argument("--seed", type=int, default=growth_articles.SEED, help="the generated articles' series")
    p.add_argument("--ctx", type=int, default=8192, help="the model window the article mode is judged against")
    p.add_argument("--keep", type=Path, default=None, help="work in this folder and leave it (default: a temp one)")
    p.add_argument("--json", type=Path, default=None, help="JSON report (default DATA_DIR/growth.json)")
    args = p.parse_args(argv)
    if any(n < 1 for n in args.articles):
        p.error("--articles: every size must be 1 or more")
    try:
        settings = config.load()
    except config.ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    path = args.json or settings.data_dir / "growth.json"
    result = run(args.articles, args.server, not args.warm_cache, args.seed, args.sample, args.ctx, args.keep, path)
    print(table(result))
    print()
    print(phases_table(result))
    print(f"\nwritten to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
