"""``python -m evals``: run an eval set through the bot and write results, a report and plots.

    python -m evals [--questions FILE ...] [--backend bundled|openai|extractive] [--mode hybrid]
                    [--limit N] [--out DIR] [--no-baseline] [--no-compare] [--check]
    python -m evals compare RUN_A RUN_B [--json]      # two earlier runs, question by question (evals.compare)

The backend defaults to ``RAG_LLM_BACKEND`` (the bundled model). With an LLM backend the
baseline asks the same LLM with llama-index's default question-answering prompt, and the
extractive backend answers the same questions too (``DIR/extractive/``), side by side.

Writes ``DIR/results.jsonl`` (one line per question, written as it goes, so an interrupted run
resumes where it stopped), ``DIR/report.json``, ``DIR/report.md``, ``DIR/report.html`` (every
question with its verdicts and citations, evals/html.py) and PNG plots. ``--check`` exits 1 when a
score falls below ``evals/thresholds.json`` (what CI runs).

Every figure comes with a 95% interval (``summary_ci`` in report.json, evals/stats.py), and again for
the questions of each split (``splits``: ``dev``, tuned on, and ``test``, only reported; see
evals/split.py) and of each source file (``sources``: the file a question's evidence is in, or its own
``source`` field; ``scoring.source_of``). ``summary`` keeps its flat numbers, as plots, ``--check`` and
CI read them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

from tqdm import tqdm

from evals import baseline, dataset, html, plots, scoring, stats
from evals.dataset import Question, conversation
from rag import config
from rag.answer.pipeline import Bot
from rag.config import BACKENDS

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.json"


def _config_key(args: argparse.Namespace, questions: list[Path], settings: config.Settings) -> dict:
    """What a resumed run must share with the one it resumes: results under other settings
    (RAG_LLM_PASSAGES, another model) would be mixed into one report."""
    return {"backend": args.backend, "mode": args.mode, "questions": [str(p) for p in questions], "split": args.split,
            "settings": {k: str(v) for k, v in sorted(dataclasses.asdict(settings).items())}}


def run_questions(questions: list[Question], bot: Bot, backend: str, out: Path, key: dict) -> dict[str, dict]:
    """Answer every question not already in ``out/results.jsonl`` (from a run with the same key)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.jsonl"
    meta = out / "run.json"
    rows: dict[str, dict] = {}
    if path.exists() and meta.exists() and json.loads(meta.read_text()) == key:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows[row["id"]] = row
    else:
        path.write_text("", encoding="utf-8")
        meta.write_text(json.dumps(key))
    by_id = {q.id: q for q in questions}
    todo = [q for q in questions if q.id not in rows]
    if rows:
        print(f"resuming: {len(rows)} done, {len(todo)} to go", file=sys.stderr)
    if todo:
        bot.warm(backend)
    with path.open("a", encoding="utf-8") as fh:
        for q in tqdm(todo, desc=f"answering ({backend})", unit="q"):
            history = [p.question for p in conversation(q, by_id)]
            result = bot.answer(q.question, history=history, backend=backend).to_dict()
            row = {"id": q.id, "lang": q.lang, **({"split": q.split} if q.split else {}),
                   "source": scoring.source_of(q)[0], "question": q.question, **result}
            row["scores"] = scoring.score(q, row)
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            rows[q.id] = row
    for q in questions:  # rows of a run from before sources were reported get theirs, in memory
        if q.id in rows and "source" not in rows[q.id]:
            rows[q.id]["source"] = scoring.source_of(q)[0]
    return rows


def compare_modes(questions: list[Question], bot: Bot, intervals: dict | None = None) -> dict[str, dict]:
    """Retrieval alone, per search mode: what each contributes. ``intervals``, when given, receives
    the same figures with their intervals (``stats.retrieval_ci``), per mode."""
    from evals import retrieval

    index = bot.index
    answerable = {q.id for q in questions if q.answerable}
    out = {}
    for mode in ("dense", "lexical", "hybrid"):
        try:
            # Scores only (the report's latency is the pipeline's): vectors from the run above are reused.
            rows = retrieval.run(index, questions, mode=mode, timed=False)
        except ValueError:  # a mode this index does not offer
            continue
        out[mode] = retrieval.summarise(rows, questions)
        if intervals is not None:
            intervals[mode] = stats.retrieval_ci(rows, answerable)
    return out


