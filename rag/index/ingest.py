"""Corpus folder → parsed articles → chunks → embeddings → a new Chroma generation → live.

Incremental: chunks of files whose text, embedding model and chunking are unchanged are copied
from the live generation with their vectors; only changed or new files are embedded again; files
that left the folder leave the index. Whole: every file is read and checked before anything is
written, and the new generation goes live in one step at the end (see ``rag.index.store``).
"""

from __future__ import annotations

import dataclasses
import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from llama_index.core.schema import MetadataMode, TextNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag.config import Settings
from rag.index import embedder, names, store
from rag.index.chunks import chunk_article
from rag.index.corpus import PARSER_VERSION, Article, CorpusError, corpus_files, file_hash, read_article
from rag.index.sources import read_meta
from rag.records import Chunk
from rag.text import glossary

if TYPE_CHECKING:
    from rag.llm.backends import LLM

log = logging.getLogger(__name__)

# Metadata that travels with a node but is not part of the embedded or prompted text.
_HIDDEN = ["source", "kind", "paragraph", "start", "end", "spans", "sentences", "sub_article", "heading"]


class IngestBusy(RuntimeError):
    """Another ingest holds the lock; the message says which and what to do."""


@dataclass
class Report:
    files: int = 0
    chunks: int = 0
    added: list[str] = field(default_factory=list)  # sources embedded anew
    kept: list[str] = field(default_factory=list)  # sources copied unchanged
    removed: list[str] = field(default_factory=list)  # sources no longer in the corpus
    changed: bool = False
    seconds: float = 0.0
    generation: str = ""

    def summary(self) -> str:
        if not self.changed:
            return f"Index unchanged: {self.chunks} chunks from {self.files} file(s); nothing to do."
        parts = [f"{len(self.added)} embedded", f"{len(self.kept)} unchanged", f"{len(self.removed)} removed"]
        return (f"Index updated in {self.seconds:.1f} s: {self.chunks} chunks from {self.files} file(s) "
                f"({', '.join(parts)}).")


@contextmanager
def ingest_lock(settings: Settings, wait_s: float | None = None) -> Iterator[None]:
    """One ingest at a time per data folder; a second one waits (saying so), then refuses clearly.

    An OS file lock, so a killed ingest releases it with its process. ``wait_s`` defaults to
    ``RAG_INGEST_WAIT``.
    """
    wait_s = settings.ingest_wait if wait_s is None else wait_s
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "ingest.lock"
    with open(path, "a+") as fh:
        deadline = time.monotonic() + wait_s
        said = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not said:  # an operator watching a silent ingest would think it hung
                    log.warning("Another ingest is running (lock %s); waiting up to %.0f s for it to finish.",
                                path, wait_s)
                    said = True
                if time.monotonic() >= deadline:
                    raise IngestBusy(
                        f"Another ingest is running (lock {path}); waited {wait_s:.0f} s. "
                        "Try again when it has finished."
                    ) from None
                time.sleep(0.2)
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"{time.time():.0f}\n")
            fh.flush()
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def chunking_id(settings: Settings) -> str:
    """What the stored vectors were made from besides the article: the parser, the chunking, and the glossary in
    use, whose English forms are in the ``en`` view (so an index built before any of them changed asks to be built
    again)."""
    views = "+".join(VIEWS)
    return (f"parse{PARSER_VERSION}:sentences:{settings.chunk_chars}:{settings.chunk_overlap}"
            f":ctx{int(settings.embed_context)}:{views}:glossary-{glossary.fingerprint()}")


#: Each chunk is stored once per *view*: the same verbatim text and metadata under a vector of a
#: different text. ``zh`` embeds the chunk as written (with its headline and heading, if enabled);
#: ``en`` embeds it followed by its English-glossed form (``glossary.annotate_english``: names and
#: figures in English), which English questions are matched against. e5-small places an English
#: question near the right Chinese passage poorly, and far better near its English-glossed form,
#: while Chinese questions do worse against ``en`` vectors (docs/history.md), so each language
#: keeps the view that suits it (``rag.index.retrieve``). Both views
#: sit in the one generation so that it still goes live whole, in one step.
VIEWS: tuple[str, ...] = ("zh", "en")


