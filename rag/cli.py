"""The command line, ``budget-bot`` (or ``python -m rag``): an interface only; it parses, calls, prints.

    budget-bot ask|search|quote|ingest ...   budget-bot serve [--port N]   budget-bot eval [--backend ...]

Errors a user can fix (no index, bad corpus file, server down) print one clear line and exit 2;
nothing prints a traceback at a user (``--debug`` shows one for a bug). A question or quote of "-"
is read from standard input: Linux refuses a single argument over 128 KiB.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from rag import config
from rag.index.corpus import CorpusError
from rag.index.store import StoreError

#: Read at most this much of standard input: far over any limit, so the limit message states the
#: real length of anything a person pastes, and a runaway pipe cannot fill memory.
STDIN_LIMIT = 16 * 1024 * 1024


def _text(value: str) -> str:
    """The argument, or standard input for "-"; bytes that are not UTF-8 (a terminal's, a file's)
    become U+FFFD here, so nothing downstream, printing included, meets a lone surrogate."""
    if value == "-":
        return sys.stdin.buffer.read(STDIN_LIMIT).decode("utf-8", "replace")
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _positive(raw: str) -> int:
    n = int(raw)
    if not 1 <= n <= 100:
        raise argparse.ArgumentTypeError(f"{raw} is not between 1 and 100")
    return n


def _where(source: str, sub_article: str, heading: str) -> str:
    """A passage's place as a reader names it: its file, its story's headline, its section if any."""
    story = f"{sub_article} › {heading}" if heading and heading != sub_article else sub_article
    return f"{source} · {story}" if source else story


def _print_hits(hits, as_json: bool, question: str, ms: float) -> None:
    if as_json:
        print(json.dumps({"question": question, "search_ms": round(ms, 1),
                          "hits": [h.to_dict() for h in hits]}, ensure_ascii=False, indent=2))
        return
    for rank, h in enumerate(hits, 1):
        c = h.chunk
        print(f"{rank}. [{h.score:.3f}] {_where(c.source, c.sub_article, c.heading)} · {c.kind} {c.paragraph} "
              f"· [{c.start}:{c.end}]")
        print(f"   {c.text}\n")
    print(f"({len(hits)} hits in {ms:.0f} ms)")


def cmd_search(args: argparse.Namespace) -> int:
    from rag.answer.pipeline import check_input
    from rag.index.retrieve import open_index

    settings = config.load()
    # The same gate as ask: search has no answer to put a refusal in, so it goes to stderr, exit 2.
    question, _, refused = check_input(_text(args.question), settings)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    index = open_index(settings)
    t0 = time.perf_counter()
    hits = index.search(question, k=args.k, mode=args.mode)
    _print_hits(hits, args.json, question, (time.perf_counter() - t0) * 1000)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.answer.pipeline import Bot

    result = Bot(config.load()).answer(_text(args.question), backend=args.backend)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(result.text)
    for c in result.citations:
        print(f"  [{c.n}] {_where(c.source, c.sub_article, c.heading)} · [{c.start}:{c.end}] {c.quote}")
    if result.refused and result.retrieved:
        for h in result.retrieved[:3]:
            print(f"  · [{h.score:.3f}] {_where(h.chunk.source, h.chunk.sub_article, '')}: {h.chunk.text[:80]}")
    print(f"({result.backend}, {result.timings.get('total_ms', 0):.0f} ms)", file=sys.stderr)
    return 0


def cmd_quote(args: argparse.Namespace) -> int:
    from rag.quote import check

    result = check(_text(args.text), config.load())
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{result.verdict} (score {result.score})" + (f": {result.note}" if result.note else ""))
    m = result.match
    if m:
        print(f"  {_where(m.source, m.sub_article, m.heading)} · {m.kind} {m.paragraph} · [{m.start}:{m.end}]")
        print(f"  {m.context}")
    for d in result.differences:
        flag = f"  ! {d.why or 'material'}" if d.material else ""
        print(f"  {d.kind}: quote「{d.quote}」 article「{d.article}」{flag}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag.index import ingest

    settings = config.load()
    print(f"Ingesting {settings.corpus_dir} into "
          f"{settings.chroma_url or settings.chroma_path} ({settings.collection}) …", file=sys.stderr)
    report = ingest.run(settings, force=args.force)
    print(report.summary())
    return 0


#: Commands that are whole programs of their own: their arguments are theirs to parse.
PROGRAMS = {"serve": ("rag.web", "serve the chat app (same as python app.py)"),
            "eval": ("evals.runner", "run an eval set and write its report (same as python -m evals)")}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in PROGRAMS:
        import importlib

        return importlib.import_module(PROGRAMS[argv[0]][0]).main(argv[1:]) or 0
    prog = "python -m rag" if sys.argv[0].endswith("__main__.py") else "budget-bot"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("search", help="show the passages that best match a question")
    p.add_argument("question", help='the question; "-" reads it from standard input')
    p.add_argument("--k", type=_positive, default=None, help="how many passages, 1-100 (default RAG_TOP_K)")
    p.add_argument("--mode", default=None, choices=config.SEARCH_MODES,
                   help="dense (meaning), lexical (BM25 on shared words) or hybrid (default RAG_SEARCH_MODE)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question from the article, with citations")
    p.add_argument("question", help='the question; "-" reads it from standard input')
    p.add_argument("--backend", default=None, choices=config.BACKENDS, help="default: RAG_LLM_BACKEND")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("quote", help="is this quote in the article, word for word, and where?")
    p.add_argument("text", help='the quote; "-" reads it from standard input')
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=cmd_quote)

    p = sub.add_parser("ingest", help="index the corpus folder (same as python ingest.py)")
    p.add_argument("--force", action="store_true", help="re-embed every file")
    p.set_defaults(func=cmd_ingest)

    for name, (_, what) in PROGRAMS.items():
        sub.add_parser(name, help=f"{what}; its options: {name} --help", add_help=False)

    args = parser.parse_args(argv)
    from rag.index.ingest import IngestBusy

    try:
        return args.func(args)
    except (CorpusError, StoreError, IngestBusy, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the index is as it was before this command.", file=sys.stderr)
        return 130
    except Exception as e:  # a bug, not the user's doing: one line, the traceback only on request
        if args.debug:
            raise
        print(f"internal error ({type(e).__name__}: {e}); please report it, with the output of "
              "the same command run with --debug.", file=sys.stderr)
        return 1
