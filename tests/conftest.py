"""Shared fixtures: real models, a real embedded Chroma, a real Chroma server on loopback."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sys
from pathlib import Path

import pytest

from rag import config
from rag.ops.procs import free_port, port_open, serve, url_ready

__all__ = ["free_port", "port_open", "serve"]  # the tests import these from here

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "wenweipo-budget-2026-ai-new-industries.txt"


@pytest.fixture(scope="session")
def base_settings() -> config.Settings:
    """The project's settings; the model cache is shared so the model converts once per machine."""
    return config.load()


@pytest.fixture
def make_settings(tmp_path, base_settings):
    """Settings over a private data folder and a private copy of the corpus."""

    def make(**overrides) -> config.Settings:
        corpus = tmp_path / "corpus"
        if not corpus.exists():
            corpus.mkdir()
            shutil.copy(ARTICLE, corpus / ARTICLE.name)
        values = dict(corpus_dir=corpus, data_dir=tmp_path / "data", chroma_path=tmp_path / "data" / "chroma",
                      model_cache=base_settings.model_cache)
        values.update(overrides)
        return dataclasses.replace(base_settings, **values)

    return make


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real ``chroma run`` on 127.0.0.1, started for this test session and stopped after it."""
    exe = Path(sys.executable).parent / "chroma"
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    cmd = [str(exe), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)]
    with serve(cmd, lambda: port_open(port), path / "server.log", "chroma run",
               env={**os.environ, "ANONYMIZED_TELEMETRY": "False"}) as proc:
        yield {"url": f"http://127.0.0.1:{port}", "proc": proc, "port": port, "path": path / "db"}


@pytest.fixture(scope="session")
def indexed(tmp_path_factory, base_settings) -> config.Settings:
    """One real index of the project's corpus for the whole session (read-only tests share it)."""
    from rag.index import ingest

    root = tmp_path_factory.mktemp("indexed")
    settings = dataclasses.replace(base_settings, data_dir=root, chroma_path=root / "chroma", chroma_url="")
    ingest.run(settings)
    return settings


@pytest.fixture(scope="session")
def bot(indexed):
    """One ``Bot`` over the shared index (read-only tests share it, as the app's questions do)."""
    from rag.answer.pipeline import Bot

    return Bot(indexed)


def env_for(settings: config.Settings) -> dict[str, str]:
    """Environment that makes a child process (CLI, evals, app) use these settings."""
    return {**os.environ, "RAG_CORPUS_DIR": str(settings.corpus_dir), "RAG_DATA_DIR": str(settings.data_dir),
            "RAG_CHROMA_PATH": str(settings.chroma_path), "RAG_MODEL_CACHE": str(settings.model_cache),
            "RAG_CHROMA_URL": settings.chroma_url, "RAG_COLLECTION": settings.collection}


@contextlib.contextmanager
def run_app(settings, tmp_path_factory):
    """``python app.py`` on a free loopback port, extractive by default so the tests are quick."""
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "app.log"
    env = {**env_for(settings), "RAG_PORT": str(port), "RAG_LLM_BACKEND": "extractive",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    url = f"http://127.0.0.1:{port}/"
    with serve([sys.executable, "app.py"], url_ready(url), log, "app.py", timeout=240, cwd=ROOT, env=env) as proc:
        yield {"url": url, "proc": proc, "log": log, "settings": settings}


@pytest.fixture(scope="session")
def app(indexed, tmp_path_factory):
    """One real app for the session (app, load and security tests share it: a start costs ~25 s)."""
    with run_app(indexed, tmp_path_factory) as running:
        yield running


@pytest.fixture(scope="session")
def client(app):
    from gradio_client import Client

    return Client(app["url"], verbose=False)
