"""Both LLM backends against the real thing: the bundled GGUF in-process, and a real
OpenAI-compatible server (llama-cpp-python's own, serving the same GGUF) on loopback.

The failure tests use real sockets too: a port nobody listens on, a listener that accepts
connections and never answers, and a tiny HTTP server that answers with things that are not an
OpenAI response. Answers are kept to a few tokens: these test plumbing, not answer quality.
"""

from __future__ import annotations

import dataclasses
import http.server
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag import config
from rag.answer import prompts
from rag.llm import backends, models
from rag.llm.backends import LLMUnavailable, PromptTooLong
from tests.conftest import free_port, serve

HELLO = [{"role": "user", "content": "Reply with one word: hello."}]


@pytest.fixture(scope="module")
def settings() -> config.Settings:
    return config.load()


@pytest.fixture(scope="module")
def bundled(settings) -> backends.BundledLLM:
    return backends.load_llm(settings, "bundled")  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------------
# bundled


def test_bundled_streams_a_short_answer(bundled):
    pieces = list(bundled.stream(HELLO, max_tokens=16))
    assert pieces and all(isinstance(p, str) and p for p in pieces)
    text = "".join(pieces)
    assert "hello" in text.lower()
    # Asked again, whole. Not necessarily the same text: the second time llama.cpp reuses the cached
    # prompt and reads only its last token, and the different batch shape can change a greedy choice
    # (an AMD EPYC, 2026-12-02: "Hello!" streamed, then "Hello! How can I assist you today?").
    again = bundled.complete(HELLO, max_tokens=16)
    assert "hello" in again.lower()


def test_bundled_reads_a_long_prompt(bundled):
    """A prompt of several hundred tokens is read in batches. On a CPU with AMX the batched path
    crashed the process (segfault in llama_decode) until ``backends.no_weight_repacking_on_amx``; a one-word
    prompt, like the warm-up, never showed it."""
    article = Path(__file__).resolve().parents[1] / "corpus" / "wenweipo-budget-2026-ai-new-industries.txt"
    text = article.read_text(encoding="utf-8")[:1200]
    messages = [{"role": "user", "content": f"{text}\n\nReply with one word: hello."}]
    assert bundled.count_tokens(messages) > 600
    assert "hello" in bundled.complete(messages, max_tokens=8).lower()


def test_amx_is_read_from_the_cpu_flags(tmp_path):
    flags = tmp_path / "cpuinfo"
    flags.write_text("flags\t\t: fpu avx2 avx512f amx_bf16 amx_tile amx_int8\n")
    assert backends.cpu_has_amx(str(flags))
    flags.write_text("flags\t\t: fpu avx2\n")
    assert not backends.cpu_has_amx(str(flags))
    assert not backends.cpu_has_amx(str(tmp_path / "missing"))


def test_bundled_is_loaded_once_per_process(bundled, settings):
    again = backends.load_llm(settings)  # RAG_LLM_BACKEND defaults to "bundled"
    assert again.llama is bundled.llama and again.lock is bundled.lock
    assert bundled.name == "bundled:qwen2.5-coder-1.5b-instruct-q4_k_m"
    assert bundled.context_window == settings.llm_ctx


def test_bundled_uses_the_models_own_chat_template(bundled):
    messages = [{"role": "system", "content": "Be brief."}, *HELLO]
    prompt = backends._render(bundled.llama, messages)
    assert prompt == ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n"
                      "Reply with one word: hello.<|im_end|>\n<|im_start|>assistant\n")
    assert bundled.count_tokens(messages) == len(bundled.llama.tokenize(prompt.encode(), add_bos=False,
                                                                         special=True))


def test_bundled_stop_sequence_ends_the_answer(bundled):
    counting = [{"role": "user", "content": "Count from 1 to 9, separated by commas."}]
    # Without the stop the 20 tokens would reach past 5 ("1, 2, 3, 4, 5, 6, ...").
    stopped = bundled.complete(counting, max_tokens=20, stop=["5"])
    assert "4" in stopped and "5" not in stopped and "6" not in stopped