def with_intervals(questions: list[Question], rows: dict[str, dict]) -> dict:
    """The figures of ``questions`` with intervals, for all of them and for each split:
    ``summary_ci`` (as ``summary``, each figure ``{n, value, ci_low, ci_high}``) and ``splits``
    (``{"dev"|"test": {"questions", "summary", "summary_ci"}}``, when the questions have splits)."""
    mine = [rows[q.id] for q in questions if q.id in rows]
    out: dict = {"summary_ci": stats.summary_ci(mine)}
    splits = {}
    for split in dataset.SPLITS:
        qs = [q for q in questions if q.split == split and q.id in rows]
        if qs:
            splits[split] = {"questions": len(qs), "summary": scoring.summarise(qs, rows),
                             "summary_ci": stats.summary_ci(rows[q.id] for q in qs)}
    if splits:
        out["splits"] = splits
    return out


def by_source(questions: list[Question], rows: dict[str, dict]) -> dict[str, dict]:
    """The figures of each source file's questions, as ``with_intervals`` gives each split's:
    ``{file: {"questions", "summary", "summary_ci"}}``, per language and all, files in name order, then
    ``(none)`` (no evidence: the unanswerable questions), ``(several)`` and ``(not found)``
    (``scoring.source_of``)."""
    groups: dict[str, list[Question]] = {}
    for q in questions:
        if q.id in rows:
            groups.setdefault(rows[q.id].get("source") or scoring.source_of(q)[0], []).append(q)
    order = sorted(groups, key=lambda name: (name.startswith("("), name))
    return {name: {"questions": len(groups[name]), "summary": scoring.summarise(groups[name], rows),
                   "summary_ci": stats.summary_ci(rows[q.id] for q in groups[name])} for name in order}


def check(summary: dict, thresholds: dict) -> list[str]:
    failures = []
    for group, limits in thresholds.items():
        if group.startswith("_"):
            continue
        for metric, minimum in limits.items():
            got = summary.get(group, {}).get(metric)
            if metric == "false_refusals":
                if got is not None and got > minimum:
                    failures.append(f"{group} {metric} = {got:.3f} > {minimum}")
            elif got is None or got < minimum:
                failures.append(f"{group} {metric} = {got} < {minimum}")
    return failures


def check_out(out: Path, settings: config.Settings) -> str | None:
    """Why ``--out`` is no place to write a run, or None.

    A run writes six files with fixed names and truncates ``results.jsonl``, so it may go only into
    a new folder, an empty one, or an earlier run's (which has ``run.json``): never over someone's
    files (``--out .``, ``--out ~``). Nor anywhere in the corpus folder, where the next ingest would
    index ``report.md`` as an article. Any other path, /tmp/theirs included, is the evaluator's call.
    """
    corpus = settings.corpus_dir.resolve()
    where = out.expanduser().resolve()
    if where == corpus or where.is_relative_to(corpus):
        return f"--out {out} is inside the corpus folder {corpus}; the next ingest would read the report as an article"
    if where.exists() and not where.is_dir():
        return f"--out {out} is a file, not a folder"
    if where.is_dir() and any(where.iterdir()) and not (where / "run.json").is_file():
        return (f"--out {out} is not empty and holds no earlier eval run (no run.json); "
                "name a new or empty folder so nothing in it is overwritten")
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__.splitlines()[0],
                                     epilog="python -m evals compare RUN_A RUN_B [--json]: two earlier runs, "
                                            "paired question by question (see: compare --help)")
    parser.add_argument("--questions", type=Path, action="append", help="JSONL file(s); default: evals/questions.jsonl")
    parser.add_argument("--backend", default=None, choices=BACKENDS, help="default: RAG_LLM_BACKEND (bundled)")
    parser.add_argument("--mode", default=None, help="search mode (default: RAG_SEARCH_MODE)")
    parser.add_argument("--limit", type=int, default=None, help="first N questions only")
    parser.add_argument("--split", choices=("dev", "test"), default=None,
                        help="only the questions of this split (their `split` field; docs/evaluation.md)")
    parser.add_argument("--out", type=Path, default=Path("evals/out"))
    parser.add_argument("--no-baseline", action="store_true", help="skip the stock llama-index baseline")
    parser.add_argument("--no-compare", action="store_true",
                        help="with an LLM backend, skip the extractive backend's run beside it")
    parser.add_argument("--beside-reads", action="store_true",
                        help="with a model, also answer reading the other way (RAG_LLM_READS: article or passages) "
                             "and report the two side by side, paired question by question")
    parser.add_argument("--check", action="store_true", help="exit 1 when a score is below evals/thresholds.json")
    return parser


