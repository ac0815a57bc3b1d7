"""A question's way to a cited answer: ``Bot(settings).stream(question, history, backend)``.

    question ─ clean & check ─ language.detect ─ followup.standalone ─ retrieve.search
             ─ refuse.judge ─ extractive quote, or a model: asked whether the passages answer
               (generate.answerable), then answering (generate) ─ ground.check ─ mended, or retried once
             ─ else extractive: the best sentences quoted (in English too for an English asker: translate)
             ─ the asker's script (and Cantonese words for a Cantonese asker: spoken)
             ─ Answer with verbatim citations and timings

``Bot.stream`` yields the answer text as it grows (already in the asker's script) and ends with the
final ``Answer``, whose text is what the grounding check passed: an interface replaces what it streamed
with it. The CLI, the app and the eval runner all answer through one ``Bot``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rag import config
from rag.answer import cite, extractive, followup, generate, ground, prompts, refuse, translate
from rag.answer.about import ONE_ARTICLE, About
from rag.answer.about import about as corpus_about
from rag.config import BACKENDS, Settings
from rag.index import embedder, names, retrieve, store
from rag.index.retrieve import Index, open_index
from rag.llm.backends import LLM, LLMUnavailable, load_llm
from rag.records import Answer, Hit
from rag.text import glossary, kinds, language, numbers, spoken

log = logging.getLogger(__name__)

#: Tokens the article mode leaves free after the article: the question's turn, the answer, a retry's turns.
ROOM = 1024
#: Of a corpus too long to read whole, the articles read at warm-up when no more than this many fit alone
#: (both views each: their states stay in memory, ``rag.llm.prefix.IN_MEMORY``).
PRIMED_ARTICLES = 3
#: Sets of articles whose system turns ``Bot.about`` keeps made (a few kB each): over many articles, the
#: sets questions' passages come from are many, and a server runs for weeks.
ABOUTS_KEPT = 256


def clean(question: str) -> str:
    """Text a person could have meant: no lone surrogates, no control characters, NFC, trimmed."""
    # Category C covers control characters, lone surrogates and unassigned code points.
    question = "".join(ch for ch in question if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    question = unicodedata.normalize("NFC", question).strip()
    # Nothing to go on (only punctuation, symbols or spaces) is treated as no question at all.
    return question if any(ch.isalnum() for ch in question) else ""


def check_input(question: str, settings: Settings) -> tuple[str, str, str | None]:
    """(cleaned question, its language, the message refusing it or None): the one gate every
    interface's input passes, so the app, the CLI's ask and search, and the evals refuse alike.

    The language is read from the first few thousand characters: enough to tell, and a megabyte
    pasted in is refused in the asker's language without being read whole.
    """
    q = clean(question)
    lang = language.detect(q[: 4 * settings.max_question_chars]).lang
    if not q:
        return q, lang, prompts.EMPTY_QUESTION[lang]
    if len(q) > settings.max_question_chars:
        return q, lang, prompts.TOO_LONG[lang].format(n=len(q), limit=settings.max_question_chars)
    return q, lang, None


def as_shown(text: str, lang: str, written: str = "") -> str:
    """A model's text in the asker's script, and for a Cantonese asker in Cantonese words (``rag.text.spoken``);
    ``written``: the passages it was given (``language.convert_to_script``)."""
    text = language.convert_to_script(text, lang, written)
    return spoken.cantonese(text) if lang == "yue" else text


def answering_passages(question: str, hits: list[Hit], named: str | None = None) -> list[Hit]:
    """The hits a model may answer from, best first: without bylines, unless the question asks who wrote,
    without a passage whose words an earlier one already shows, and only one article's when the question names
    what only it writes (``named``: ``named_article``) or when it plainly leads (``one_article``).

    A byline (香港文匯報訊（記者 楊盈盈）) says only who wrote a story; shown as a passage, the model
    answered questions with it (docs/history.md). Each story repeats its byline word for word, so a question
    about the writers got the same line three times and never the fourth passage naming both (hant-042).
    """
    kept = [h for h in hits if h.chunk.kind != "byline" or kinds.asks_for_author(question)] or hits
    out: list[Hit] = []
    for h in kept:
        if not any(h.chunk.text in o.chunk.text for o in out):
            out.append(h)
    if named and any(h.chunk.source == named for h in out):
        return [h for h in out if h.chunk.source == named]
    return one_article(out)


def _invented(text: str, question: str, passages: list[str]) -> bool:
    """Whether ``text`` states a figure (not one the question states) that no passage gives in any form."""
    stated = [f for f in numbers.unsupported(ground.strip_markers(text), passages) if not numbers.trivial(f)]
    return bool(stated and numbers.unsupported(" ".join(f.text for f in stated), [question]))


def _without(text: str, added: set[str]) -> str:
    """``text`` without the brackets ``added`` (what code put in the question, not the asker), in whichever
    spelling the model copied them (綫 or 線)."""
    if not added:
        return text
    folded = {language.for_matching(a) for a in added}
    return re.sub(r"（[^（）]+）", lambda m: "" if language.for_matching(m.group()) in folded else m.group(), text)


def named_article(question: str, lang: str, hits: list[Hit], text_of: Callable[[str], str]) -> str | None:
    """The one article among the hits' that writes a name the question names (a glossary name, asked in Chinese
    or in English) which no other of them writes; None when no name tells, or two names point apart.

    With the railway article beside the Budget one, "Who is the Secretary for Transport and Logistics?" (運輸及物流局
    局長, in the railway article only) was answered "Transport Department (TD)" from a Budget passage on 運輸署 that
    search ranked among the railway's, under ``ONE_ARTICLE_GAP`` (docs/history.md, session 21).
    """
    return naming_source(question, lang, list(dict.fromkeys(h.chunk.source for h in hits)), text_of)


def naming_source(question: str, lang: str, sources: list[str], text_of: Callable[[str], str]) -> str | None:
    """The one of ``sources`` that writes a name the question names which no other of them writes (``named_article``
    over any sources: searched over the whole corpus, the question's passages come first from that article).

    "Who is the Secretary for Innovation, Technology and Industry?" (創新科技及工業局局長, written by the ninth test
    article only) found five Budget passages on 財政司司長 before any of that article's: an English question is
    searched by meaning alone, and the Budget article has many passages on innovation (session 24)."""
    if len(sources) < 2:
        return None
    names = (glossary.chinese_for_english(question) if lang == "en"
             else [t.chinese for t in glossary.find_terms(question)])
    texts = {s: text_of(s) for s in sources} if names else {}
    told = set()
    for name in names:
        writers = [s for s in sources if name in texts[s]]
        if len(writers) == 1:
            told.add(writers[0])
    return next(iter(told)) if len(told) == 1 else None


#: Why an answer is turned down when the question's place is not in the article it cites
#: (``Bot._against_cited_articles``).
PLACE_UNCITED = "the question names a place the article it cites never writes"
#: Why an answer was turned down whose figure the article gives of something else than the name it is stated of
#: (``refuse.figures_of_others``); its replacement is a refusal, not a quote of the sentence with that figure.
OF_OTHERS = "a figure the article gives of something else, not of"


#: How far (in search's score) the best passage must lead every other article's best for the model to read only
#: passages of its article.
ONE_ARTICLE_GAP = 0.3


def one_article(hits: list[Hit]) -> list[Hit]:
    """Only the best hit's article's hits, when the best plainly leads every other article's; else all of them.

    With a health article beside the Budget one, 國際臨床試驗學院幾時成立？ found the Budget's list item first by
    far (1.0), then four health passages (0.26-0.30: 成立, 醫療), and the model answered from one of them:
    香港中醫醫院將於今年底試業. An answer is one article's; a passage from another only distracts the model, unless
    search ranks that article nearly as high (docs/history.md, session 20). ``Bot._fill_one_article`` then fills
    the passages to as many as that article alone would give.
    """
    if not hits:
        return hits
    top = hits[0]
    others = [h.score for h in hits if h.chunk.source != top.chunk.source]
    if not others or top.score - max(others) < ONE_ARTICLE_GAP:
        return hits
    return [h for h in hits if h.chunk.source == top.chunk.source]


def unavailable(question: str, backend: str = "extractive") -> Answer:
    """What a citizen gets when the index cannot be read: no answer (never one without sources).

    For interfaces that catch ``store.StoreError``; its message, with the operator's fix, goes to
    their log.
    """
    lang = language.detect(clean(question)).lang
    return Answer(text=prompts.INDEX_UNAVAILABLE[lang], language=lang, refused=True,
                  backend=backend, note="index unavailable")


class _Clock:
    """Milliseconds since the question arrived, each mark kept at its first time."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.timings.setdefault(name, (time.perf_counter() - self.t0) * 1000)


@dataclass
class _Question:
    """One question on its way: what every stage after retrieval reads."""

    text: str  # cleaned, as asked
    lang: str
    query: str  # what was searched: a follow-up joined to the question before it
    previous: str | None  # the question before, when this one is a follow-up
    backend: str
    hits: list[Hit] = field(default_factory=list)
    clock: _Clock = field(default_factory=_Clock)
    #: The texts naming the indexed corpus (its refusal; the model is told of what it reads: ``_Shown.about``).
    about: About = ONE_ARTICLE
    #: The asker's earlier questions (a conversation stays in its article: ``Index.conversation_source``).
    earlier: list[str] = field(default_factory=list)
    #: What the question's vector was made of (``retrieve.Query.dense``) for the extractive backend: an English
    #: question with the Chinese of the names it uses, which its sentences are ranked by too (``extractive.ranked``).
    dense: str = ""

    def refusal(self, message: str | None = None, note: str = "") -> Answer:
        self.clock.mark("total_ms")
        return Answer(text=message or self.about.refusal[self.lang], language=self.lang, refused=True,
                      backend=self.backend, retrieved=tuple(self.hits), timings=self.clock.timings, note=note)


@dataclass
class _Shown:
    """The passages a model answers from, as stored (for the checks) and as it reads them."""

    hits: list[Hit]
    passages: list[str]  # verbatim, what the grounding check compares against
    seen: list[str]  # as the model reads them (English renderings for an English asker)
    article: list[Hit] = field(default_factory=list)  # the article mode: every block, ``hits`` its numbered ones
    pointer: tuple[int, ...] = ()  # in the article mode, the numbers of search's best passages
    #: The texts naming what the model reads (its system turn): the whole corpus, or the passages' articles.
    about: About = ONE_ARTICLE

    @classmethod
    def of(cls, hits: list[Hit], lang: str, about: About, article: list[Hit] | None = None,
           pointer: tuple[int, ...] = ()) -> _Shown:
        return cls(hits, [h.chunk.text for h in hits], [generate.shown_text(h, lang) for h in hits],
                   article or [], pointer, about)

    @property
    def whole(self) -> bool:
        return bool(self.article)

    @property
    def read(self) -> list[Hit]:
        """What ``generate.messages`` is given: every block in the article mode, else the passages."""
        return self.article or self.hits


def _mended(text: str, result: ground.Check, mended: str | None, shown: _Shown, q: _Question
            ) -> tuple[str, ground.Check]:
    """``mended`` in place of ``text`` if there is one and it passes the grounding check; else as it was.

    Every repair by code (markers added, a claim cited to the passage that holds it, a qualifier given
    back) goes through here: a repair is only ever kept when the whole answer then passes.
    """
    if mended and (again := ground.check(mended, shown.passages, q.text, q.lang)).ok:
        return mended, again
    return text, result


def _only_figures(result: ground.Check) -> bool:
    """Whether ``result`` turned its answer down only for figures its cited passages do not state."""
    return bool(result.problems) and all(p.startswith("figures not in") for p in result.problems)


def _figures_mended(text: str, result: ground.Check, shown: _Shown, q: _Question) -> tuple[str, ground.Check]:
    """``text``, turned down only for its figures, with what code can mend of them; else as it was."""
    # 4.8億元 read as "HK$4.8 billion": the passage's value, then cited to its passage if need be.
    if scaled := numbers.rescaled(text, shown.passages):
        text, result = _mended(text, result, ground.recite(scaled, shown.passages) or scaled, shown, q)
    # 今年9月 as "September 2023": the article's month, without the year the model guessed. Judged by the
    # passages it cites, as the check is: another block may hold 2024 and 3月 apart.
    if not result.ok:
        cited = [shown.passages[n - 1] for n in result.cited if 1 <= n <= len(shown.passages)]
        if bare := numbers.without_unstated_years(text, cited or shown.passages):
            text, result = _mended(text, result, ground.recite(bare, shown.passages) or bare, shown, q)
    if not result.ok:
        text, result = _mended(text, result, ground.recite(text, shown.passages), shown, q)
    return text, result


class Bot:
    """The question-answering bot: the index, the corpus text and the models, opened once, for any thread.

    ``llm`` replaces the model of every non-extractive backend (a ``rag.llm.fake.FakeLLM`` in tests).
    The index is opened on first use and again after a store failure, so questions work again once
    the operator has fixed the store, without a restart.
    """

    def __init__(self, settings: Settings | None = None, llm: LLM | None = None) -> None:
        self.settings = settings or config.load()
        self._llm = llm
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._corpus: str | None = None
        self._abouts: tuple[Index, dict[tuple[str, ...], About]] | None = None
        self._fitting: dict[tuple[str, str, tuple[str, ...], int], bool] = {}

    # -- what it holds ------------------------------------------------------------------------------

    @property
    def index(self) -> Index:
        with self._lock:
            if self._index is None:
                self._index = open_index(self.settings)
            return self._index

    def corpus_text(self) -> str:
        """Every indexed passage's text: what 'the article mentions' means to the refusal check.

        Read from the index rather than the corpus folder, so a deployment with a Chroma server and
        no corpus files refuses the same way.
        """
        with self._lock:
            if self._corpus is None:
                client = store.connect(self.settings)
                _, collection = store.open_active(client, self.settings)
                docs = collection.get(where={"view": "zh"}, include=["documents"])["documents"]
                self._corpus = "\n".join(docs or [])
            return self._corpus

    def about(self, hits: list[Hit] | None = None) -> About:
        """The texts that name the indexed corpus (``rag.answer.about``), or only the articles ``hits`` come
        from; made once per opened index and set of articles.

        From the index's own sources, so a new ingest (after ``forget_index``) is named as it is. A refusal
        names the whole corpus. The model reading passages is told only of their own articles: a question on
        the Budget article whose passages are all its own gets the one-article prompt word for word, and so the
        same answer, whatever else is indexed (the model, 1.5B, answered a system turn naming two articles
        differently: docs/history.md); its state per system turn is kept (``generate.head``).
        """
        index = self.index
        files = {h.chunk.source for h in hits} if hits is not None else None
        sources = tuple(s for s in index.sources if files is None or s.file in files) or index.sources
        key = tuple(s.file for s in sources)
        with self._lock:
            if self._abouts is None or self._abouts[0] is not index:
                self._abouts = (index, {})
            made = self._abouts[1]
            if key not in made:
                if len(made) >= ABOUTS_KEPT:  # the oldest set first (dicts keep their order)
                    del made[next(iter(made))]
                made[key] = corpus_about(sources)
            return made[key]

    def model(self, backend: str) -> LLM:
        """The model for ``backend``; ``LLMUnavailable`` if it cannot be had."""
        return self._llm if self._llm is not None else load_llm(self.settings, backend)

    def forget_index(self) -> None:
        """Open the index afresh on the next question (after a store failure or a new ingest)."""
        with self._lock:
            self._index = None
            self._corpus = None

    def warm(self, backend: str | None = None) -> None:
        """Load what the first question would otherwise wait for: the index, the embedding model, and the
        bundled model (read once and run one token). The app calls it before it opens; the eval runner
        before it times anything, so its latency figures are the warm ones."""
        backend = backend or self.settings.llm_backend
        self.answer("撥咗幾多錢搞全民AI培訓？", backend="extractive")
        if backend != "extractive":  # only a model's answers are put into Cantonese words
            spoken.cantonese("在香港的")  # jieba's part-of-speech tables, read once (about a second)
        if backend in ("bundled", "openai"):
            try:
                log.info("the model has the article: %s", self.prime(backend) or "reads passages")
            except LLMUnavailable as e:  # answered extractively until it is back (each answer says so)
                log.warning("the %s model is unavailable at start: %s", backend, e)
        embedder.forget_queries()

    def prime(self, backend: str) -> dict[str, str]:
        """Have ``backend``'s model read the article now, in each view, if it reads the article
        (``rag.llm.prefix``: from the saved state when there is one); of a corpus too long for its window, each
        article that fits, when there are few. Returns, per view (and article), where its state came from
        ("computed", "disk", …); {} when the model reads passages. ``LLMUnavailable`` if it cannot be had.
        """
        llm = self.model(backend)
        if self.settings.llm_reads != "article":
            return {}
        blocks = self._article()
        if primed := {lang: llm.prime(generate.messages("?", lang, blocks, whole=True, about=self.about()))
                      for lang in ("yue", "en") if self._fits(llm, blocks, lang)}:
            return primed
        # The corpus does not fit: each article that does is read whole when a question is on it (``_reading``).
        # Read now when there are few; of more, each on its first question (then from disk after a restart).
        articles: dict[str, list[Hit]] = {}
        for b in blocks:
            articles.setdefault(b.chunk.source, []).append(b)
        fitting = [(f"{source} ({lang})", generate.messages("?", lang, mine, whole=True, about=self.about(mine)))
                   for source, mine in articles.items() for lang in ("yue", "en")
                   if self._fits(llm, mine, lang, quiet=True)]
        if len(fitting) > 2 * PRIMED_ARTICLES:
            return {}
        return {name: llm.prime(msgs) for name, msgs in fitting}

    # -- answering ----------------------------------------------------------------------------------

    def answer(self, question: str, history: list[str] | None = None, backend: str | None = None) -> Answer:
        """The final ``Answer`` of ``stream``."""
        final = None
        for item in self.stream(question, history, backend):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final

    def stream(self, question: str, history: list[str] | None = None,
               backend: str | None = None) -> Iterator[str | Answer]:
        """Yield the growing answer text, then the final Answer.

        ``history``: the asker's earlier questions, oldest first (a follow-up is read with the last).
        ``backend``: one of ``BACKENDS`` (default ``RAG_LLM_BACKEND``); another raises ``ValueError``.
        ``store.StoreError`` is raised when the index cannot be read (``unavailable`` words it for a citizen).
        """
        backend = backend or self.settings.llm_backend
        q_text, lang, refused = check_input(question, self.settings)
        if refused:
            yield _Question(q_text, lang, q_text, None, backend).refusal(refused)
            return
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        # A turn the bot refused (empty, or over the limit) is no context: a 1 MB question followed by
        # 佢幾時開始？ would otherwise be searched whole.
        earlier = [c for c, _, r in (check_input(h, self.settings) for h in history or []) if not r]
        q = _Question(q_text, lang, q_text, None, backend, earlier=earlier)
        if (refusal := self._retrieve(q)) is not None:
            yield refusal
        elif backend == "extractive":
            yield from self._extractive(q)
        else:
            yield from self._model_answer(q)

    @contextlib.contextmanager
    def _store(self) -> Iterator[None]:
        """Index reads, with Chroma's failures as ``store.StoreError`` and the index forgotten after one (the next
        question opens it again: a restarted server, a rebuilt index)."""
        try:
            with store.guard(self.settings):
                yield
        except store.StoreError:
            self.forget_index()
            raise

    def _retrieve(self, q: _Question) -> Answer | None:
        """Search for ``q``'s passages (with the question before it, if it is a follow-up); the refusal if nothing
        in the article is close to it."""
        with self._store():
            index = self.index
            # After the index is open: the follow-up rule reads the names of its glossary (rag.text.glossary).
            q.query = followup.standalone(q.text, q.earlier, q.lang)
            q.previous = q.earlier[-1] if q.query != q.text else None
            if q.lang != "en":  # 聯招 searched with the article's 大學聯合招生辦法 (names.with_written_forms)
                q.query = names.with_written_forms(q.query)
            prefer = index.conversation_source(q.earlier)
            named = None if prefer else naming_source(q.query, q.lang, [src.file for src in index.sources],
                                                      index.text_of)
            if q.lang == "en" and q.backend == "extractive":
                # Not where a model answers: there the quote replaces a rejected answer, chosen with its figures,
                # and the names' Chinese cost two answers and gained none (docs/history.md, session 26).
                q.dense = retrieve.query_for(q.query, q.lang, index.romanised).dense
            q.hits = index.search(q.query, k=self.settings.top_k, lang=q.lang, prefer=prefer or named,
                                  affinity=retrieve.NAMED_AFFINITY if named else retrieve.AFFINITY)
            # A follow-up is about its conversation's article, or the articles its best passages are in: what
            # it names must be in those (開幕 in a sports article does not make 具体是哪一天开幕？ after a Budget
            # question answerable). Not the conversation's article alone: with 100 articles, it was another
            # article on a Budget question, and a right follow-up was refused (docs/history.md).
            near = [prefer, *(h.chunk.source for h in q.hits[: self.settings.llm_passages])] \
                if prefer and q.previous else []
            corpus = (near and index.text_of(*near)) or self.corpus_text()
            # The articles as written, paragraph by paragraph (the passages overlap and cut sentences).
            articles = index.text_of(*(near or [s.file for s in index.sources]))
            q.about = self.about()
        q.clock.mark("retrieve_ms")
        # The refusal threshold is a cosine similarity; hybrid and lexical scores are not one, Hit.cosine is.
        cosines = [h.cosine for h in q.hits if h.cosine is not None]
        top = max(cosines) if cosines else (self.settings.refuse_below if q.hits else 0.0)
        floor = self.settings.refuse_below_en if q.lang == "en" else self.settings.refuse_below
        # Only where a model answers: its YES/NO and the grounding's names check still turn down a name the
        # passages lack (Donald Trump); the extractive backend would quote the nearest sentence.
        by_model = (q.backend != "extractive" and bool(q.hits)
                    and q.hits[0].chunk.source not in index.named_by_hand)
        verdict = refuse.judge(q.text, q.lang, top, corpus, floor, index.romanised, by_model, articles)
        return q.refusal(note=f"refused before any model: {verdict.reason}") if verdict.refuse else None

    def _extractive(self, q: _Question, note: str = "", llm: LLM | None = None,
                    rejected: tuple[str, str] | None = None) -> Iterator[str | Answer]:
        """The best sentences quoted; for an English asker with their English (``rag.answer.translate``) after them.

        With a model to translate, the quote is yielded first, so the asker reads it while the translation is
        written. ``rejected``: the model's answer this replaces, and why (``extractive.choose`` reads its figures).
        """
        asked = kinds.asked_units(q.text, q.lang)
        chosen = extractive.choose(self.settings, q.query, q.hits, rejected[0] if rejected else "", q.dense, asked)
        # Whether they answer it is judged on the sentences meaning alone chose: judged on those chosen for stating a
        # figure of the kind asked, 8 more unanswerable questions of 168 were answered with a near figure (session 29).
        judged = extractive.choose(self.settings, q.query, q.hits, rejected[0] if rejected else "", q.dense) \
            if asked else chosen
        if not chosen:
            yield q.refusal()
            return
        if refused := self._unwritten_place(q, [c.hit for c in chosen]):
            yield refused
            return
        quoted = [c.text for c in chosen]
        if lacks := kinds.missing(q.text, q.lang, "".join(c.text for c in judged), [c.text for c in judged]):
            # The best sentences name the scheme but no amount (or count, or span of time): quoting them would
            # not answer "how much" (rag.text.kinds).
            yield q.refusal(note=f"the best sentences do not answer it: {lacks}{': ' + note if note else ''}")
            return
        text, citations = extractive.compose(q.lang, chosen)
        q.clock.mark("first_token_ms")
        untranslated: list[str] = []
        if q.lang == "en":
            if llm is not None:
                yield text
            english, untranslated = translate.english(quoted, llm, self.about([c.hit for c in chosen]).system)
            text, citations = extractive.compose(q.lang, chosen, english)
        if note:
            text = f"{text}\n\n{note}"
        q.clock.mark("total_ms")
        yield Answer(text=text, language=q.lang, refused=False, backend="extractive", citations=tuple(citations),
                     retrieved=tuple(q.hits), timings=q.clock.timings,
                     note="; ".join(filter(None, [note, *untranslated])))

    def _unwritten_place(self, q: _Question, read: list[Hit]) -> Answer | None:
        """The refusal when ``q`` names a place the articles of the passages ``read`` never write
        (``refuse.unwritten_place``: another article of the corpus may write it, so search did not refuse)."""
        if not read:
            return None
        place = refuse.unwritten_place(q.text, q.lang, self.index.text_of(*{h.chunk.source for h in read}))
        return q.refusal(note=f"a place the articles read never write: {place}") if place else None

    def _model_answer(self, q: _Question, passages: bool = False) -> Iterator[str | Answer]:
        """The model's answer, checked; retried once; else quoted, refused, or (no model) quoted with a note.
        ``passages``: read search's passages whatever ``RAG_LLM_READS`` says."""
        rejected: tuple[str, str] | None = None
        miscounted = False  # a rejected answer counted what the passages count otherwise, or of something else
        invented = False  # a rejected answer, written from whole articles, gave a figure none of them states
        shown: _Shown | None = None
        try:
            llm = self.model(q.backend)
            shown = self._reading(q, llm, passages)
            hits = shown.hits
            if refused := self._unwritten_place(q, hits):
                yield refused
                return
            if self.settings.llm_ask_answerable and not generate.answerable(
                    llm, q.query, q.lang, shown.read, shown.whole, shown.pointer, self.settings.llm_article_yes_below,
                    shown.about):
                yield q.refusal(note="the model, asked first, said the passages do not answer it")
                return
            for _attempt in range(2):
                text, result = yield from self._write(q, llm, shown, rejected)
                if result.not_found:
                    yield from self._gave_up(q, llm, shown, rejected)
                    return
                if result.ok:
                    citations = tuple(cite.citations(self.settings, text, hits, result.cited, q.text, q.lang,
                                                     self.index.article))
                    q.clock.mark("total_ms")
                    # Checked as written; shown in Cantonese words to a Cantonese asker (figures and names unmoved).
                    yield Answer(text=as_shown(text, q.lang, "\n".join(shown.passages)), language=q.lang,
                                 refused=False, backend=q.backend,
                                 citations=citations, retrieved=tuple(q.hits), timings=q.clock.timings)
                    return
                rejected = (text, "; ".join(result.problems))
                miscounted = miscounted or any(p.startswith((ground.MISCOUNTED, OF_OTHERS)) for p in result.problems)
                invented = invented or (shown.whole and _invented(text, q.text, shown.passages))
                if q.lang == "en" and any(p.startswith("figures") for p in result.problems):
                    # It mistranslated a figure (20億元 as "20 billion"): say which English forms are right.
                    rejected = (text, f"{rejected[1]}; the passages' figures in English are: "
                                      + "; ".join(generate.english_figures(shown.seen)))
        except LLMUnavailable as e:
            if shown is not None and shown.whole and "first_token_ms" not in q.clock.timings:
                # A server whose window is smaller than RAG_LLM_CTX says (llama-cpp-python's server fails the
                # stream without a word): this question reads the passages; if the server is down, that
                # fails too, and the answer is quoted as below.
                log.warning("the model failed on the whole article (%s): this question reads passages", e)
                yield from self._model_answer(q, passages=True)
                return
            # The citizen sees FELL_BACK; the operator needs the cause and its fix (in the message).
            log.warning("LLM unavailable, answered extractively instead: %s", e)
            yield from self._extractive(q, note=prompts.FELL_BACK[q.lang])
            return
        why = f"replaced an answer that failed grounding: {rejected[1] if rejected else ''}"
        if miscounted:
            # The passages count something, not what was asked (2,100個單位 given as people, 27個課程 as students: both
            # unanswerable): their nearest sentences would answer another question (docs/history.md, session 25). So
            # too when the figure given is the article's for something else (a whole's for a part, session 30).
            yield q.refusal(note=f"{why}; not quoted, as the passages count something else")
            return
        if invented:
            # Reading the whole article, the model made a figure up (14宗 of the 36 applications from overseas,
            # unanswerable): no sentence has it, and the nearest ones would answer another question (session 31).
            yield q.refusal(note=f"{why}; not quoted, as the articles read whole state no such figure")
            return
        for fallback in self._extractive(q, llm=llm, rejected=rejected):
            if isinstance(fallback, Answer) and not fallback.refused:
                fallback = dataclasses.replace(fallback, note="; ".join(filter(None, [why, fallback.note])))
            yield fallback

    def _reading(self, q: _Question, llm: LLM, passages: bool = False) -> _Shown:
        """What the model reads for ``q``: with ``RAG_LLM_READS=article`` (unless ``passages``), the whole corpus
        when it fits the model's window, else the one article search's passages come from, whole, when that
        fits; otherwise search's best passages.

        Four short articles (1,400-1,900 characters) beside the Budget one, each read whole against its three
        best passages, the bundled model: facts 57/68 either way, first token p50 about 0.27x (docs/history.md,
        session 31). The Budget article (4,200 characters) read whole got fewer facts right than its passages
        (session 15), and does not fit the default window: its questions read passages as before.
        """
        whole = self.settings.llm_reads == "article" and not passages
        blocks = self._article() if whole else []
        if whole and self._fits(llm, blocks, q.lang):
            numbered = generate.numbered(blocks)
            return _Shown.of(numbered, q.lang, self.about(), blocks, self._pointer(q.hits, numbered))
        named = named_article(q.query, q.lang, q.hits, self.index.text_of)
        shown = self._fill_one_article(q, answering_passages(q.text, q.hits, named))[: self.settings.llm_passages]
        if whole and len(sources := {h.chunk.source for h in shown}) == 1:
            blocks = [b for b in blocks if b.chunk.source in sources]
            if self._fits(llm, blocks, q.lang, quiet=True):
                numbered = generate.numbered(blocks)
                return _Shown.of(numbered, q.lang, self.about(blocks), blocks, self._pointer(q.hits, numbered))
        return _Shown.of(shown, q.lang, self.about(shown))

    def _fill_one_article(self, q: _Question, shown: list[Hit]) -> list[Hit]:
        """``shown``, and when they are one article's (``one_article``) but fewer than the model reads, more of
        that article's best passages after them, also added to ``q.hits``: as many as the article alone would
        give. With the health article beside it, 國際臨床試驗學院幾時成立？ kept one Budget passage of search's five,
        and the model, reading it alone, left 明年 out of its answer (docs/history.md, session 20)."""
        sources = {h.chunk.source for h in shown}
        if len(sources) != 1 or len(shown) >= self.settings.llm_passages \
                or all(h.chunk.source in sources for h in q.hits):
            return shown
        source = next(iter(sources))
        seen = {h.chunk.id for h in q.hits}
        with self._store():
            found = self.index.search(q.query, k=self.settings.hybrid_depth, lang=q.lang, prefer=source)
        more = [h for h in found if h.chunk.source == source and h.chunk.id not in seen]
        q.hits = [*q.hits, *more]
        return answering_passages(q.text, [*shown, *more])

    def _article(self) -> list[Hit]:
        """Every block of the corpus as a passage, in order (``Index.article``): what the article mode reads."""
        return [Hit(c, 0.0, "article") for c in self.index.article]

    def _fits(self, llm: LLM, blocks: list[Hit], lang: str, quiet: bool = False) -> bool:
        """Whether the articles of ``blocks``, read in ``lang``'s view, leave the model room for a question, an
        answer and its retry (``ROOM`` tokens); logged once per view when the whole corpus does not (``quiet``:
        one article of it)."""
        view = "en" if lang == "en" else "zh"
        sources = tuple(dict.fromkeys(b.chunk.source for b in blocks))
        key = (llm.name, view, sources, len(blocks))
        if key not in self._fitting:
            about = self.about(blocks) if quiet else self.about()
            need = llm.count_tokens(generate.messages("?", lang, blocks, whole=True, about=about)) + ROOM
            self._fitting[key] = need <= llm.context_window
            if not self._fitting[key] and not quiet:
                log.warning("the corpus's %s view needs about %d tokens with a question and its answer, over "
                            "%s's window of %d: the model reads search's best passages instead (raise "
                            "RAG_LLM_CTX to read it whole)", view, need, llm.name, llm.context_window)
        return self._fitting[key]

    def _pointer(self, hits: list[Hit], blocks: list[Hit]) -> tuple[int, ...]:
        """The numbers of the blocks holding search's best ``RAG_LLM_POINT_TO`` passages, best first."""
        out: list[int] = []
        for h in hits[: self.settings.llm_point_to]:
            c = h.chunk
            n = next((i for i, b in enumerate(blocks, 1)
                      if b.chunk.source == c.source and b.chunk.start <= c.start < b.chunk.end), None)
            if n and n not in out:
                out.append(n)
        return tuple(out)

    def _write(self, q: _Question, llm: LLM, shown: _Shown, rejected: tuple[str, str] | None
               ) -> Iterator[str]:
        """Stream one answer from the model, then return it checked, with what code could mend.

        A generator whose return value (``yield from``) is (text, ground.Check). The text streamed stops
        while it may still become NOT_IN_ARTICLE, so a citizen never sees the marker.
        """
        text = ""
        asked = q.text if q.lang == "en" else names.with_written_forms(q.text)
        # The article's form, added after the asker's (聯招（大學聯合招生辦法）), is the model's to read, not to copy:
        # it wrote 香港金融管理局（香港金融管理局）.
        added = {g for m in re.findall(r"（[^（）]+）", asked) if m not in q.text
                 for g in (m, language.convert_to_script(m, q.lang))}
        msgs = generate.messages(asked, q.lang, shown.read, q.previous, rejected, whole=shown.whole,
                                 pointer=shown.pointer, about=shown.about)
        written = "\n".join(shown.passages)
        for delta in generate.stream(llm, msgs):
            q.clock.mark("first_token_ms")
            text += delta
            if prompts.NOT_FOUND not in text and not prompts.NOT_FOUND.startswith(text.strip()):
                yield as_shown(_without(text, added), q.lang, written)
        text = generate.tidy(language.convert_to_script(_without(text, added).strip(), q.lang, written), q.lang)
        if q.lang == "en":  # 55元 written "55 yuan": the passages' Hong Kong dollars
            text = numbers.in_hong_kong_dollars(text, shown.passages) or text
        else:  # 衞生防護中心 written 傳生防護中心: the passages' name
            text = ground.as_named(text, shown.passages, q.text) or text
        result = ground.check(text, shown.passages, q.text, q.lang)
        if result.problems == (ground.NO_CITATION,):
            text, result = self._cited_by_code(text, result, shown, q)
        elif _only_figures(result):
            text, result = _figures_mended(text, result, shown, q)
        if result.ok:
            # A claim cited to a passage that plainly does not hold it is cited to the one that does.
            text, result = _mended(text, result, ground.recite_words(text, shown.seen, q.text), shown, q)
            # A claim cited to a passage without a name it states goes to the one passage with all of them.
            by_names = ground.recite_names(text, shown.passages, q.lang, q.text, shown.seen)
            text, result = _mended(text, result, by_names, shown, q)
        if result.ok and shown.whole:
            # One of some sixty passages: a claim numbered where it plainly is not goes where it plainly is.
            text, result = _mended(text, result, cite.recite(self.settings, text, shown.hits, q.text, q.lang), shown, q)
        if result.ok:
            # A figure the model stripped of its 近, 約 or 不少於 gets it back (the check ignores qualifiers).
            text, result = _mended(text, result, ground.requalify(text, shown.passages, q.lang), shown, q)
        if result.ok and (why := self._against_cited_articles(q, text, shown, result.cited)):
            result = dataclasses.replace(result, ok=False, problems=(why,))
        return text, result

    def _cited_by_code(self, text: str, result: ground.Check, shown: _Shown, q: _Question
                       ) -> tuple[str, ground.Check]:
        """``text``, written without a single [n], cited by code where its sentences are plainly the passages';
        else as it was. A retry asking for the markers mostly ended in NOT_IN_ARTICLE, a false refusal.

        ``ground.attribute`` cites a sentence made of a passage's words; an English sentence is also cited by its
        figures (``cite.attribute``). As the answer cites nothing yet, its figures are first read against every
        passage (the year the model added to a date, and in English the scale word), and a cited English draft
        turned down only for its figures gets the mends a cited answer gets: "…until May 18, 2024." for 今年5月18日,
        in a second sentence, had turned down a right first one (sc-en-004, session 33). Kept only if it then
        passes whole.
        """
        def passing(cited: str | None) -> tuple[str, ground.Check] | None:
            if not cited:
                return None
            again = ground.check(cited, shown.passages, q.text, q.lang)
            if q.lang == "en" and _only_figures(again):
                cited, again = _figures_mended(cited, again, shown, q)
            return (cited, again) if again.ok else None

        draft = numbers.without_unstated_years(text, shown.passages) or text
        if q.lang == "en":
            draft = numbers.rescaled(draft, shown.passages) or draft
        by_words = ground.attribute(draft, shown.seen, shown.passages, glossary.with_other_forms)
        if found := passing(by_words):
            return found
        # Only when the words did not do: citing by figures embeds the answer's sentences and the passages'.
        if q.lang == "en" and (found := passing(cite.attribute(self.settings, by_words or draft, shown.hits,
                                                                 q.text, q.lang))):
            return found
        return text, result

    def _against_cited_articles(self, q: _Question, text: str, shown: _Shown, cited: tuple[int, ...]) -> str:
        """Why ``text``, citing ``cited``, does not answer ``q`` by what the cited passages' whole articles write;
        "" when nothing. ``q`` names a place they never write (``refuse.unwritten_place``): the articles read may
        write it while the one cited does not (beside the Budget article's 元朗 passage, the model answered
        元朗區的新長者地區中心於今年9月1日投入服務 from the elderly-care article's 沙田 centre, session 28). Or the
        person the answer names holds another title there than the one asked (``ground.untitled_people``). Or a
        figure it states of a name asked is given there only of something else (``refuse.figures_of_others``).
        """
        read = {shown.hits[n - 1].chunk.source for n in cited if 1 <= n <= len(shown.hits)}
        if not read:
            return ""
        article = self.index.text_of(*read)
        if place := refuse.unwritten_place(q.text, q.lang, article):
            return f"{PLACE_UNCITED}: {place}"
        if people := ground.untitled_people(text, q.text, q.lang, article):
            return f"{ground.UNTITLED}: {'、'.join(people)}"
        if others := refuse.figures_of_others(q.text, q.lang, ground.strip_markers(text), article):
            return f"{OF_OTHERS} {'; '.join(others)}"
        return ""

    def _gave_up(self, q: _Question, llm: LLM, shown: _Shown, rejected: tuple[str, str] | None
                 ) -> Iterator[str | Answer]:
        """The model said NOT_IN_ARTICLE: refuse, unless after a rejected answer it was sure the article
        answers the question (``RAG_LLM_QUOTE_ABOVE``), in which case the best sentences are quoted."""
        # Said on the retry, the refusal keeps why the first answer was turned down (for the evals).
        why = (f"the model found no answer after its first was rejected ({rejected[1]}): {rejected[0][:300]!r}"
               if rejected else "the model found no answer in the passages")
        if rejected and OF_OTHERS in rejected[1]:
            # The sentence a quote would give states that figure of something else (the whole's 108% for one
            # hospital's, quoted at 4b76e25 as the model was sure the article answers it; session 30).
            yield q.refusal(note=f"{why}; not quoted, as the passages give that figure of something else")
            return
        sure = self._sure_it_is_answered(q, llm, shown) if rejected else None
        if sure is None or sure < self.settings.llm_quote_above:
            yield q.refusal(note=why)
            return
        because = f"{why}; quoted instead, as it judged the article to answer it (mean P(YES) {sure:.2f})"
        for quoted in self._extractive(q, llm=llm, rejected=rejected):
            yield quoted if isinstance(quoted, str) else \
                dataclasses.replace(quoted, note="; ".join(filter(None, [because, quoted.note])))

    def _sure_it_is_answered(self, q: _Question, llm: LLM, shown: _Shown) -> float | None:
        """How sure the model is that the article answers the question: the mean of its P(YES) to "do these
        passages state the answer?" over the passages it was shown and over the one sentence an extractive
        answer would quote first; None where the backend gives no probabilities.

        Two judgments, because each alone overlaps between the answerable and unanswerable questions the
        model gave up on, and their mean separated them (docs/history.md).
        """
        passages = generate.answerable_probability(llm, q.query, q.lang, shown.read, shown.whole, shown.pointer,
                                                   shown.about)
        # The sentence _extractive quotes first: extractive.choose ranks extractive.PASSAGES, not RAG_LLM_PASSAGES.
        best = extractive.evidence(self.settings, q.query, q.hits, extractive.PASSAGES, 1)
        if passages is None or not best:  # no probabilities, or no sentence to quote
            return None
        sentence = generate.answerable_probability(llm, q.query, q.lang, best, about=self.about(best))
        return None if sentence is None else (passages + sentence) / 2
