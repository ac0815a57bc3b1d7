"""Faults produced for real (issue #8): what a citizen and an operator get when a part breaks.

Not repeated here (tested where the part lives): the LLM server down, silent past a timeout or
answering garbage (test_llm), the GGUF truncated or corrupted (test_models), ingest killed at five
points and an unreachable Chroma server at start (test_ingest), feedback to an uncreatable path
(test_app), the server down falling back (test_answers).

Here: the embedded store missing, replaced by a file, overwritten with garbage or unreadable, through
the CLI; the store changing under an open index; the Chroma server and the OpenAI-compatible server
killed while a real app runs against them; two ingests at once; feedback to a full disk; the bundled
model missing where it cannot be re-assembled; and the quick checks of ``python -m rag.ops.reliability``.

We run as root, and root reads through any permission bits, so "unreadable" is produced by running
the child as the unprivileged user 65534 (``setpriv``) on a folder only root may enter.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from rag.answer import prompts
from rag.answer.pipeline import Bot
from rag.config import Settings
from rag.index import store
from rag.index.chunks import chunk_article
from rag.index.corpus import read_article, span_text
from rag.llm import models
from rag.records import Chunk

from .conftest import ARTICLE, ROOT, env_for, free_port, port_open, serve

QUESTION = "撥咗幾多錢搞全民AI培訓？"  # Cantonese; the answer is 5,000萬元
SOURCE = ARTICLE.read_text(encoding="utf-8")
EXTRA = "# 另一篇報道\n\n數碼港今年將舉辦青年創科比賽，總獎金為三百萬元。\n"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _copy_index(indexed: Settings, root: Path) -> Settings:
    """A private copy of the session's index (same files Chroma wrote), so faults never touch it."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(indexed.chroma_path, root / "chroma")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(ARTICLE, corpus / ARTICLE.name)
    return dataclasses.replace(indexed, data_dir=root, chroma_path=root / "chroma", corpus_dir=corpus)


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A temporary folder other users may enter (pytest's own is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="rag-faults-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _run(settings: Settings, args: list[str], prefix: list[str] = (), **env: str) -> subprocess.Popen:
    return subprocess.Popen([*prefix, sys.executable, *args], cwd=ROOT, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**env_for(settings), "PYTHONDONTWRITEBYTECODE": "1", **env})