def beside_reads(questions: list[Question], settings: config.Settings, args: argparse.Namespace,
                 report: dict) -> dict:
    """The same questions answered reading the other way (article or passages), into OUT/reads-<other>/
    (resumable), and the paired comparison of the two (``evals.compare``): the report's ``reads`` and
    ``reads_compare``, with every question whose score changed between the modes."""
    from evals import compare

    other = "passages" if settings.llm_reads == "article" else "article"
    other_settings = dataclasses.replace(settings, llm_reads=other)
    folder = args.out / f"reads-{other}"
    rows = run_questions(questions, Bot(other_settings), args.backend, folder,
                         _config_key(args, args.questions or [], other_settings))
    summary = scoring.summarise(questions, rows)
    (folder / "report.json").write_text(json.dumps({"backend": args.backend, "mode": settings.search_mode,
                                                   "reads": other, "summary": summary},
                                                   indent=2, ensure_ascii=False), encoding="utf-8")
    (args.out / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")  # for load_run
    paired = compare.compare(compare.load_run(args.out, "A"), compare.load_run(folder, "B"))
    (args.out / f"reads-{other}.md").write_text(compare.markdown(paired), encoding="utf-8")
    return {"reads": {settings.llm_reads: report["summary"], other: summary}, "reads_compare": paired}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["compare"]:  # so `budget-bot eval compare` works as `python -m evals compare` does
        from evals import compare

        return compare.main(argv[1:])
    args = _parser().parse_args(argv)

    try:
        questions = dataset.load(args.questions)
    except dataset.DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.split:
        questions = [q for q in questions if q.split == args.split]
    if args.limit:
        keep = {q.id for q in questions[: args.limit]}
        # A follow-up needs the questions it follows.
        questions = [q for q in questions if q.id in keep]
    try:
        settings = config.load()
    except config.ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    args.backend = args.backend or settings.llm_backend
    refused = check_out(args.out, settings)
    if refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    if args.mode:
        if not hasattr(settings, "search_mode"):
            print("error: --mode is not available yet", file=sys.stderr)
            return 2
        settings = dataclasses.replace(settings, search_mode=args.mode)
    started = time.time()
    bot = Bot(settings)
    rows = run_questions(questions, bot, args.backend, args.out, _config_key(args, args.questions or [], settings))
    summary = scoring.summarise(questions, rows)
    modes_ci: dict = {}
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "backend": args.backend,
        "mode": getattr(settings, "search_mode", "dense"),
        "questions": len(questions),
        "seconds": round(time.time() - started, 1),
        "summary": summary,
        **with_intervals(questions, rows),
        "sources": by_source(questions, rows),
        "modes": compare_modes(questions, bot, modes_ci),
        "modes_ci": modes_ci,
    }
    ext_rows: dict[str, dict] = {}
    if args.backend != "extractive" and not args.no_compare:
        # The no-LLM backend over the same questions (about a minute for our set), so the report shows
        # what the LLM adds, or costs, beside it. Its rows go to a folder of their own, resumable too.
        ext_key = _config_key(args, args.questions or [], settings) | {"backend": "extractive"}
        ext_rows = run_questions(questions, bot, "extractive", args.out / "extractive", ext_key)
        report["backends"] = {args.backend: summary, "extractive": scoring.summarise(questions, ext_rows)}
        report["backends_ci"] = {args.backend: report["summary_ci"],
                                 "extractive": stats.summary_ci(ext_rows[q.id] for q in questions if q.id in ext_rows)}
    if args.beside_reads and args.backend != "extractive":
        report |= beside_reads(questions, settings, args, report)
    if not args.no_baseline:
        report["baseline"] = baseline.run(questions, settings, backend=args.backend)
    (args.out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    plots.write(report, rows, args.out)
    (args.out / "report.md").write_text(plots.markdown(report), encoding="utf-8")
    html.write(args.out, report, [rows[q.id] for q in questions if q.id in rows],
               [ext_rows[q.id] for q in questions if q.id in ext_rows], html.articles_of(settings))
    print(plots.markdown(report))
    print(f"written to {args.out}/ (results.jsonl, report.md, report.html, report.json, *.png)")
    if args.check:
        failures = check(summary, json.loads(THRESHOLDS.read_text()))
        if failures:
            print("below thresholds:\n  " + "\n  ".join(failures), file=sys.stderr)
            return 1
        print("all scores at or above evals/thresholds.json")
    return 0