def view_id(chunk_id: str, view: str) -> str:
    """The Chroma id of a chunk's view: the chunk id itself for ``zh``, so citations keep their ids."""
    return chunk_id if view == "zh" else f"{chunk_id}@{view}"


def chunk_id_of(record_id: str) -> str:
    return record_id.split("@", 1)[0]


def to_nodes(chunk: Chunk, with_context: bool) -> list[tuple[TextNode, str]]:
    """One node per view, each with the text its vector is made from."""
    out = []
    for view in VIEWS:
        node = to_node(chunk, with_context)
        node.id_ = view_id(chunk.id, view)
        node.metadata["view"] = view
        node.excluded_embed_metadata_keys.append("view")
        node.excluded_llm_metadata_keys.append("view")
        text = embed_text(node)
        if view == "en":
            text += "\n" + glossary.annotate_english(chunk.text)
        out.append((node, text))
    return out


def to_node(chunk: Chunk, with_context: bool) -> TextNode:
    """A llama-index node whose embedded text may carry the story and section it sits in.

    The stored and shown text is the chunk's verbatim text; the headline and heading only help
    the embedding place a short passage (measured: docs/history.md, chunking).
    """
    meta = chunk.to_metadata()
    hidden = list(_HIDDEN)
    if with_context:
        hidden = [k for k in hidden if k not in ("sub_article", "heading")]
    return TextNode(
        id_=chunk.id,
        text=chunk.text,
        metadata=meta,
        excluded_embed_metadata_keys=hidden,
        excluded_llm_metadata_keys=list(_HIDDEN),
        metadata_template="{value}",
        metadata_seperator=" ",
        text_template="{metadata_str}\n{content}",
    )


def embed_text(node: TextNode) -> str:
    return node.get_content(metadata_mode=MetadataMode.EMBED).strip()


def plan(settings: Settings) -> tuple[dict[str, list[Chunk]], dict[str, str], dict[str, Article]]:
    """Read and chunk every file first: one bad file stops the ingest before anything is written."""
    files = corpus_files(settings.corpus_dir)
    chunks: dict[str, list[Chunk]] = {}
    hashes: dict[str, str] = {}
    articles: dict[str, Article] = {}
    errors = []
    for path in files:
        try:
            article = read_article(path, settings.corpus_dir)
        except CorpusError as e:
            errors.append(str(e))
            continue
        cs = chunk_article(article, settings.chunk_chars, settings.chunk_overlap)
        if not cs:
            errors.append(f"{article.source}: no text to index.")
            continue
        chunks[article.source] = cs
        hashes[article.source] = file_hash(article.text)
        articles[article.source] = article
    if errors:
        raise CorpusError("Nothing was changed; fix these and ingest again:\n  " + "\n  ".join(errors))
    return chunks, hashes, articles


def generated_glossary(settings: Settings) -> Path:
    """Where the machine-made English names of this data folder's index are kept (``rag.index.names``)."""
    return settings.data_dir / names.FILE_NAME


def _pending_glossary(settings: Settings) -> Path:
    """Where an ingest keeps the names it made until its index is live (``run``): the live index's chunking
    records the glossary it was built with, so names written before it was replaced left a killed ingest's
    previous index unopenable ("a glossary changed"; tests/test_ingest.py, session 21)."""
    return settings.data_dir / (names.FILE_NAME + ".next")


def _names_live(settings: Settings) -> None:
    """Put the names of the index just made live beside it, and in use."""
    pending, path = _pending_glossary(settings), generated_glossary(settings)
    if pending.exists():
        pending.replace(path)
    glossary.use_generated(path)