def _done(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def _nobody_home(parent: Path) -> Path:
    """A HOME the unprivileged user may write (caches), inside a folder it may enter."""
    home = parent / "home"
    home.mkdir()
    os.chown(home, 65534, 65534)
    return home


def _verbatim(citations: list[dict]) -> None:
    assert citations
    for c in citations:
        assert span_text(SOURCE, [tuple(s) for s in c["spans"]]) == c["quote"]


# --------------------------------------------------------------------------------------------------
# The embedded store, broken four ways, through `python -m rag search` and `ask`.


def _break(kind: str, settings: Settings) -> list[str]:
    """Produce the fault on the copy; return the command prefix to run the CLI with."""
    path = settings.chroma_path
    if kind == "missing":  # the folder deleted
        shutil.rmtree(path)
    elif kind == "file":  # a file where the folder should be
        shutil.rmtree(path)
        path.write_text("not a folder\n")
    elif kind == "corrupt":  # garbage written over the database
        db = path / "chroma.sqlite3"
        db.write_bytes(os.urandom(db.stat().st_size))
    elif kind == "unreadable":  # root-only folder, read by an unprivileged user (see the module doc)
        path.chmod(0o700)
        return NOBODY
    return []


EXPECTED = {  # fault -> words the message must contain (what is wrong, and the fix)
    "missing": ("no index in", "python ingest.py"),
    "file": ("is not a folder", "python ingest.py"),
    "corrupt": ("damaged", "python ingest.py"),
    "unreadable": ("cannot be read and written by this user", "chown"),
}


ASKED = ("corrupt", "unreadable")


@pytest.fixture(scope="module")
def broken_cli(indexed) -> dict[tuple[str, str], subprocess.CompletedProcess]:
    """Every fault × (search, ask), run at once (each run is mostly Python start-up)."""
    root = Path(tempfile.mkdtemp(prefix="rag-broken-"))
    root.chmod(0o755)
    home = _nobody_home(root)
    procs = {}
    try:
        for kind in EXPECTED:
            settings = _copy_index(indexed, root / kind)
            prefix = _break(kind, settings)
            # search for every fault; ask (the same store.connect under the pipeline) for two of them
            for cmd in ("search", "ask") if kind in ASKED else ("search",):
                args = ["-m", "rag", cmd, QUESTION] + (["--backend", "extractive"] if cmd == "ask" else [])
                procs[kind, cmd] = _run(settings, args, prefix, HOME=str(home))
        return {key: subprocess.CompletedProcess(p.args, *_done(p, 180)) for key, p in procs.items()}
    finally:
        for p in procs.values():
            p.kill()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("kind,cmd", [(k, "search") for k in sorted(EXPECTED)] + [(k, "ask") for k in ASKED])
def test_broken_store_gives_the_fix_not_a_traceback(broken_cli, kind, cmd):
    out = broken_cli[kind, cmd]
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    assert out.stdout == ""  # no answer, so none without sources
    message = out.stderr.strip().splitlines()[-1]
    assert message.startswith("error: ")
    for words in EXPECTED[kind]:
        assert words in message, message


# --------------------------------------------------------------------------------------------------
# The store changing under an index that is already open, as in a running app. (Garbage written over
# the database of an open index, and the same process answering again once a good index is back, is
# the runner's quick check ``store-corrupted-while-open``, asserted in the last test below.)


def test_folder_deleted_under_an_open_index_answers_with_sources_or_says_to_ingest(indexed, tmp_path):
    """Deleted under a running app: the files it holds open stay readable (Linux unlinks them only
    when closed) and Chroma holds the vectors in memory, so it usually answers, with sources, from the
    index it opened. But Chroma's Rust core sometimes opens the SQLite file afresh for a query (seen in
    1 of 3 runs, 2026-12-02: "unable to open database file"), and then the answer is the store error
    with its fix, never an answer without sources. A new process finds no index and says to ingest."""
    settings = _copy_index(indexed, tmp_path / "data")
    bot = Bot(settings)  # the running app's: it opened the index before the folder went
    assert bot.answer(QUESTION, backend="extractive").citations
    shutil.rmtree(settings.chroma_path)
    try:
        result = bot.answer("沙嶺數據園可提供多少樓面面積？", backend="extractive")
    except store.StoreError as e:
        assert "missing" in str(e) and "ingest.py" in str(e)
        return
    assert "25萬平方米" in result.text and result.citations
    for c in result.citations:  # whole and verbatim, from the files still open
        assert span_text(SOURCE, c.spans) == c.quote


def test_a_rust_panic_in_the_store_is_a_store_error_and_the_next_question_answers(indexed, tmp_path, monkeypatch):
    """FAKE fault: a panic in Chroma's Rust core cannot be caused on purpose, so a stand-in with pyo3's
    class name and base (BaseException, which ``except Exception`` lets through) is raised from the
    Chroma collection's query, under the real index and pipeline."""
    from chromadb.api.models.Collection import Collection

    class PanicException(BaseException):
        pass

    settings = _copy_index(indexed, tmp_path / "data")
    bot = Bot(settings)  # one bot: after the store error, its next question answers again
    assert bot.answer(QUESTION, backend="extractive").citations
    real = Collection.query

    def panics(*args, **kwargs):
        raise PanicException("index out of range")

    monkeypatch.setattr(Collection, "query", panics)
    with pytest.raises(store.StoreError, match="PanicException"):
        bot.answer("沙嶺數據園可提供多少樓面面積？", backend="extractive")
    monkeypatch.setattr(Collection, "query", real)
    result = bot.answer("沙嶺數據園可提供多少樓面面積？", backend="extractive")
    assert "25萬平方米" in result.text and result.citations


# --------------------------------------------------------------------------------------------------
# A real app against a real Chroma server and a real llama.cpp server, both killed mid-session.


def _answering(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
        return True
    except OSError:
        return False


def _established(port: int) -> int:
    """TCP connections to ``port`` on this machine in state ESTABLISHED (server side)."""
    n = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            for line in fh.readlines()[1:]:
                local, _remote, state = line.split()[1:4]
                if int(local.split(":")[1], 16) == port and state == "01":
                    n += 1
    return n


def _chroma_cmd(path: Path, port: int) -> list[str]:
    return [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1",
            "--port", str(port)]


@pytest.fixture(scope="module")
def live(indexed, tmp_path_factory) -> Iterator[dict]:
    """``chroma run`` on a copy of the index, ``llama_cpp.server``, and ``app.py`` using both."""
    root = tmp_path_factory.mktemp("live")
    shutil.copytree(indexed.chroma_path, root / "db")
    chroma_port, llm_port, app_port = free_port(), free_port(), free_port()
    llm_url = f"http://127.0.0.1:{llm_port}/v1"
    gguf = models.ensure_gguf(indexed.model_cache)

    def llm_ready() -> bool:
        try:
            return httpx.get(f"{llm_url}/models", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    data = root / "data"
    data.mkdir()
    (data / "feedback.jsonl").symlink_to("/dev/full")  # every feedback write meets a full disk
    settings = dataclasses.replace(indexed, data_dir=data, chroma_url=f"http://127.0.0.1:{chroma_port}")
    env = {**env_for(settings), "RAG_PORT": str(app_port), "RAG_LLM_BACKEND": "extractive",
           "RAG_LLM_BASE_URL": llm_url, "RAG_LLM_MODEL": "m", "RAG_LLM_TIMEOUT": "60",
           "RAG_LLM_CTX": "2048"}  # the server's window below
    app_url = f"http://127.0.0.1:{app_port}/"
    llm_cmd = [sys.executable, "-m", "rag.llm.server", "--model", str(gguf), "--host", "127.0.0.1",
               "--port", str(llm_port), "--n_threads", "1", "--n_ctx", "2048"]
    chroma_env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with (serve(_chroma_cmd(root / "db", chroma_port), lambda: port_open(chroma_port), root / "chroma.log",
                "chroma run", env=chroma_env) as chroma,
          contextlib.ExitStack() as stack, ThreadPoolExecutor(2) as pool):
        # The LLM server and the app (which needs Chroma up) start side by side: ~10 s saved.
        llm_f = pool.submit(stack.enter_context, serve(llm_cmd, llm_ready, root / "llm.log", "rag.llm.server",
                                                       timeout=180))
        app_f = pool.submit(stack.enter_context, serve([sys.executable, "app.py"], lambda: _answering(app_url),
                                                       root / "app.log", "app.py", timeout=240, cwd=ROOT, env=env))
        llm, app = llm_f.result(), app_f.result()
        from gradio_client import Client

        state = {"chroma": chroma, "llm": llm, "app": app, "root": root, "chroma_port": chroma_port,
                 "llm_port": llm_port, "log": root / "app.log", "client": Client(app_url, verbose=False),
                 "chroma_env": chroma_env}
        yield state
        restarted = state.get("chroma_again")
        if restarted is not None:
            restarted.kill()
            restarted.wait()


def test_llm_server_killed_mid_answer_falls_back_and_the_app_stays_up(live):
    client = live["client"]
    job = client.submit(QUESTION, "openai", api_name="/answer")
    deadline = time.monotonic() + 60
    while not _established(live["llm_port"]):  # the app's request has reached the server
        assert time.monotonic() < deadline, "the app never called the LLM server"
        time.sleep(0.05)
    time.sleep(0.5)  # it is reading the prompt now (seconds on one thread)
    live["llm"].send_signal(signal.SIGKILL)
    live["llm"].wait()
    r = job.result(timeout=120)
    assert r["backend"] == "extractive" and not r["refused"]
    assert prompts.FELL_BACK["yue"] in r["answer"]
    _verbatim(r["citations"])
    # The server stays dead: the next LLM question falls back at once; the app stays up.
    started = time.monotonic()
    again = client.predict("沙嶺數據園可提供多少樓面面積？", "openai", api_name="/answer")
    assert again["backend"] == "extractive" and prompts.FELL_BACK["cmn-Hant"] in again["answer"]
    assert time.monotonic() - started < 30
    assert live["app"].poll() is None
    assert "LLM unavailable" in live["log"].read_text()


def test_feedback_to_a_full_disk_is_logged_and_the_answer_stands(live, caplog):
    """/dev/full fails every write with ENOSPC: a real full disk, without filling one."""
    from rag.web import save_feedback

    target = live["root"] / "data" / "feedback.jsonl"  # the running app's feedback file: -> /dev/full
    with caplog.at_level("ERROR", logger="app"):
        assert save_feedback(target, {"question": QUESTION, "liked": True}) is False
    assert "No space left on device" in caplog.text and str(target) in caplog.text
    r = live["client"].predict(QUESTION, "extractive", api_name="/answer")
    assert r["citations"] and live["app"].poll() is None


def test_chroma_server_killed_then_restarted(live):
    client = live["client"]
    assert client.predict(QUESTION, "extractive", api_name="/answer")["citations"]
    live["chroma"].send_signal(signal.SIGKILL)
    live["chroma"].wait()
    for question, lang in ((QUESTION, "yue"), ("How big is the new I&T Industry-Oriented Fund?", "en")):
        r = client.predict(question, "extractive", api_name="/answer")
        assert r["answer"] == prompts.INDEX_UNAVAILABLE[lang]
        assert r["refused"] and not r["citations"] and not r["retrieved"]
    assert live["app"].poll() is None
    logged = live["log"].read_text()
    assert "Cannot reach the Chroma server" in logged and "chroma run" in logged
    assert "Traceback" not in logged

    # Restarted on the same path and port, the next question is answered without restarting the app.
    port = live["chroma_port"]
    with open(live["root"] / "chroma-again.log", "w") as log:
        live["chroma_again"] = subprocess.Popen(_chroma_cmd(live["root"] / "db", port), stdout=log,
                                                stderr=subprocess.STDOUT, env=live["chroma_env"])
    deadline = time.monotonic() + 60
    while not port_open(port):
        assert time.monotonic() < deadline and live["chroma_again"].poll() is None
        time.sleep(0.2)
    r = client.predict(QUESTION, "extractive", api_name="/answer")
    assert not r["refused"] and "5,000萬" in r["answer"]
    _verbatim(r["citations"])


# --------------------------------------------------------------------------------------------------
# Two ingests at once.


def test_two_ingests_at_once_one_waits_and_the_index_is_whole(indexed, tmp_path):
    settings = _copy_index(indexed, tmp_path / "data")
    (settings.corpus_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    procs = [_run(settings, ["ingest.py"]) for _ in range(2)]
    outs = [_done(p) for p in procs]
    assert [rc for rc, _, _ in outs] == [0, 0], outs
    assert sum("waiting up to" in err for _, _, err in outs) == 1, outs  # one waited, and said so
    assert sorted("nothing to do" in out for _, out, _ in outs) == [False, True], outs

    _assert_whole(settings)


def _assert_whole(settings: Settings) -> None:
    """The live generation holds every chunk of the corpus, each verbatim from its file, each stored the
    same number of times (once per embedded view: ``id`` or ``id@view``), and nothing else."""
    gen, collection = store.open_active(store.connect(settings), settings)
    got = collection.get(include=["documents", "metadatas"])
    files = sorted(settings.corpus_dir.iterdir())
    texts = {p.name: p.read_text(encoding="utf-8") for p in files}
    expected = {c.id for p in files for c in chunk_article(read_article(p, settings.corpus_dir),
                                                           settings.chunk_chars, settings.chunk_overlap)}
    base = [record_id.split("@", 1)[0] for record_id in got["ids"]]
    assert set(base) == expected and gen.chunks == len(expected)
    assert len(set(Counter(base).values())) == 1  # no chunk with fewer views than another: not half of two
    for record_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
        chunk = Chunk.from_metadata(record_id, text, meta)
        assert span_text(texts[chunk.source], chunk.spans) == text


def test_second_ingest_refuses_clearly_when_the_first_holds_on(indexed, tmp_path):
    """This process holds the ingest lock, as a running ingest does; a real `ingest.py` meets it."""
    from rag.index.ingest import ingest_lock

    settings = _copy_index(indexed, tmp_path / "data")
    before = store.active(store.connect(settings), settings)
    (settings.corpus_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    with ingest_lock(settings):
        rc, _, err = _done(_run(settings, ["ingest.py"], RAG_INGEST_WAIT="1"), 120)
    assert rc == 2 and "Traceback" not in err, err
    assert "Another ingest is running" in err and "waited 1 s" in err and "Try again" in err
    assert store.active(store.connect(settings), settings) == before


# --------------------------------------------------------------------------------------------------
# The bundled model missing where it cannot be re-assembled.


def test_missing_model_in_a_read_only_cache_falls_back_with_the_fix(indexed, open_tmp):
    """No GGUF in a model cache this user cannot write: re-assembly fails, the answer falls back.

    (A GGUF deleted from a writable cache is simply assembled again on the next start: that is
    ``test_models.test_two_processes_starting_at_once_assemble_once``, which starts from nothing.)
    The cache holds the converted embedder (a link to the shared one), so only the LLM is missing.
    """
    from rag.index import e5_convert

    settings = _copy_index(indexed, open_tmp / "data")
    cache = open_tmp / "models"
    cache.mkdir()
    embedder_dir = e5_convert.ensure_model(indexed.model_cache)
    (cache / embedder_dir.name).symlink_to(embedder_dir)
    assert not (cache / models.QWEN_CODER_1_5B.file_name).exists()
    subprocess.run(["chown", "-R", "65534:65534", str(settings.data_dir)], check=True)  # the index is theirs
    settings = dataclasses.replace(settings, model_cache=cache)
    out = _run(settings, ["-m", "rag", "ask", QUESTION, "--backend", "bundled", "--json"], NOBODY,
               HOME=str(_nobody_home(open_tmp)))
    rc, stdout, stderr = _done(out)
    assert rc == 0, stderr
    result = json.loads(stdout)
    assert result["backend"] == "extractive" and prompts.FELL_BACK["yue"] in result["answer"]
    _verbatim(result["citations"])
    assert "Traceback" not in stderr
    assert "LLM unavailable" in stderr and "cannot assemble" in stderr and "Set RAG_MODEL_CACHE" in stderr


# --------------------------------------------------------------------------------------------------
# The report runner: its quick checks are CI's, and they must pass (not merely run).


def test_reliability_quick_checks_pass(indexed, tmp_path):
    from rag.ops import reliability

    started = time.monotonic()
    report = reliability.run(tmp_path / "out", quick=True, load=False, base=indexed)
    assert time.monotonic() - started < 120
    quick = [name for name, is_quick, *_ in reliability.CHECKS if is_quick]
    assert [c["name"] for c in report["checks"]] == quick
    failed = [(c["name"], c["happened"]) for c in report["checks"] if not c["passed"] or c["skipped"]]
    assert not failed and report["passed"]
    saved = json.loads((tmp_path / "out" / "reliability.json").read_text(encoding="utf-8"))
    assert saved["checks"] == report["checks"]
    table = (tmp_path / "out" / "reliability.md").read_text(encoding="utf-8")
    assert table.count("| pass |") == len(quick) and "FAIL" not in table
