"""``python -m rag.ops.reliability [--out DIR] [--quick]``: produce each fault for real, check what
happens, run a short load, and write ``DIR/reliability.md`` and ``DIR/reliability.json``.

Why a runner besides the tests: an operator can run it on the machine that serves the app (its
model cache, its Chroma build, its disk) and keep the report. Every check works on its own copy of
an index in a temporary folder (a copy of the operator's, or one built there), so the operator's
own index and feedback are never changed.

Each check says what it did, what should happen, what happened, pass or fail, and how long it took.
``--quick`` (under 2 minutes; CI runs the same checks through ``tests/test_faults.py``) keeps the
checks that run in this process in seconds; the full run (under 10 minutes) adds the ones that need
other processes: killed and concurrent ingests, a killed Chroma server, an unprivileged user.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.server
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rag import config
from rag.answer import pipeline, prompts
from rag.answer.pipeline import Bot
from rag.config import ROOT, Settings
from rag.index import ingest, store
from rag.ops import procs
from rag.ops.procs import env_for

log = logging.getLogger(__name__)

QUESTION = "撥咗幾多錢搞全民AI培訓？"  # Cantonese: the article's answer is 5,000萬元
EXPECTED_FACT = "5,000萬"
LOAD_QUESTIONS = [
    "撥咗幾多錢搞全民AI培訓？",
    "人工智能研發院幾時開始運作？",
    "沙嶺數據園可以提供多少樓面面積？",
    "国家制造业创新中心选址在哪里？",
    "How big is the new I&T Industry-Oriented Fund?",
]
EXTRA = "# 另一篇報道\n\n數碼港今年將舉辦青年創科比賽，總獎金為三百萬元。\n"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@dataclass
class Row:
    """One check in the report."""

    name: str
    done: str  # what was done to produce the fault
    expected: str  # what should happen
    happened: str = ""
    passed: bool = False
    seconds: float = 0.0
    skipped: bool = False


@dataclass
class Context:
    """What the checks share: an index built once, and a folder for their copies."""

    base: Settings
    tmp: Path
    copies: int = 0
    procs: list[subprocess.Popen] = field(default_factory=list)

    def copy(self) -> Settings:
        """A private copy of the index (and corpus) in a fresh folder others may enter."""
        self.copies += 1
        root = self.tmp / f"copy{self.copies}"
        shutil.copytree(self.base.chroma_path, root / "chroma")
        shutil.copytree(self.base.corpus_dir, root / "corpus")
        for path in (root, root / "corpus"):
            path.chmod(0o755)
        return dataclasses.replace(self.base, data_dir=root, chroma_path=root / "chroma",
                                   corpus_dir=root / "corpus", chroma_url="")


def _nobody_home(ctx: Context) -> str:
    """A HOME the unprivileged user may write (library caches), inside the run's folder."""
    home = ctx.tmp / "home"
    if not home.exists():
        home.mkdir()
        os.chown(home, 65534, 65534)
    return str(home)


def _cli(settings: Settings, args: list[str], prefix: list[str] | None = None, timeout: float = 300,
         **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*(prefix or []), sys.executable, *args], cwd=ROOT, env=env_for(settings, **extra),
                          capture_output=True, text=True, timeout=timeout)


def _fact_answered(bot: Bot, question: str = QUESTION) -> bool:
    result = bot.answer(question, backend="extractive")
    return bool(result.citations) and EXPECTED_FACT in result.text


def _store_error(fn: Callable[[], object]) -> str:
    """The StoreError message ``fn`` raises, or what it did instead."""
    try:
        got = fn()
    except store.StoreError as e:
        return str(e)
    except Exception as e:  # a traceback an operator would see: the check fails
        return f"UNEXPECTED {type(e).__name__}: {e}"
    return f"NO ERROR: {got!r:.200}"


# --------------------------------------------------------------------------------------------------
# Checks. Each returns (passed, what happened).


