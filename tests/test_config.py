"""rag.config: settings read from RAG_* variables, checked at start, documented from their own comments."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag import config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(monkeypatch):
    for name in [n for n in list(os.environ) if n.startswith("RAG_")]:
        monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize("raw,expected", [("1", True), ("true", True), ("Yes", True), (" ON ", True),
                                          ("0", False), ("false", False), ("no", False), ("off", False), ("", False)])
def test_a_boolean_is_read_from_the_usual_words(env, raw, expected):
    env.setenv("RAG_VECTOR_CACHE", raw)
    assert config.load().vector_cache is expected


@pytest.mark.parametrize("name,raw,says", [
    ("RAG_VECTOR_CACHE", "flase", "RAG_VECTOR_CACHE='flase' is not one of 1/true/yes or 0/false/no"),
    ("RAG_TOP_K", "five", "RAG_TOP_K='five' is not a int"),
    ("RAG_HYBRID_LEXICAL_WEIGHT", "heavy", "RAG_HYBRID_LEXICAL_WEIGHT='heavy' is not a float"),
    ("RAG_SEARCH_MODE", "semantic", "RAG_SEARCH_MODE='semantic' is not one of: dense, lexical, hybrid"),
    ("RAG_LLM_BACKEND", "gpt", "RAG_LLM_BACKEND='gpt' is not one of: bundled, openai, extractive"),
    ("RAG_LEXICAL_TOKENIZER", "words", "RAG_LEXICAL_TOKENIZER='words' is not one of: bigram, bigram+char"),
    ("RAG_HYBRID_LEXICAL_WEIGHT", "1.5", "RAG_HYBRID_LEXICAL_WEIGHT=1.5 is out of range: it must be from 0 to 1"),
    ("RAG_TOP_K", "0", "RAG_TOP_K=0 is out of range: it must be from 1 to 100"),
    ("RAG_PORT", "70000", "RAG_PORT=70000 is out of range"),
    ("RAG_LLM_TIMEOUT", "0", "RAG_LLM_TIMEOUT=0.0 is out of range: it must be at least 0.1"),
])
def test_a_value_that_cannot_be_used_is_one_clear_error_naming_the_variable(env, name, raw, says):
    env.setenv(name, raw)
    with pytest.raises(config.ConfigError) as e:
        config.load()
    assert str(e.value).startswith(says)


def test_settings_made_in_code_are_checked_too():
    with pytest.raises(config.ConfigError, match="RAG_LLM_PASSAGES=0"):
        dataclasses.replace(config.Settings(), llm_passages=0)


def test_the_defaults_are_valid_and_the_data_folder_moves_what_lives_in_it(env, tmp_path):
    env.setenv("RAG_DATA_DIR", str(tmp_path))
    s = config.load()
    assert (s.model_cache, s.chroma_path) == (tmp_path / "models", tmp_path / "chroma")


def test_every_setting_is_documented_and_the_reference_page_is_the_generated_one():
    table = config.reference()
    for f in dataclasses.fields(config.Settings):
        row = next(line for line in table.splitlines() if line.startswith(f"| `{config.env_name(f.name)}` |"))
        assert row.rstrip(" |").split("|")[-1].strip(), f"{f.name} has no #: comment"
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert table in page, "docs/configuration.md is stale: paste the output of `python -m rag.config`"


@pytest.mark.parametrize("command", [["-m", "rag", "search", "x"], ["app.py"], ["-m", "evals", "--limit", "1"]])
def test_every_interface_stops_with_one_error_line_on_a_bad_setting(command):
    env = {**os.environ, "RAG_SEARCH_MODE": "semantic"}
    done = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: RAG_SEARCH_MODE='semantic' is not one of")
