"""Fixed prompt heads read once, kept, and saved: the bundled model's memory of its instructions and the article.

Prompts start with a head many of them share word for word (``rag.llm.backends.HEAD_END``). In the
``article`` reading mode it is the rules and the whole article (about 3,400 tokens; 5,000 with the English
view's renderings), which the bundled model takes about 30 s to read on two cores; in the ``passages``
mode it is the rules naming the passages' articles and the worked examples (about 600 tokens, 6-10 s).
Neither must be read per question, nor per start:

* llama-cpp-python already reuses the longest prefix its KV cache shares with the next prompt, so
  consecutive questions on one view cost only their own turn;
* but one ``Llama`` has one KV cache: a question on the other view (English after Chinese), on passages
  of other articles (another system turn), or a prompt without a head overwrites it. ``PrefixCache`` keeps
  a copy of the context's state right after a head when a prompt is about to overwrite it (llama.cpp's
  ``llama_state_get_data``; about 29 kB a token), and puts it back (``llama_state_set_data``, a memory
  copy: a few ms for a passages head, a few hundred for the article) when a prompt starts with it again.
  The ``IN_MEMORY`` most recently used are kept. The app's warm-up has the article read alone and kept
  before the first question (``compute``);
* each state is also written to the model cache, keyed by the model file, the context size,
  llama-cpp-python's version and the prefix's tokens (the prompt and the corpus), so a restarted app
  reads it from disk in about a second instead of recomputing it. A change of any of them is a new key;
  the least recently used files beyond ``KEEP`` are deleted.

By hand because llama-cpp-python's own ``save_state``/``load_state`` copy its score matrix (n_batch x
vocabulary floats, 300 MB here) and ``load_state`` fails when the state holds fewer tokens than n_batch
(it assigns 512 rows into fewer); and its ``LlamaDiskCache`` keys whole prompts, not prefixes, and
pickles those score matrices to disk.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from llama_cpp import Llama

log = logging.getLogger(__name__)

#: A head shorter than this (tokens) is read each time: a second or so, not worth a state.
MIN_TOKENS = 128
#: States kept in memory, the least recently used dropped first: the article's two views (99 and 146 MB)
#: and the passages heads of the articles asked about lately (17-20 MB each).
IN_MEMORY = 8
#: Saved prefix files kept in the cache folder (as many as in memory).
KEEP = IN_MEMORY
_MAGIC = b"RAGKV1\n"


@dataclass(frozen=True)
class Saved:
    """The context's state after exactly ``tokens`` were read."""

    tokens: tuple[int, ...]
    state: bytes