def find_names(settings: Settings, articles: dict[str, Article], hashes: dict[str, str],
               llm: LLM | None = None) -> None:
    """Give English names to the articles corpus/glossary.tsv does not cover, and put them in use for this
    ingest (written beside the generated glossary until the index built with them is live: ``_names_live``).

    The model (``llm``, else LLM_BACKEND's) is loaded only when an article needs reading (the Budget
    article never does). A model that cannot be loaded or answer leaves those articles with figures
    only, logged, not a failed ingest.
    """
    from rag.llm.backends import LLMUnavailable, load_llm

    path, pending = generated_glossary(settings), _pending_glossary(settings)
    needs = names.unread(path, hashes)
    rejected: list[names.Rejected] = []
    done = False
    if settings.ingest_names and settings.llm_backend != "extractive" and needs:
        try:
            llm = llm or load_llm(settings, settings.llm_backend)
            rejected = names.update(path, articles, hashes, lambda m: llm.complete(m, max_tokens=200), llm.name,
                                    out=pending)
            done = True
        except (LLMUnavailable, OSError, RuntimeError) as e:
            log.warning("No English names for %s this time: the model failed (%s)", ", ".join(needs), e)
    if not done:
        names.update(path, articles, hashes, None, "", out=pending)
    for r in rejected:
        log.debug("Name not kept (%s): %s | %s", r.proposal.chinese, r.proposal.english, r.why)
    glossary.use_generated(pending)  # what this ingest builds with; live with its index (``_names_live``)


def run(settings: Settings, force: bool = False,
        progress: Callable[[int, int], None] | None = None, llm: LLM | None = None) -> Report:
    """Bring the index in line with the corpus folder; ``llm`` finds new articles' names (``find_names``)."""
    t0 = time.perf_counter()
    chunks, hashes, articles = plan(settings)
    report = Report(files=len(chunks), chunks=sum(len(v) for v in chunks.values()))
    # guard: a store that fails mid-ingest (server killed, folder gone) is a StoreError with the fix.
    with ingest_lock(settings), store.guard(settings):
        find_names(settings, articles, hashes, llm)
        client = store.connect(settings)
        live = store.active(client, settings)
        model_id = embedder.model_id(settings)
        same_setup = live is not None and live.embed_model == model_id and live.chunking == chunking_id(settings)
        metas = {s: m for s in hashes if (m := read_meta(settings.corpus_dir, s))}
        if not force and same_setup and live.files == hashes:
            if live.metas != metas:  # only a meta.json changed: the pointer keeps it, nothing is embedded
                store.promote(client, settings, dataclasses.replace(live, metas=metas))
            _names_live(settings)
            store.drop_stale(client, settings)
            return report
        reuse = {s for s, h in hashes.items() if same_setup and not force and live.files.get(s) == h}
        report.kept = sorted(reuse)
        report.added = sorted(set(hashes) - reuse)
        report.removed = sorted(set(live.files) - set(hashes)) if live else []

        target = store.new_generation(client, settings)
        if reuse:
            _copy(client, live.collection, target, sorted(reuse))
        todo = [c for s in report.added for c in chunks[s]]
        if todo:
            pairs = [p for c in todo for p in to_nodes(c, settings.embed_context)]
            vectors = embedder.embed_passages(settings, [t for _, t in pairs], progress=progress)
            for (node, _), vec in zip(pairs, vectors, strict=True):
                node.embedding = list(map(float, vec))
            ChromaVectorStore(chroma_collection=target).add([n for n, _ in pairs])
        expected = report.chunks * len(VIEWS)
        if target.count() != expected:
            raise RuntimeError(f"index check failed: wrote {target.count()} records, expected {expected} "
                               f"({report.chunks} chunks × {len(VIEWS)} views)")
        gen = store.Generation(target.name, hashes, model_id, chunking_id(settings), report.chunks, time.time(),
                               metas)
        store.promote(client, settings, gen)
        _names_live(settings)
        store.drop_stale(client, settings)
    report.changed = True
    report.generation = target.name
    report.seconds = time.perf_counter() - t0
    return report


def _copy(client, source_name: str, target, sources: list[str]) -> None:
    """Carry unchanged files' records, vectors included, into the new generation."""
    old = client.get_collection(source_name, embedding_function=None)
    for src in sources:
        got = old.get(where={"source": src}, include=["embeddings", "documents", "metadatas"])
        if got["ids"]:
            target.add(ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"],
                       metadatas=got["metadatas"])