def check_store_missing(ctx: Context) -> tuple[bool, str]:
    s = ctx.copy()
    shutil.rmtree(s.chroma_path)
    msg = _store_error(lambda: Bot(s).answer(QUESTION, backend="extractive"))
    return "no index in" in msg and "python ingest.py" in msg, msg


def check_store_not_a_folder(ctx: Context) -> tuple[bool, str]:
    s = ctx.copy()
    shutil.rmtree(s.chroma_path)
    s.chroma_path.write_text("not a folder\n")
    msg = _store_error(lambda: Bot(s).answer(QUESTION, backend="extractive"))
    return "not a folder" in msg and "python ingest.py" in msg, msg


def check_store_corrupt(ctx: Context) -> tuple[bool, str]:
    s = ctx.copy()
    db = s.chroma_path / "chroma.sqlite3"
    db.write_bytes(os.urandom(db.stat().st_size))
    msg = _store_error(lambda: Bot(s).answer(QUESTION, backend="extractive"))
    return "damaged" in msg and "python ingest.py" in msg, msg


def check_store_corrupted_while_open(ctx: Context) -> tuple[bool, str]:
    s = ctx.copy()
    bot = Bot(s)  # one process's bot: the index it opened, then the store damaged under it
    if not _fact_answered(bot):
        return False, "the copy did not answer before the fault"
    db = s.chroma_path / "chroma.sqlite3"
    db.write_bytes(os.urandom(db.stat().st_size))
    msg = _store_error(lambda: bot.answer("沙嶺數據園可提供多少樓面面積？", backend="extractive"))
    shown = pipeline.unavailable(QUESTION)
    ok = "python ingest.py" in msg and shown.refused and not shown.retrieved
    shutil.rmtree(s.chroma_path)  # the fix: a good index in its place (a copy, as an ingest would write)
    shutil.copytree(ctx.base.chroma_path, s.chroma_path)
    again = _fact_answered(bot)
    return ok and again, f"{msg} · citizen sees: {shown.text} · index replaced, same process: answered={again}"


def check_store_unreadable(ctx: Context) -> tuple[bool, str]:
    if os.getuid() != 0 or not shutil.which("setpriv"):
        raise _Skip("needs root and setpriv to run the child as an unprivileged user")
    s = ctx.copy()
    s.chroma_path.chmod(0o700)  # root's; user 65534 cannot enter it (root itself reads through modes)
    out = _cli(s, ["-m", "rag", "search", QUESTION], prefix=NOBODY, HOME=_nobody_home(ctx))
    msg = out.stderr.strip().splitlines()[-1] if out.stderr.strip() else ""
    ok = out.returncode == 2 and "Traceback" not in out.stderr and "cannot be read" in msg and not out.stdout
    return ok, f"exit {out.returncode}: {msg}"


def check_chroma_server_killed(ctx: Context) -> tuple[bool, str]:
    s = ctx.copy()
    port = procs.free_port()
    cmd = [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(s.chroma_path), "--host",
           "127.0.0.1", "--port", str(port)]
    server_settings = dataclasses.replace(s, chroma_url=f"http://127.0.0.1:{port}")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    notes = []
    bot = Bot(server_settings)  # one process's bot, across the server's death and restart
    with _started(ctx, cmd, lambda: procs.port_open(port), s.data_dir / "chroma.log", env) as server:
        before = _fact_answered(bot)
        server.send_signal(signal.SIGKILL)
        server.wait()
        msg = _store_error(lambda: bot.answer(QUESTION, backend="extractive"))
        notes.append(f"answered before: {before}; after kill: {msg}")
    with _started(ctx, cmd, lambda: procs.port_open(port), s.data_dir / "chroma2.log", env):
        after = _fact_answered(bot)
        notes.append(f"restarted on the same path and port: answered={after}")
    return before and "Cannot reach the Chroma server" in msg and after, " · ".join(notes)


