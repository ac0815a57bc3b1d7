"""Question → ranked chunks of the article, by meaning (dense), by shared words (lexical) or both (hybrid).

Dense search goes through llama-index's VectorStoreIndex over the live Chroma generation, with
the e5 ``query: `` prompt on the question; the chunk records come back from node metadata.

Lexical search is BM25 over the same chunks (``rag.index.lexical``), built in memory from the live
generation when the index opens, so both sides always rank the same chunks.

Hybrid fuses the two. The lexical side can only help when the question is written in the
article's words: an English question shares no characters with a Chinese article, and a BM25
ranking made of the few acronyms and numbers it does share (AI, 2025) is noise that pushed good
dense answers down (with plain reciprocal rank fusion, in a probe: docs/history.md). So
the lexical side joins only when at least ``RAG_HYBRID_MIN_COVERAGE`` of the question's tokens
occur in the article at all (``LexicalIndex.coverage``); below that, hybrid is exactly dense.
The gate looks at what the question shares with the corpus, not at its language label, so an
English question quoting 沙嶺數據園 still gets lexical help, and a Chinese question about
something the article never mentions is left to the dense side.

Each language searches the way that measured best for it (``Query``):

* Chinese questions are rewritten into the article's register before embedding: simplified
  characters into traditional, then Cantonese colloquial words (and the few Mainland words the
  article writes the Hong Kong way) into written ones (``language.to_written``). e5 treats
  国家制造业 and 國家製造業 as different text; the rewrite puts the right passage first more often for
  simplified and Cantonese questions, and changes nothing for traditional Mandarin ones.
* English questions are matched against each chunk's English view (``rag.index.ingest.VIEWS``), and get
  the Chinese forms of the glossary names they mention appended ("Sandy Ridge Data Park" →
  + 沙嶺數據園) for the dense side. Each of the two puts the right passage first more often for English
  questions, and the two together most. Of an article a person gave no English names for, the Chinese an
  English question spells in Hong Kong's romanisation is appended too ("Kai Tak" → + 啟德: ``rag.text.romanise``).

The figures for each of these, and the whole eval set's before and after, are in docs/history.md.

Scores (``Hit.score``) by mode:

``dense``    cosine similarity of question and chunk embeddings (−1..1; e5 gives ~0.7–0.9).
``lexical``  BM25 (Lucene variant, k1=1.2, b=0.75) over ``for_matching`` tokens; ≥ 0, unbounded,
             comparable only within one question. Chunks sharing no token are not returned.
``hybrid``   ``(1 − w)·dense′ + w·lexical′`` in 0..1, where dense′ is the cosine min-max scaled over
             the dense candidates (over at least ``MIN_SPAN`` below the best: ``Index.hybrid``), lexical′
             is BM25 divided by the question's best BM25, and w = ``RAG_HYBRID_LEXICAL_WEIGHT`` when the
             coverage gate is passed, else 0.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
from chromadb.api.models.Collection import Collection
from llama_index.core import QueryBundle, VectorStoreIndex
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.vector_stores import MetadataFilter, MetadataFilters
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag.config import SEARCH_MODES, Settings
from rag.index import embedder, store
from rag.index.chunks import whole_blocks
from rag.index.ingest import chunk_id_of, chunking_id, generated_glossary, view_id
from rag.index.lexical import LexicalIndex
from rag.index.sources import Source, sources
from rag.records import Chunk, Hit
from rag.text import glossary, language
from rag.text.romanise import Romanised

MODES = SEARCH_MODES


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
    return mode


@dataclass(frozen=True)
class Query:
    """What each side of a search is given for one question, and which view the dense side reads."""

    dense: str
    lexical: str
    view: str


def query_for(question: str, lang: str | None = None, romanised: Romanised | None = None) -> Query:
    """The question as each side should see it (see the module docstring for why). ``romanised``: the articles
    without English names by a person, whose Chinese an English question may spell (``Index.romanised``)."""
    lang = lang or language.detect(question).lang
    if lang == "en":
        # The names go to the dense side only: given to BM25 too, they pass the coverage gate and pull
        # up every short headline that names the same body (English hybrid hits fell: docs/history.md).
        names = glossary.chinese_for_english(question)
        if romanised:
            names += [c for c in romanised.chinese_in(question) if not any(c in n for n in names)]
        return Query(dense=" ".join([question, *names]), lexical=question, view="en")
    return Query(dense=language.to_written(question), lexical=question, view="zh")


#: The hybrid score a conversation's own article gets over the others (scores run 0 to 1): measured at 100
#: articles (docs/history.md, "More than one article").
AFFINITY = 0.25
#: The score the one article writing a name the question names gets over the others (``Bot._retrieve``): "Who is
#: the Secretary for Innovation, Technology and Industry?" found that article's passage 14th by meaning, at 0.71
#: of the best with ``AFFINITY`` (the Budget article has many passages on innovation; session 24).
NAMED_AFFINITY = 0.5

#: The least span of cosines the dense side is scaled over. With many articles on one subject, the dense top
#: 20 of a question can sit within 0.013 of each other (0.857-0.870 for hant-015 among 100 articles), and
#: min-max scaling made that noise as large as the lexical side's whole range: the passage BM25 put second by
#: far (28.1 against 12.2), which the dense side had not returned, fell to sixth behind four made-up articles'
#: chunks. Over at least 0.03 below the best, such a passage keeps its own cosine's share; a spread wider than
#: that (one article's usual case) is scaled as before (docs/history.md, session 19).
MIN_SPAN = 0.03


@dataclass
class Index:
    """What a search needs, opened once: the live generation, a dense retriever per view and a lexical index."""

    settings: Settings
    generation: store.Generation
    vector_index: VectorStoreIndex
    size: int
    lexical: LexicalIndex
    #: The whole corpus, one chunk per block (paragraph, caption, list item), in order: what a model reads
    #: in the ``article`` mode (``rag.index.chunks.whole_blocks``).
    article: list[Chunk] = field(default_factory=list)
    #: The indexed files, each with its headline and blocks (``rag.index.sources``): what the texts that
    #: name the corpus (refusals, system turns, the app's header and article view) are built from.
    sources: tuple[Source, ...] = ()
    #: The articles ``corpus/glossary.tsv`` does not cover, romanised: what their English names may be spelt as.
    romanised: Romanised = field(default_factory=lambda: Romanised(""))
    #: The sources a person gave English names for (``corpus/glossary.tsv``'s covers lines); the others' are
    #: the model's (``rag.index.names``).
    named_by_hand: frozenset[str] = frozenset()
    #: The live generation's Chroma collection: the stored vectors of chunks the lexical side alone found.
    collection: Collection | None = None  # the same class from the embedded and the HTTP client
    retrievers: dict[tuple[str, int], BaseRetriever] = field(default_factory=dict)

    def search(self, question: str, k: int | None = None, mode: str | None = None,
               lang: str | None = None, prefer: str | None = None, affinity: float = AFFINITY) -> list[Hit]:
        """The k best chunks for question, best first; mode defaults to RAG_SEARCH_MODE, lang to detection.

        ``prefer``: the source a conversation is about (``conversation_source``) or the question names; in hybrid
        search its chunks score ``affinity`` more, so a vague follow-up stays in its article unless another matches
        far better.
        """
        mode = check_mode(mode or self.settings.search_mode)
        k = k or self.settings.top_k
        query = query_for(question, lang, self.romanised)
        if mode == "dense":
            return [Hit(c, s, "dense", cosine=s) for c, s in self.dense(query, k)]
        if mode == "lexical":
            return [Hit(c, s, "lexical") for c, s in self.lexical.search(query.lexical, k)]
        return [Hit(c, s, "hybrid", cosine=cos) for c, s, cos in self.hybrid(query, k, prefer, affinity)]

    def conversation_source(self, earlier: list[str]) -> str | None:
        """The source the last earlier question's best passage is in; None with one source or no history."""
        if len(self.sources) < 2 or not earlier:
            return None
        hits = self.search(earlier[-1], k=1)
        return hits[0].chunk.source if hits else None

    def text_of(self, *files: str | None) -> str:
        """The text of the indexed ``files``, block by block, a blank line between two ("" for none indexed)."""
        return "\n\n".join(self._texts[s.file] for s in self.sources if s.file in files and s.blocks)

    @functools.cached_property
    def _texts(self) -> dict[str, str]:
        """Each source's text, joined once: ``pipeline.naming_source`` reads every source's on each question."""
        return {s.file: "\n".join(b.text for b in s.blocks) for s in self.sources}

    def dense(self, query: Query, k: int) -> list[tuple[Chunk, float]]:
        """Top-k chunks by cosine similarity of e5 embeddings, in the query's view."""
        key = (query.view, k)
        if key not in self.retrievers:  # one per (view, k), never changed after: threads share them
            self.retrievers[key] = self.vector_index.as_retriever(
                similarity_top_k=k, filters=MetadataFilters(filters=[MetadataFilter(key="view", value=query.view)]))
        bundle = QueryBundle(query_str=query.dense, embedding=embedder.query_vector(self.settings, query.dense))
        out = []
        for nws in self.retrievers[key].retrieve(bundle):
            node = nws.node
            chunk = Chunk.from_metadata(chunk_id_of(node.node_id), node.get_content(), node.metadata)
            # llama-index's Chroma store reports exp(-distance); give back the cosine similarity.
            score = 1.0 + math.log(nws.score) if nws.score and nws.score > 0 else 0.0
            out.append((chunk, score))
        return out

    def lexical_weight(self, question: str) -> float:
        """The lexical side's share in hybrid: RAG_HYBRID_LEXICAL_WEIGHT, or 0 below the coverage gate."""
        if self.lexical.coverage(question) < self.settings.hybrid_min_coverage:
            return 0.0
        return self.settings.hybrid_lexical_weight

    def hybrid(self, query: Query, k: int, prefer: str | None = None,
               affinity: float = AFFINITY) -> list[tuple[Chunk, float, float | None]]:
        """Weighted sum of min-max scaled cosine and max-scaled BM25 over both sides' candidates.

        Candidates are the dense top ``RAG_HYBRID_DEPTH`` plus every chunk with a positive BM25 score.
        A lexical candidate the dense side did not return gets the lowest dense score seen (0 after
        scaling). Ties keep article order, so equal scores rank the same way on every run.
        Returns (chunk, fused score, cosine or None when the chunk came from the lexical side only).
        """
        depth = max(k, self.settings.hybrid_depth)
        dense = self.dense(query, depth)
        w = self.lexical_weight(query.lexical)
        cands: dict[str, Chunk] = {c.id: c for c, _ in dense}
        cos = {c.id: s for c, s in dense}
        lo, hi = (min(cos.values()), max(cos.values())) if cos else (0.0, 0.0)
        narrow = 0 < hi - lo < MIN_SPAN
        lo = min(lo, hi - MIN_SPAN) if narrow else lo
        span = hi - lo
        fused = {cid: (s - lo) / span if span > 0 else 1.0 for cid, s in cos.items()}
        if w > 0:
            bm25 = self.lexical.scores(query.lexical)
            top = float(bm25.max()) if len(bm25) else 0.0
            if top > 0:
                found = {c.id: (c, float(s)) for c, s in zip(self.lexical.chunks, bm25, strict=True) if s > 0}
                # A chunk not among the dense candidates is below their lowest cosine: 0 after a wide span's
                # scaling, but within a widened one it may be above the floor, so its own cosine is read.
                below = self._cosines(query, [cid for cid in found if cid not in cos]) if narrow else {}
                for cid in fused:
                    fused[cid] *= 1.0 - w
                for cid, (chunk, s) in found.items():
                    cands.setdefault(cid, chunk)
                    if cid not in fused and below.get(cid, lo) > lo:
                        fused[cid] = (1.0 - w) * (below[cid] - lo) / span
                    fused[cid] = fused.get(cid, 0.0) + w * s / top
        if prefer:
            fused = {cid: f + (affinity if cands[cid].source == prefer else 0.0) for cid, f in fused.items()}
        order = sorted(fused, key=lambda cid: (-fused[cid], cands[cid].source, cands[cid].start))
        return [(cands[cid], fused[cid], cos.get(cid)) for cid in order[:k]]

    def _cosines(self, query: Query, ids: list[str]) -> dict[str, float]:
        """The cosine of ``query`` with each chunk's stored vector in its view (chunks without one left out)."""
        if not ids or self.collection is None:
            return {}
        got = self.collection.get(ids=[view_id(cid, query.view) for cid in ids], include=["embeddings"])
        body = np.asarray(embedder.query_vector(self.settings, query.dense))
        return {chunk_id_of(rid): float(np.asarray(vec) @ body) for rid, vec in zip(got["ids"], got["embeddings"],
                                                                                  strict=True)}