class PrefixCache:
    """Saved prefix states of one ``Llama``, in memory and in ``folder`` (None: memory only).

    Not locked itself: callers hold the model's lock (one generation at a time) while they use it.
    """

    def __init__(self, folder: Path | None, model_id: str) -> None:
        self.folder = folder
        self.model_id = model_id
        self._saved: OrderedDict[str, Saved] = OrderedDict()  # least recently used first
        #: The head of the last prompt that had one: what the KV cache starts with, unless a prompt without a
        #: head overwrote it since (``set_up`` checks).
        self._current: tuple[int, ...] = ()
        #: What the last ``set_up`` did with the prompt's head, for tests and logs: "held", "memory", "disk",
        #: "computed" (read alone and saved), "read" (read with its prompt, kept when a prompt overwrites
        #: it), or "" (no head).
        self.last = ""

    @property
    def holding(self) -> bool:
        """Whether the last prompt had a head (so the next prompt may have to keep it before overwriting it)."""
        return bool(self._current)

    def key(self, tokens: list[int] | tuple[int, ...]) -> str:
        h = hashlib.sha256(self.model_id.encode())
        h.update(np.asarray(tokens, dtype=np.int32).tobytes())
        return h.hexdigest()[:32]

    def set_up(self, llama: Llama, prompt: list[int], head: list[int], compute: bool = False) -> None:
        """Before ``prompt`` is read: keep the head the KV cache holds if ``prompt`` overwrites it, and leave
        ``prompt``'s own ``head`` (its first tokens; [] for none) in the cache: held already, or put back.

        A head not kept yet is read as part of its prompt, as llama-cpp-python reads any prompt, unless
        ``compute`` (the app's warm-up: the article, read alone and saved before the first question). Read
        with its prompt, the head's state is exactly what it was before heads were kept: llama.cpp's sums
        depend on how a prompt is cut into batches, and a head read alone changed 17 of 169 answers
        (docs/history.md). It is kept when the first prompt that does not start with it comes.
        """
        self._keep_outgoing(llama, prompt)
        self._current = tuple(head)
        self.last = ""
        if not head:
            return
        held = llama.longest_token_prefix(llama.input_ids[: llama.n_tokens].tolist(), head)
        if held >= len(head):
            self.last = "held"
            return
        key = self.key(head)
        saved = self._saved.get(key)
        self.last = "memory"
        if saved is None and (saved := self._read(key, head)) is not None:
            self.last = "disk"
        if saved is not None and _restore(llama, saved):
            self._keep(key, saved)
            return
        self.last = "read"
        if compute:
            llama.n_tokens = held  # read only what the cache does not hold already
            llama.eval(head[held:])
            self._save(llama, key, tuple(head))
            self.last = "computed"

    def _keep_outgoing(self, llama: Llama, prompt: list[int]) -> None:
        """Keep the state of the last head (``_current``) if the KV cache still holds it whole and ``prompt``
        departs from it: what follows it in the cache is cut off (``prompt`` would overwrite it anyway)."""
        out = self._current
        if not out or llama.longest_token_prefix(list(out), prompt) >= len(out):
            return
        cached = llama.input_ids[: llama.n_tokens].tolist()
        key = self.key(out)
        if llama.longest_token_prefix(cached, list(out)) < len(out) or key in self._saved:
            return
        path = self._path(key)
        if path is not None and path.exists():
            return
        llama.n_tokens = len(out)
        llama._ctx.kv_cache_seq_rm(-1, len(out), -1)
        llama._requires_eval = True  # the logits are the last token's read, not the head's
        self._save(llama, key, out)

    def _save(self, llama: Llama, key: str, tokens: tuple[int, ...]) -> None:
        saved = Saved(tokens, _state(llama))
        self._keep(key, saved)
        self._write(key, saved)

    def _keep(self, key: str, saved: Saved) -> None:
        """``saved`` as the most recently used state in memory; the least recently used beyond ``IN_MEMORY``
        dropped (still on disk)."""
        self._saved[key] = saved
        self._saved.move_to_end(key)
        while len(self._saved) > IN_MEMORY:
            self._saved.popitem(last=False)

    # -- disk ---------------------------------------------------------------------------------------

    def _path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{key}.kvstate"

    def _read(self, key: str, tokens: list[int]) -> Saved | None:
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            data = path.read_bytes()
            if not data.startswith(_MAGIC):
                raise ValueError("not a saved prefix")
            n = int.from_bytes(data[len(_MAGIC):len(_MAGIC) + 4], "little")
            start = len(_MAGIC) + 4
            saved_tokens = np.frombuffer(data[start:start + 4 * n], dtype=np.int32).tolist()
            if saved_tokens != list(tokens):
                raise ValueError("its tokens differ from the prefix's")
            os.utime(path)  # recently used: kept by _prune
            return Saved(tuple(tokens), data[start + 4 * n:])
        except (OSError, ValueError) as e:
            log.warning("saved prefix %s unusable (%s): reading the prefix again", path, e)
            return None

    def _write(self, key: str, saved: Saved) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
                f.write(_MAGIC + len(saved.tokens).to_bytes(4, "little"))
                f.write(np.asarray(saved.tokens, dtype=np.int32).tobytes())
                f.write(saved.state)
            os.replace(f.name, path)  # whole or not at all: a reader never sees half a file
            self._prune(path.parent)
        except OSError as e:  # a full or read-only disk costs the next start 30 s, not this answer
            log.warning("could not save the prefix to %s: %s", path, e)

    @staticmethod
    def _prune(folder: Path) -> None:
        files = sorted(folder.glob("*.kvstate"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP:]:
            old.unlink(missing_ok=True)


def _state(llama: Llama) -> bytes:
    """The context's state (KV cache, last logits, RNG) as llama.cpp serialises it."""
    import llama_cpp

    size = llama_cpp.llama_state_get_size(llama.ctx)
    buf = (ctypes.c_uint8 * size)()
    n = llama_cpp.llama_state_get_data(llama.ctx, buf, size)
    return ctypes.string_at(buf, n)


def _restore(llama: Llama, saved: Saved) -> bool:
    """Put ``saved`` back into ``llama``'s context; False (cache cleared) if llama.cpp refuses it."""
    import llama_cpp

    buf = (ctypes.c_uint8 * len(saved.state)).from_buffer_copy(saved.state)
    if llama_cpp.llama_state_set_data(llama.ctx, buf, len(saved.state)) != len(saved.state):
        log.warning("llama.cpp refused a saved prefix state: reading the prefix again")
        llama.reset()
        return False
    n = len(saved.tokens)
    llama.input_ids[:n] = saved.tokens
    llama.n_tokens = n
    llama._requires_eval = True  # its logits are the restored state's, not a live decode's
    return True