def _serve_forever(handler: type[http.server.BaseHTTPRequestHandler]) -> tuple[http.server.HTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def _fell_back(settings: Settings, url: str, timeout: float = 5.0) -> tuple[bool, str, float]:
    s = dataclasses.replace(settings, llm_base_url=url, llm_model="m", llm_timeout=timeout)
    started = time.monotonic()
    result = Bot(s).answer(QUESTION, backend="openai")
    took = time.monotonic() - started
    ok = (result.backend == "extractive" and prompts.FELL_BACK["yue"] in result.text and bool(result.citations)
          and EXPECTED_FACT in result.text)
    return ok, f"backend={result.backend}, note shown={prompts.FELL_BACK['yue'] in result.text}, " \
               f"{len(result.citations)} citation(s), {took:.1f} s", took


def check_llm_down(ctx: Context) -> tuple[bool, str]:
    ok, what, _ = _fell_back(ctx.base, f"http://127.0.0.1:{procs.free_port()}/v1")
    return ok, what


def check_llm_slow(ctx: Context) -> tuple[bool, str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # the kernel accepts connections; nobody ever answers
    try:
        ok, what, took = _fell_back(ctx.base, f"http://127.0.0.1:{listener.getsockname()[1]}/v1", timeout=1.0)
    finally:
        listener.close()
    return ok and took < 30, what + " (RAG_LLM_TIMEOUT=1; the default 120 s would fail this)"


def check_llm_garbage(ctx: Context) -> tuple[bool, str]:
    class Html(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            body = b"<html><body>It works!</body></html>"
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server, url = _serve_forever(Html)
    try:
        ok, what, _ = _fell_back(ctx.base, url)
    finally:
        server.shutdown()
        server.server_close()
    return ok, what


# A server process that starts an OpenAI event stream, sends one piece, and hangs: then it is killed.
_DYING_SERVER = r'''
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        self.wfile.write(b'data: {"id":"1","object":"chat.completion.chunk","created":0,"model":"m",'
                         b'"choices":[{"index":0,"delta":{"role":"assistant","content":"The"},'
                         b'"finish_reason":null}]}\n\n')
        self.wfile.flush()
        print("streaming", flush=True)
        time.sleep(120)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
'''


def check_llm_killed_mid_answer(ctx: Context) -> tuple[bool, str]:
    proc = subprocess.Popen([sys.executable, "-c", _DYING_SERVER], stdout=subprocess.PIPE, text=True)
    ctx.procs.append(proc)
    port = int(proc.stdout.readline())
    result: dict[str, object] = {}

    def ask() -> None:
        result["ok"], result["what"], _ = _fell_back(ctx.base, f"http://127.0.0.1:{port}/v1", timeout=60)

    worker = threading.Thread(target=ask)
    worker.start()
    streaming = proc.stdout.readline().strip() == "streaming"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    worker.join(90)
    return bool(streaming and result.get("ok")), f"killed after the first piece: {result.get('what')}"


def check_model_missing_read_only_cache(ctx: Context) -> tuple[bool, str]:
    if os.getuid() != 0 or not shutil.which("setpriv"):
        raise _Skip("needs root and setpriv to run the child as an unprivileged user")
    from rag.index import e5_convert
    from rag.llm import models

    s = ctx.copy()
    cache = s.data_dir / "models"
    cache.mkdir()
    cache.chmod(0o755)
    emb = e5_convert.ensure_model(ctx.base.model_cache)
    (cache / emb.name).symlink_to(emb)  # the embedder is there; the GGUF is not, and cannot be written
    subprocess.run(["chown", "-R", "65534:65534", str(s.chroma_path)], check=True)
    s = dataclasses.replace(s, model_cache=cache)
    out = _cli(s, ["-m", "rag", "ask", QUESTION, "--backend", "bundled", "--json"], prefix=NOBODY,
               HOME=_nobody_home(ctx))
    try:
        got = json.loads(out.stdout)
    except ValueError:
        return False, f"exit {out.returncode}: {out.stderr[-300:]}"
    fix = [line for line in out.stderr.splitlines() if "cannot assemble" in line]
    ok = (out.returncode == 0 and got["backend"] == "extractive" and prompts.FELL_BACK["yue"] in got["answer"]
          and bool(got["citations"]) and "Set RAG_MODEL_CACHE" in " ".join(fix)
          and not (cache / models.QWEN_CODER_1_5B.file_name).exists())
    return ok, f"backend={got['backend']}, note shown; logged: {fix[0][:220] if fix else '(nothing)'}"


def check_ingest_lock_refuses(ctx: Context) -> tuple[bool, str]:
    s = dataclasses.replace(ctx.copy(), ingest_wait=0.5)
    before = store.active(store.connect(s), s)
    (s.corpus_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    with ingest.ingest_lock(s):  # held as another ingest would (flock: per open file, so in-process too)
        try:
            ingest.run(s)
            msg = "NO ERROR: the second ingest ran"
        except ingest.IngestBusy as e:
            msg = str(e)
    unchanged = store.active(store.connect(s), s) == before
    return "Another ingest is running" in msg and unchanged, f"{msg} · index unchanged: {unchanged}"


def check_two_ingests(ctx: Context) -> tuple[bool, str]:
    s = ctx.copy()
    (s.corpus_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    procs = [subprocess.Popen([sys.executable, "ingest.py"], cwd=ROOT, env=env_for(s), text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [(p.wait(300), *p.communicate()) for p in procs]
    waited = sum("waiting up to" in err for _, _, err in outs)
    whole, what = _index_whole(s)
    ok = [rc for rc, _, _ in outs] == [0, 0] and waited == 1 and whole
    return ok, f"exit codes {[rc for rc, _, _ in outs]}, {waited} waited; {what}"


def _expected_ids(s: Settings, with_extra: bool = True) -> set[str]:
    from rag.index.chunks import chunk_article
    from rag.index.corpus import read_article

    files = sorted(p for p in s.corpus_dir.iterdir() if p.suffix in (".txt", ".md")
                   and (with_extra or p.name != "extra.md"))
    return {c.id for p in files for c in chunk_article(read_article(p, s.corpus_dir), s.chunk_chars,
                                                       s.chunk_overlap)}


def _index_whole(s: Settings, expected: set[str] | None = None) -> tuple[bool, str]:
    """The live generation holds exactly the ``expected`` chunks (default: the corpus's), verbatim,
    each stored the same number of times (once per embedded view, ``id`` or ``id@view``)."""
    from collections import Counter

    from rag.index.corpus import span_text
    from rag.records import Chunk

    expected = _expected_ids(s) if expected is None else expected
    gen, collection = store.open_active(store.connect(s), s)
    got = collection.get(include=["documents", "metadatas"])
    texts = {p.name: p.read_text(encoding="utf-8") for p in s.corpus_dir.iterdir()}
    base = Counter(record_id.split("@", 1)[0] for record_id in got["ids"])
    verbatim = all(span_text(texts[c.source], c.spans) == c.text for c in (
        Chunk.from_metadata(i, t or "", m or {})
        for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)))
    ok = set(base) == expected and gen.chunks == len(expected) and len(set(base.values())) == 1 and verbatim
    return ok, f"{len(base)} chunks live (expected {len(expected)}), {len(got['ids'])} records, verbatim: {verbatim}"


def check_ingest_killed(ctx: Context) -> tuple[bool, str]:
    import random

    from rag.index.retrieve import open_index

    s = ctx.copy()
    before = store.active(store.connect(s), s)
    (s.corpus_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    old_ids, new_ids = _expected_ids(s, with_extra=False), _expected_ids(s)
    delays = sorted(round(random.uniform(0.5, 8.0), 1) for _ in range(3))
    notes = []
    for delay in delays:
        proc = subprocess.Popen([sys.executable, "ingest.py", "--force"], cwd=ROOT, env=env_for(s),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = store.active(store.connect(s), s)
        whole, _ = _index_whole(s, old_ids if now == before else new_ids)
        answered = any(EXPECTED_FACT in h.chunk.text for h in open_index(s).search("全民AI培訓撥款", k=3))
        notes.append(f"killed at {delay} s: {'old' if now == before else 'new'} index, whole={whole}, "
                     f"searched={answered}")
        if not (whole and answered):
            return False, "; ".join(notes)
    done = _cli(s, ["ingest.py"])
    whole, what = _index_whole(s)
    notes.append(f"next ingest exit {done.returncode}; {what}")
    return done.returncode == 0 and whole, "; ".join(notes)


def check_feedback_disk_full(ctx: Context) -> tuple[bool, str]:
    if not os.path.exists("/dev/full"):
        raise _Skip("no /dev/full on this system")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from rag.web import save_feedback

    target = ctx.tmp / "feedback.jsonl"
    target.symlink_to("/dev/full")  # every write fails with ENOSPC, as on a full disk
    seen: list[str] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    app_log = logging.getLogger("app")
    level = app_log.level
    app_log.addHandler(handler)
    app_log.setLevel(logging.ERROR)
    try:
        saved = save_feedback(target, {"question": QUESTION, "liked": True})
    finally:
        app_log.removeHandler(handler)
        app_log.setLevel(level)
    answered = _fact_answered(Bot(ctx.base))
    logged = any("No space left on device" in m for m in seen)
    return not saved and logged and answered, f"saved={saved}; logged: {seen[-1] if seen else '(nothing)'}; " \
                                               f"answer still given: {answered}"


class _Skip(Exception):
    """The check cannot run on this machine (the reason is the message)."""


@contextlib.contextmanager
def _started(ctx: Context, cmd: list[str], ready: Callable[[], bool], log_path: Path, env: dict[str, str],
             timeout: float = 240, **popen: object) -> Iterator[subprocess.Popen]:
    """``procs.serve``, with the process also in ``ctx.procs`` so the run's cleanup stops it."""
    what = " ".join(Path(c).name for c in cmd[:2])  # "chroma run", "python app.py"
    with procs.serve(cmd, ready, log_path, what, timeout, env=env, **popen) as proc:
        ctx.procs.append(proc)
        yield proc


# (name, quick, what is done, what should happen, check)
CHECKS: list[tuple[str, bool, str, str, Callable[[Context], tuple[bool, str]]]] = [
    ("store-missing", True, "delete the embedded index folder, then ask",
     "StoreError naming the folder and `python ingest.py`; no answer", check_store_missing),
    ("store-not-a-folder", True, "put a file where the index folder should be, then ask",
     "StoreError: not a folder, with the fix; no answer", check_store_not_a_folder),
    ("store-corrupt", True, "write random bytes over chroma.sqlite3, then ask",
     "StoreError: damaged, move it aside and `python ingest.py`; no answer", check_store_corrupt),
    ("store-corrupted-while-open", True, "answer once, overwrite chroma.sqlite3 under the open index, ask again; "
     "then rebuild", "StoreError with the fix; the citizen gets the 'index unavailable' message without "
     "passages; once a good index is back, the same process answers again", check_store_corrupted_while_open),
    ("store-unreadable", False, "make the index folder root-only; run `python -m rag search` as user 65534",
     "exit 2, one line 'cannot be read and written by this user' with the fix; no traceback",
     check_store_unreadable),
    ("chroma-server-killed", False, "answer through a real `chroma run`, SIGKILL it, ask, restart it on the "
     "same path and port, ask", "'Cannot reach the Chroma server' with the fix; answered again after the "
     "restart", check_chroma_server_killed),
    ("llm-server-down", True, "openai backend pointed at a port nobody listens on",
     "extractive answer with the visible fall-back note", check_llm_down),
    ("llm-server-slow", True, "openai backend pointed at a listener that never answers, RAG_LLM_TIMEOUT=1",
     "extractive answer with the note, well before the default 120 s timeout", check_llm_slow),
    ("llm-server-garbage", True, "openai backend pointed at a server answering HTML",
     "extractive answer with the note", check_llm_garbage),
    ("llm-server-killed-mid-answer", True, "a server process streams the first piece of an answer and is "
     "SIGKILLed", "extractive answer with the note", check_llm_killed_mid_answer),
    ("model-missing-read-only-cache", False, "no GGUF in a model cache user 65534 cannot write; "
     "`python -m rag ask --backend bundled` as that user", "extractive answer with the note; the log says "
     "'cannot assemble … Set RAG_MODEL_CACHE'", check_model_missing_read_only_cache),
    ("ingest-lock-refuses", True, "hold the ingest lock, run an ingest with RAG_INGEST_WAIT=0.5",
     "IngestBusy 'Another ingest is running'; the index unchanged", check_ingest_lock_refuses),
    ("two-ingests-at-once", False, "start two `python ingest.py` at the same moment on one data folder",
     "both exit 0, one waited and said so; the index holds every chunk, verbatim, once", check_two_ingests),
    ("ingest-killed", False, "SIGKILL `python ingest.py --force` at 3 random moments in 0.5-8 s, then ingest",
     "the previous or the complete new index, searchable, each time; the next ingest completes",
     check_ingest_killed),
    ("feedback-disk-full", True, "save feedback to a file that is a link to /dev/full (ENOSPC)",
     "not saved, the error logged; answers still given", check_feedback_disk_full),
]


# --------------------------------------------------------------------------------------------------
# Load.


def load_row(ctx: Context, quick: bool) -> tuple[Row, dict]:
    """Start the app on a copy of the index (extractive) and drive it with ``rag.ops.load.run_load``."""
    users, duration = (4, 10.0) if quick else (8, 30.0)
    row = Row("load", f"app.py on a copy of the index; {users} simulated users, extractive answers, "
              f"{duration:.0f} s", "no errors; throughput and latency recorded")
    from rag.ops.load import run_load
    s = ctx.copy()
    port = procs.free_port()
    url = f"http://127.0.0.1:{port}/"
    env = env_for(s, RAG_PORT=str(port), RAG_LLM_BACKEND="extractive")
    started = time.perf_counter()
    with _started(ctx, [sys.executable, "app.py"], procs.url_ready(url), s.data_dir / "app.log", env, cwd=ROOT) as app:
        stats = run_load(url=url, users=users, questions=LOAD_QUESTIONS, backend="extractive",
                         duration_s=duration, max_requests=10_000, pid=app.pid)
    stats = {k: v for k, v in stats.items() if k not in ("samples", "rss_samples")}  # the figures, not the raw
    row.seconds = time.perf_counter() - started
    row.passed = stats.get("errors", 1) == 0 and stats.get("requests", 0) > 0
    row.happened = (f"{stats.get('requests')} requests, {stats.get('errors')} errors, "
                    f"{stats.get('throughput_rps', 0):.2f} req/s, p50 {stats.get('p50_ms', 0):.0f} ms, "
                    f"p95 {stats.get('p95_ms', 0):.0f} ms, "
                    f"RSS {stats.get('rss_mb_start')}→{stats.get('rss_mb_end')} MB")
    return row, stats


# --------------------------------------------------------------------------------------------------
# Running and reporting.


def build_base(tmp: Path, settings: Settings, fresh: bool = False) -> Settings:
    """One index of the configured corpus in ``tmp``, which every check copies.

    A copy of the operator's embedded index when it is usable (minutes saved on a busy machine:
    embedding is most of an ingest), taken while holding the ingest lock so that no ingest writes
    during the copy, and opened only as the copy; otherwise (none yet, a Chroma server, another
    chunking or model, ``fresh``) a new one is built from the corpus.
    """
    from rag.index.retrieve import open_index

    root = tmp / "base"
    shutil.copytree(settings.corpus_dir, root / "corpus")
    base = dataclasses.replace(settings, data_dir=root, chroma_path=root / "chroma", corpus_dir=root / "corpus",
                               chroma_url="")
    if not fresh and not settings.chroma_url and (settings.chroma_path / "chroma.sqlite3").exists():
        try:
            with ingest.ingest_lock(settings, wait_s=5):
                shutil.copytree(settings.chroma_path, base.chroma_path)
            open_index(base)
            log.info("checks run on copies of %s", settings.chroma_path)
            return base
        except (ingest.IngestBusy, store.StoreError, OSError) as e:
            log.info("building a fresh index for the checks (%s)", e)
            store.forget(base)  # Chroma would hand the ingest the copy's open, deleted database
            shutil.rmtree(base.chroma_path, ignore_errors=True)
    ingest.run(base)
    return base


def run(out: Path, quick: bool = False, load: bool = True, base: Settings | None = None,
        only: list[str] | None = None, fresh: bool = False) -> dict:
    """Run the checks (and the load), write the report, return it as a dict."""
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="rag-reliability-"))
    tmp.chmod(0o755)  # the unprivileged-user checks must reach their copies
    rows: list[Row] = []
    stats: dict = {}
    ctx = Context(base=base or config.load(), tmp=tmp)
    try:
        if base is None:
            ctx.base = build_base(tmp, ctx.base, fresh)
        for name, is_quick, done, expected, fn in CHECKS:
            if (quick and not is_quick) or (only and name not in only):
                continue
            row = Row(name, done, expected)
            started = time.perf_counter()
            try:
                row.passed, row.happened = fn(ctx)
            except _Skip as e:
                row.skipped, row.passed, row.happened = True, True, f"skipped: {e}"
            except Exception as e:  # a check that crashes is a failed check, reported like the others
                log.exception("check %s crashed", name)
                row.happened = f"crashed: {type(e).__name__}: {e}"
            row.seconds = time.perf_counter() - started
            rows.append(row)
            log.info("%s %s (%.1f s): %s", "PASS" if row.passed else "FAIL", name, row.seconds, row.happened)
        if load and not only:
            row, stats = load_row(ctx, quick)
            rows.append(row)
    finally:
        for proc in ctx.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    report = {"quick": quick, "seconds": round(time.perf_counter() - t0, 1),
              "date": time.strftime("%Y-%m-%d %H:%M:%S%z"), "passed": all(r.passed for r in rows),
              "checks": [dataclasses.asdict(r) | {"seconds": round(r.seconds, 2)} for r in rows], "load": stats}
    write(out, report)
    return report


def write(out: Path, report: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "reliability.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    lines = [f"# Reliability report ({'quick' if report['quick'] else 'full'})", "",
             f"{report['date']} · {report['seconds']:.0f} s · "
             f"{'all passed' if report['passed'] else 'FAILURES'}", "",
             "| check | done | expected | happened | result | s |", "|---|---|---|---|---|---|"]
    for r in report["checks"]:
        result = "skipped" if r["skipped"] else ("pass" if r["passed"] else "**FAIL**")
        cells = [r["name"], r["done"], r["expected"], r["happened"], result, f"{r['seconds']:.1f}"]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    (out / "reliability.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.ops.reliability", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="report folder (default DATA_DIR/reliability)")
    parser.add_argument("--quick", action="store_true", help="only the in-process checks and a 10 s load (<2 min)")
    parser.add_argument("--no-load", action="store_true", help="skip the load run")
    parser.add_argument("--only", nargs="*", default=None, help="run only these checks (names as in the report)")
    parser.add_argument("--fresh", action="store_true", help="build the checks' index anew instead of copying yours")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("httpx", "chromadb", "rag.answer.pipeline", "rag.index.ingest", "app"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)  # the faults are on purpose; the report says
    settings = config.load()
    out = args.out or settings.data_dir / "reliability"
    report = run(out, quick=args.quick, load=not args.no_load, only=args.only, fresh=args.fresh)
    print(f"{'all passed' if report['passed'] else 'FAILURES'} in {report['seconds']:.0f} s: "
          f"{out / 'reliability.md'}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