def live_chunks(collection) -> list[Chunk]:
    """Every chunk of a Chroma generation, in article order (source, then offset)."""
    got = collection.get(where={"view": "zh"}, include=["documents", "metadatas"])
    chunks = [Chunk.from_metadata(i, t or "", m or {})
              for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)]
    return sorted(chunks, key=lambda c: (c.source, c.start, c.end))


def open_index(settings: Settings) -> Index:
    # The names this index's English view was built with are the ones its questions are read with.
    glossary.use_generated(generated_glossary(settings))
    client = store.connect(settings)
    gen, collection = store.open_active(client, settings)
    if gen.embed_model != embedder.model_id(settings):
        raise store.StoreError(
            f"The index was built with {gen.embed_model}, but RAG_EMBED_MODEL is {embedder.model_id(settings)}. "
            "Run `python ingest.py` to rebuild it with the configured model."
        )
    if gen.chunking != chunking_id(settings):
        raise store.StoreError(
            f"The index was built with chunking {gen.chunking}, but the settings ask for {chunking_id(settings)} "
            "(an older version of this program, RAG_CHUNK_* changed, or a glossary changed). "
            "Run `python ingest.py` to rebuild it."
        )
    index = VectorStoreIndex.from_vector_store(
        ChromaVectorStore(chroma_collection=collection), embed_model=embedder.embed_model(settings)
    )
    chunks = live_chunks(collection)
    lexical = LexicalIndex.build(chunks, settings.lexical_tokenizer)
    blocks = whole_blocks(chunks)
    return Index(settings, gen, index, len(chunks), lexical, blocks, sources(blocks, settings.corpus_dir, gen.metas),
                 romanised(blocks), frozenset(glossary.covered_sources()), collection)


def romanised(blocks: list[Chunk]) -> Romanised:
    """The text of the articles the hand glossary does not cover, with the people its machine-made rows name."""
    covered = set(glossary.covered_sources())
    text = "\n".join(b.text for b in blocks if b.source not in covered)
    people = [e.chinese for e in glossary.entries() if e.kind == "person" and e.certainty == "machine"]
    return Romanised(text, people, elsewhere="\n".join(b.text for b in blocks if b.source in covered))