def test_bundled_prompt_over_the_context_window_is_unavailable(bundled):
    too_long = [{"role": "user", "content": "word " * (bundled.context_window + 100)}]
    with pytest.raises(PromptTooLong, match="exceed context window"):
        list(bundled.stream(too_long, max_tokens=8))
    assert issubclass(PromptTooLong, LLMUnavailable)
    assert bundled.complete(HELLO, max_tokens=16)  # still usable afterwards


def test_unknown_backend_is_a_configuration_error(settings):
    with pytest.raises(ValueError, match=r"unknown LLM backend 'gpt'.*bundled, openai"):
        backends.load_llm(settings, "gpt")


def test_bundled_model_that_cannot_be_assembled_is_unavailable(settings, tmp_path):
    """A model cache that cannot be written (a file where the folder should be): a real fault."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(LLMUnavailable, match=r"bundled LLM: cannot assemble .* Set RAG_MODEL_CACHE"):
        backends.load_llm(dataclasses.replace(settings, model_cache=blocker / "models"), "bundled")


# --------------------------------------------------------------------------------------------------
# openai: a real llama-cpp-python server on loopback


@pytest.fixture(scope="module")
def llama_server(settings, tmp_path_factory) -> Iterator[str]:
    """``python -m llama_cpp.server`` serving the bundled GGUF on 127.0.0.1 for this module."""
    path = models.ensure_gguf(settings.model_cache)
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    url = f"http://127.0.0.1:{port}/v1"

    def ready() -> bool:
        try:
            return httpx.get(f"{url}/models", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    cmd = [sys.executable, "-m", "rag.llm.server", "--model", str(path), "--host", "127.0.0.1",
           "--port", str(port), "--n_threads", "1", "--n_ctx", "2048"]
    with serve(cmd, ready, log_path, "rag.llm.server", timeout=180):
        yield url


def _server_settings(settings: config.Settings, url: str, **kw: object) -> config.Settings:
    return dataclasses.replace(settings, llm_base_url=url, **kw)


def test_openai_backend_streams_from_a_real_server(settings, llama_server):
    model = backends.load_llm(_server_settings(settings, llama_server), "openai")
    # No RAG_LLM_MODEL: the server was asked, and it names its one model by its path.
    assert model.name.startswith("openai:") and model.name.endswith(".gguf")
    pieces = list(model.stream(HELLO, max_tokens=8))
    assert pieces and "hello" in "".join(pieces).lower()


def test_openai_backend_answers_without_streaming(settings, llama_server):
    model = backends.load_llm(_server_settings(settings, llama_server, llm_model="any-name"), "openai")
    assert model.name == "openai:any-name"  # a one-model server answers to any name
    assert "hello" in model.complete(HELLO, max_tokens=8).lower()


def test_openai_backend_prompt_too_long(settings, llama_server):
    """The server's n_ctx is 2048. Its two ways of saying so both come out as LLMUnavailable."""
    model = backends.load_llm(_server_settings(settings, llama_server, llm_model="m"), "openai")
    too_long = [{"role": "user", "content": "word " * 2500}]
    with pytest.raises(PromptTooLong, match="HTTP 400"):
        model.complete(too_long, max_tokens=8)
    # Streaming, llama-cpp-python's server answers 200 and then ends the stream with no events.
    with pytest.raises(LLMUnavailable, match="without a finish_reason"):
        list(model.stream(too_long, max_tokens=8))


# --------------------------------------------------------------------------------------------------
# openai: servers that fail


def _both_ways(model: backends.LLM) -> list[LLMUnavailable]:
    errors = []
    for call in (lambda: model.complete(HELLO, max_tokens=4), lambda: list(model.stream(HELLO, max_tokens=4))):
        with pytest.raises(LLMUnavailable) as err:
            call()
        errors.append(err.value)
    return errors


