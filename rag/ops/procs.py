"""Child processes: the environment that gives one our settings, and servers on loopback (Chroma,
llama.cpp, the app): start one, wait until it answers, stop it.

One copy for the load benchmark, the reliability run and the tests (which cannot be imported by
product code), so they configure, start, wait and stop alike.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.config import Settings


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that makes a child process (CLI, ingest, evals, the app) use ``settings``.

    Every setting that places data (corpus, index, Chroma, model cache, collection) or decides what
    an ingest runs (whether it finds names with a model), over this
    process's environment, then ``extra`` (e.g. ``RAG_PORT``). Children write no ``.pyc`` files: some
    run as an unprivileged user or are killed while starting, and should leave nothing in the checkout.
    """
    return {**os.environ, "RAG_CORPUS_DIR": str(settings.corpus_dir), "RAG_DATA_DIR": str(settings.data_dir),
            "RAG_CHROMA_PATH": str(settings.chroma_path), "RAG_MODEL_CACHE": str(settings.model_cache),
            "RAG_CHROMA_URL": settings.chroma_url, "RAG_COLLECTION": settings.collection,
            "RAG_INGEST_NAMES": "1" if settings.ingest_names else "0", "PYTHONDONTWRITEBYTECODE": "1", **extra}


def free_port() -> int:
    """A loopback port nobody listens on now (bound and released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def url_ready(url: str) -> Callable[[], bool]:
    """A readiness check: the page answers (any status but a refused or dropped connection)."""
    def ready() -> bool:
        try:
            urllib.request.urlopen(url, timeout=2)
            return True
        except OSError:
            return False

    return ready


@contextlib.contextmanager
def serve(cmd: list[str], ready: Callable[[], bool], log_path: Path, what: str, timeout: float = 60,
          **popen: object) -> Iterator[subprocess.Popen]:
    """Start ``cmd`` with its output in ``log_path``, wait until ``ready()``, and stop it afterwards.

    A process that exits or is not ready in ``timeout`` seconds raises RuntimeError with the end of
    its log: the reason a server did not start is in there, not in a timeout.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **popen)
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                gone = proc.poll() is not None
                why = f"exited with code {proc.returncode}" if gone else f"not ready in {timeout:.0f} s"
                raise RuntimeError(f"{what} did not start ({why}): {log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
