"""A long fixed prompt prefix read once, kept, and saved: the bundled model's memory of the article.

In the ``article`` reading mode every prompt starts with the same system turn: the rules and the whole
article (about 3,400 tokens; 5,000 with the English view's renderings). Reading it takes the bundled
model about 30 s on two cores, so it must not be read per question, nor per start:

* llama-cpp-python already reuses the longest prefix its KV cache shares with the next prompt, so
  consecutive questions on one view cost only their own turn;
* but one ``Llama`` has one KV cache: a question on the other view (English after Chinese), a
  translation, or a YES/NO on other passages overwrites it. ``PrefixCache`` keeps a copy of the
  context's state right after each prefix (llama.cpp's ``llama_state_get_data``) and puts it back
  (``llama_state_set_data``, a memory copy of about 100 MB, a few hundred ms) when the cache no
  longer holds it;
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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from llama_cpp import Llama

log = logging.getLogger(__name__)

#: A system turn shorter than this (tokens) is read each time: cheaper than keeping it.
MIN_TOKENS = 1024
#: Saved prefix files kept in the cache folder (both views of the current corpus, and two more).
KEEP = 4
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
        self._saved: dict[str, Saved] = {}
        #: What the last ``ensure`` did, for tests and logs: "held", "memory", "disk" or "computed".
        self.last = ""

    def key(self, tokens: list[int]) -> str:
        h = hashlib.sha256(self.model_id.encode())
        h.update(np.asarray(tokens, dtype=np.int32).tobytes())
        return h.hexdigest()[:32]

    def ensure(self, llama: Llama, tokens: list[int]) -> None:
        """Leave ``llama``'s KV cache holding ``tokens`` as its start: already there, put back from
        memory or disk, or read now and saved."""
        held = llama.longest_token_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens)
        if held >= len(tokens):
            self.last = "held"
            return
        key = self.key(tokens)
        saved = self._saved.get(key)
        self.last = "memory"
        if saved is None and (saved := self._read(key, tokens)) is not None:
            self.last = "disk"
        if saved is not None and _restore(llama, saved):
            self._saved[key] = saved
            return
        llama.n_tokens = held  # read only what the cache does not hold already
        llama.eval(tokens[held:])
        saved = Saved(tuple(tokens), _state(llama))
        self._saved[key] = saved
        self.last = "computed"
        self._write(key, saved)

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