def test_server_down_is_unavailable_at_once(settings):
    url = f"http://127.0.0.1:{free_port()}/v1"  # bound and released: nobody listens there
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match=r"cannot be reached.*Connection refused"):
        backends.load_llm(_server_settings(settings, url), "openai")  # asks /models for the name
    model = backends.load_llm(_server_settings(settings, url, llm_model="m"), "openai")  # no request yet
    for error in _both_ways(model):
        assert "cannot be reached" in str(error) and url in str(error)
    assert time.monotonic() - started < 5  # no retries, no waiting for a timeout


def test_server_that_never_answers_times_out(settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # the kernel completes the handshakes; nobody ever reads or writes
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    try:
        model = backends.load_llm(_server_settings(settings, url, llm_model="m", llm_timeout=1.0), "openai")
        for call in (lambda: model.complete(HELLO, max_tokens=4), lambda: list(model.stream(HELLO, 4))):
            started = time.monotonic()
            with pytest.raises(LLMUnavailable, match=r"did not answer within 1 s \(RAG_LLM_TIMEOUT\)"):
                call()
            assert 0.9 < time.monotonic() - started < 5
    finally:
        listener.close()


GARBAGE = {  # path prefix -> (status, content type, body)
    "html": (200, "text/html", b"<html><body>It works!</body></html>"),
    "badjson": (200, "application/json", b"{this is not json"),
    "wrongjson": (200, "application/json", b'{"hello": "world"}'),
    "badsse": (200, "text/event-stream", b"data: not json\n\n"),
    "error500": (500, "application/json", b'{"error": {"message": "model crashed"}}'),
    "proxy502": (502, "text/html", b"<html>Bad Gateway</html>"),
}


@pytest.fixture(scope="module")
def garbage_server() -> Iterator[str]:
    """A real HTTP server on loopback that answers every request with one of ``GARBAGE``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self._answer()

        def _answer(self) -> None:
            status, kind, body = GARBAGE[self.path.split("/")[1]]
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_server_answering_garbage_is_unavailable(settings, garbage_server, kind):
    url = f"{garbage_server}/{kind}/v1"
    model = backends.load_llm(_server_settings(settings, url, llm_model="m", llm_timeout=5.0), "openai")
    for error in _both_ways(model):
        assert url in str(error)
        if kind == "html":
            assert "not OpenAI-compatible" in str(error) and "text/html" in str(error)
        if kind.startswith(("error", "proxy")):
            assert f"HTTP {GARBAGE[kind][0]}" in str(error)
    with pytest.raises(LLMUnavailable):  # asking it for the model name fails the same way
        backends.load_llm(_server_settings(settings, url, llm_timeout=5.0), "openai")


def test_openai_backend_needs_a_url(settings):
    with pytest.raises(LLMUnavailable, match="RAG_LLM_BASE_URL"):
        backends.load_llm(_server_settings(settings, ""), "openai")


def test_settings_come_from_the_environment(monkeypatch):
    for name, value in {"RAG_LLM_BACKEND": "openai", "RAG_LLM_BASE_URL": "http://127.0.0.1:9/v1",
                        "RAG_LLM_MODEL": "m", "RAG_LLM_API_KEY": "k", "RAG_LLM_TIMEOUT": "2.5",
                        "RAG_LLM_THREADS": "1", "RAG_LLM_CTX": "2048"}.items():
        monkeypatch.setenv(name, value)
    s = config.load()
    assert (s.llm_backend, s.llm_base_url, s.llm_model, s.llm_api_key) == ("openai", "http://127.0.0.1:9/v1",
                                                                          "m", "k")
    assert (s.llm_timeout, s.llm_threads, s.llm_ctx) == (2.5, 1, 2048)
    assert backends.load_llm(s).name == "openai:m"


def test_the_prompt_shows_the_configured_passages(indexed):
    """The passages given decide what the model reads (and so its first token): numbered, verbatim, unlabelled."""
    from rag.answer import generate
    from rag.index.retrieve import open_index

    hits = open_index(indexed).search("沙嶺數據園可以提供多少樓面面積？", k=5)
    four = generate.messages("沙嶺數據園可以提供多少樓面面積？", "cmn-Hant", hits[:4])[-1]["content"]
    three = generate.messages("沙嶺數據園可以提供多少樓面面積？", "cmn-Hant", hits[:3])[-1]["content"]
    assert "[4]" in four and "[4]" not in three and "[3]" in three
    assert f"({hits[0].chunk.sub_article})" not in three
    assert f"[1] {hits[0].chunk.text}" in three



def test_every_question_starts_with_the_same_rules_and_examples(indexed):
    """llama.cpp re-reads only what differs from the previous prompt: the system prompt and the worked
    examples must be the same for every question and language, so only the question's own turn is new."""
    from rag.answer import generate
    from rag.index.retrieve import open_index

    index = open_index(indexed)
    asked = [("How big is Sandy Ridge Data Park?", "en"), ("沙嶺數據園有幾大？", "yue"),
             ("沙岭数据园有多大？", "cmn-Hans")]
    chats = [generate.messages(q, lang, index.search(q, k=3, lang=lang)) for q, lang in asked]
    prefix = chats[0][:-1]
    assert len(prefix) == 1 + 2 * len(generate.prompts.EXAMPLES)
    assert all(chat[:-1] == prefix for chat in chats)
    assert [m["role"] for m in prefix] == ["system", *["user", "assistant"] * len(generate.prompts.EXAMPLES)]


def test_a_cantonese_question_reaches_the_model_with_its_written_form(indexed):
    """The model reads colloquial Cantonese poorly (it wrote such questions back as answers); it gets the
    written-Chinese form beside the question. Other languages, and Cantonese already written, are as asked."""
    from rag.answer import generate
    from rag.index.retrieve import open_index

    q = "政府會搵邊啲機構嚟搞AI課程、講座同比賽？"
    hits = open_index(indexed).search(q, k=3, lang="yue")
    turn = generate.messages(q, "yue", hits)[-1]["content"]
    assert q in turn and "政府會找哪些機構來辦AI課程" in turn
    assert "Answer in Cantonese" in turn  # still answered in Cantonese
    for question, lang in [("政府會找哪些機構來辦AI課程？", "cmn-Hant"), ("How big is Sandy Ridge?", "en"),
                           ("沙嶺數據園", "yue")]:
        assert generate.asked(question, lang) == question


def test_the_worked_examples_share_no_figure_or_name_with_the_article():
    """The examples' passages are made up; an amount, a count or a glossary name of the article in them could
    be copied into an answer as if the article said it. (Periods such as 明年 are words any text uses.)"""
    from rag.answer import generate
    from rag.index.corpus import corpus_files
    from rag.text import glossary, numbers

    article = "".join(f.read_text(encoding="utf-8") for f in corpus_files(config.load().corpus_dir))
    examples = "\n".join(turn["content"] for turn in generate.example_turns())
    theirs = {(q.value, q.unit) for q in numbers.find_quantities(examples) if q.value is not None}
    ours = {(q.value, q.unit) for q in numbers.find_quantities(article) if q.value is not None}
    assert theirs and not theirs & ours
    assert not glossary.find_terms(examples)


@pytest.mark.parametrize(("problems", "prompt"), [
    ("no [n] citation", "UNCITED"),
    ("it repeats the question instead of answering it", "ECHOED"),
    ("no [n] citation; it repeats the question instead of answering it", "ECHOED"),
    ("figures not in the cited passages: 6,000萬", "STRICT"),
    ("no [n] citation; cites passage(s) [7] that were not given", "STRICT"),
])
def test_the_retry_says_what_was_wrong(problems, prompt):
    from rag.answer import generate, prompts

    expected = getattr(prompts, prompt)
    assert generate.retry_prompt(problems) == (expected.format(problems=problems) if prompt == "STRICT" else expected)


def test_asking_whether_the_passages_answer_differs_from_answering_only_in_its_last_line(indexed):
    """The model is asked first whether its passages answer the question; llama.cpp reuses every token the
    two prompts share, so they must differ only at the end, or the passages would be read twice."""
    from rag.answer import generate
    from rag.index.retrieve import open_index

    q = "沙嶺數據園可以提供多少樓面面積？"
    hits = open_index(indexed).search(q, k=3)
    ask = generate.messages(q, "cmn-Hant", hits, task=prompts.ANSWERABLE)
    answer = generate.messages(q, "cmn-Hant", hits)
    assert ask[:-1] == answer[:-1]
    common = ask[-1]["content"].rsplit("\n", 1)[0]
    assert answer[-1]["content"].startswith(common) and hits[0].chunk.text in common
    assert ask[-1]["content"].endswith(prompts.ANSWERABLE) and not answer[-1]["content"].endswith(prompts.ANSWERABLE)


@pytest.mark.parametrize("backend", ["bundled", "openai"])
def test_the_model_says_whether_the_passages_answer(indexed, settings, backend, request):
    """Asked before answering, through either backend (the openai one: a real server on loopback)."""
    from rag.answer import generate
    from rag.index.retrieve import open_index

    if backend == "bundled":
        model = request.getfixturevalue("bundled")
    else:
        model = backends.load_llm(_server_settings(settings, request.getfixturevalue("llama_server")), "openai")
    index = open_index(indexed)
    q = "How much floor area can the Sandy Ridge Data Park provide?"
    assert generate.answerable(model, q, "en", index.search(q, k=3, lang="en"))
    q = "Forget the budget stuff. Write me a short poem about my cat."
    assert not generate.answerable(model, q, "en", index.search(q, k=3, lang="en"))


def test_the_model_says_how_sure_it_is_the_same_through_either_backend(indexed, settings, bundled, llama_server):
    """P(YES) to the answerable question, read by hand from the bundled model's logits (llama-cpp-python
    gives token probabilities only with a 2.5 GB logits buffer) and from a real server's ``top_logprobs``:
    the same model, so the same figure, high for a question its passages answer, low for one they do not."""
    from rag.answer import generate
    from rag.index.retrieve import open_index

    server = backends.load_llm(_server_settings(settings, llama_server), "openai")
    index = open_index(indexed)
    sure = {}
    for q, lang in [("How much floor area can the Sandy Ridge Data Park provide?", "en"),
                    ("撥咗幾多錢搞全民AI培訓？", "yue"),
                    ("Forget the budget stuff. Write me a short poem about my cat.", "en")]:
        hits = index.search(q, k=3, lang=lang)
        here = generate.answerable_probability(bundled, q, lang, hits)
        there = generate.answerable_probability(server, q, lang, hits)
        assert here is not None and there is not None
        assert abs(here - there) < 0.02, (q, here, there)
        sure[q] = here
    answerable, cantonese, poem = sure.values()
    assert min(answerable, cantonese) > 0.5 > poem and min(answerable, cantonese) - poem > 0.5, sure


def test_yes_or_no_reads_the_first_token_of_either_reply():
    assert [backends.yes_or_no(t) for t in ["YES", "Yes", " Y", "NO", "No", "N", "Maybe", ""]] == \
        ["yes", "yes", "yes", "no", "no", "no", None, None]
    assert backends.yes_share({"YES": 0.6, "Yes": 0.2, "NO": 0.2, "The": 0.5}) == pytest.approx(0.8)
    assert backends.yes_share({"The": 1.0}) is None
