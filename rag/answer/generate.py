"""Prompt the language model with the best passages, numbered, and stream its answer.

For English questions the Chinese passages carry deterministic English renderings of their
figures (5,000萬元 [= HK$50 million]) and of the names in the glossary (陳茂波 [= Paul Chan
Mo-po]): a 1.5B model translates figures and names badly, so it is given them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rag.answer import ground, prompts
from rag.answer.about import ONE_ARTICLE, About
from rag.llm.backends import HEAD_END, LLM
from rag.records import Hit
from rag.text import language
from rag.text.glossary import annotate_english

MAX_TOKENS = 200


def shown_text(hit: Hit, lang: str) -> str:
    """A passage as the model reads it."""
    return annotate_english(hit.chunk.text) if lang == "en" else hit.chunk.text


#: A rendering the model copied into its answer, with the Chinese form before it if it kept that too.
_COPIED = re.compile(r"(?P<zh>[0-9,.]*[\u3400-\u9fff]+)?\s*\[= ?(?P<en>[^\]\[]*)\]")


_WESTERN_STOP = re.compile(r"(?<=[\u3400-\u9fff\]）」])\s*([.,])(?!\d)")


#: An English sentence that only says where its answer is ("This is stated in passage [2].") or a marker the
#: model copied from the rules ("[n]"): seen in the article mode, where the rules' "[n], e.g. [12]" is all
#: the model has for a form. Its markers are kept, for the sentence before it.
_POINTER_ONLY = re.compile(r"\s*(?:This|It|The answer|This information)\s+(?:is|can be)\s+(?:stated|found|mentioned|"
                           r"given|seen)\s+in\s+(?:the\s+)?(?:(?:passage|paragraph)s?\s*)?(?:\[\d+\](?:\s*(?:,|and)\s*)?)+\.?"
                           r"|\s*\[n\]", re.I)


_CREDIT = re.compile(r"(?<=[。！？])\s*(?:資料圖片|资料图片|網上圖片|网上图片)(?=\s*(?:\[\d+\]\s*)*$)")


def _english_of(m: re.Match[str]) -> str:
    """A copied rendering's English in place of its Chinese, spaced from the word before it: 是區景賢 [= Mr. …] after
    "is" had come out "isMr. …" (session 29)."""
    if not m["zh"]:
        return ""
    before = m.string[m.start() - 1:m.start()]
    return (" " if before.isascii() and before.isalnum() else "") + m["en"].strip()


def tidy(text: str, lang: str = "en") -> str:
    """An answer without the ``[= …]`` renderings the model copied from the passages or the examples, and
    with Chinese punctuation in Chinese.

    Seen from the bundled model: "…in the second half of the year [= the second half of the year]" and
    "5,000萬元 [= HK$50 million]", and in a Cantonese answer 預留咗2.2億元 [= HK$2.2 billion]. In English the
    rendering is what the reader wants, so the Chinese form before it, if any, goes, and a rendering after
    English words (a repetition) goes whole; in Chinese the rendering goes.
    """
    if lang != "en":
        # and a Western stop or comma after Chinese text or a marker (…意見[3]. ) becomes a Chinese one.
        text = _COPIED.sub(lambda m: m["zh"] or "", text)
        # A caption's photo credit, copied onto the end of an answer (每間學校攞到…。資料圖片 [2]).
        if _CREDIT.search(text):
            text = re.sub(r"([。！？])\s*((?:\[\d+\])+)\s*$", r"\2\1", _CREDIT.sub("", text))
        return _WESTERN_STOP.sub(lambda m: {".": "。", ",": "，"}[m.group(1)], text)
    text = _COPIED.sub(_english_of, text)
    # The pointer's markers stay, on the sentence before it, which they vouch for.
    return _POINTER_ONLY.sub(lambda m: "".join(f" [{n}]" for n in re.findall(r"\[(\d+)\]", m.group())), text).strip()


def english_figures(shown: list[str]) -> list[str]:
    """The English renderings of figures that ``shown_text`` put in the passages ([= HK$2 billion])."""
    forms = re.findall(r"\[= ([^\]]*\d[^\]]*)\]", "\n".join(shown))
    return list(dict.fromkeys(forms))


def passages_block(hits: list[Hit], lang: str) -> str:
    """The passages numbered [1]..[n] as the model reads them, one a line."""
    return "\n".join(f"[{n}] {shown_text(h, lang)}" for n, h in enumerate(hits, 1))


def user_message(passages: str, question: str, lang: str, previous: str | None = None,
                 task: str | None = None) -> str:
    task = task or prompts.ANSWER_TASK.format(language=language.LANG_NAMES[lang])
    return prompts.USER.format(passages=passages, question=question, task=task,
                               previous=prompts.PREVIOUS.format(previous=previous) if previous else "",
                               english_rule=prompts.ENGLISH_RULE if lang == "en" else "")


def asked(question: str, lang: str) -> str:
    """The question as the model reads it: a Cantonese one followed by its written-Chinese form.

    The model reads written Chinese far better than colloquial Cantonese; given a Cantonese question
    alone it often wrote the question back as its answer. With the written form beside it, it gets more
    Cantonese questions right and refuses fewer that it could answer, for a slightly later first token, and
    it still answers in Cantonese (the figures: docs/history.md). A question with no colloquial word (its
    written form the same) goes as it is.
    """
    if lang != "yue":
        return question
    written = language.to_written(question)
    return question if written == question else prompts.WRITTEN_FORM.format(question=question, written=written)


def head(system: str) -> list[dict[str, str]]:
    """The start of every passages-mode chat (answers, YES/NO, translations): the system turn naming the
    passages' articles, then the worked examples; marked as the head whose state the model keeps
    (``rag.llm.backends.HEAD_END``), so a chat on other articles in between costs a copy, not a reading."""
    turns = [{"role": "system", "content": system}, *example_turns()]
    turns[-1][HEAD_END] = "1"
    return turns


def example_turns() -> list[dict[str, str]]:
    """``prompts.EXAMPLES`` as earlier turns of the chat, each user turn in the form of a real one."""
    turns = []
    for example, reply in prompts.EXAMPLES:
        turns.append({"role": "user", "content": user_message(**example)})
        turns.append({"role": "assistant", "content": reply})
    return turns


def article_system(blocks: list[Hit], lang: str, about: About = ONE_ARTICLE) -> str:
    """The system turn of the ``article`` reading mode: the rules and every block of the corpus, numbered.

    The same for every question of one view (Chinese, or English with the renderings), so its state is
    kept between questions and across restarts (``rag.llm.prefix``). ``about``: the texts naming the corpus.
    """
    lines, n = [], 0
    for b in blocks:
        if b.chunk.kind == "headline":
            lines.append(f"## {shown_text(b, lang)}")
        elif b.chunk.kind == "byline":
            lines.append(f"({shown_text(b, lang)})")
        else:
            n += 1
            lines.append(f"[{n}] {shown_text(b, lang)}")
    return about.article_system.format(english_rule=prompts.ENGLISH_RULE if lang == "en" else "",
                                         passages="\n".join(lines))


def numbered(blocks: list[Hit]) -> list[Hit]:
    """The blocks ``article_system`` numbers, in order: every one but the headlines and bylines.

    A headline is shown, unnumbered, as the start of its story: it compresses facts the story's
    sentences state in full (撥款5000萬挺全民AI培訓), and an answer cited to it gave the quote checker a
    headline instead of the sentence with the evidence. A byline is shown in brackets, unnumbered: numbered,
    it was given as the answer to 研發院幾時開始運作？ (as a passage it was before, docs/history.md). Who
    wrote a story is then answered by the quote (``rag.answer.extractive`` shows bylines when asked).
    """
    return [b for b in blocks if b.chunk.kind not in ("headline", "byline")]


def messages(question: str, lang: str, hits: list[Hit], previous: str | None = None,
             rejected: tuple[str, str] | None = None, task: str | None = None, whole: bool = False,
             pointer: tuple[int, ...] = (), about: About = ONE_ARTICLE) -> list[dict[str, str]]:
    """The chat; ``rejected`` is (the answer the grounding check refused, why), for one retry;
    ``task`` replaces the request to answer (``prompts.ANSWERABLE``); ``about``: the texts naming the
    indexed corpus (``rag.answer.about``), whose system turns it opens with.

    ``whole``: ``hits`` are the whole corpus's blocks (the ``article`` reading mode): they go first, in the
    system turn, numbered as ``numbered`` lists them, and the question's turn after them names the
    ``pointer`` passages (retrieval's best) if any.
    """
    if whole:
        task = task or prompts.ANSWER_TASK.format(language=language.LANG_NAMES[lang])
        points = prompts.POINTER.format(numbers=", ".join(f"[{n}]" for n in pointer)) if pointer else ""
        user = prompts.ARTICLE_USER.format(previous=prompts.PREVIOUS.format(previous=previous) if previous else "",
                                           question=asked(question, lang), pointer=points, task=task)
        msgs = [{"role": "system", "content": article_system(hits, lang, about), HEAD_END: "1"},
                {"role": "user", "content": user}]
    else:
        user = user_message(passages_block(hits, lang), asked(question, lang), lang, previous, task)
        msgs = [*head(about.system), {"role": "user", "content": user}]
    if rejected:
        msgs.append({"role": "assistant", "content": rejected[0]})
        msgs.append({"role": "user", "content": retry_prompt(rejected[1])})
    return msgs


def retry_prompt(problems: str) -> str:
    """What the model is told after its answer was rejected (``problems``: ``ground.check``'s, joined by "; ")."""
    found = set(problems.split("; "))
    if found == {ground.NO_CITATION}:
        return prompts.UNCITED
    if ground.ECHO in found and found <= {ground.ECHO, ground.NO_CITATION}:
        return prompts.ECHOED
    return prompts.STRICT.format(problems=problems)


def answerable(llm: LLM, question: str, lang: str, hits: list[Hit], whole: bool = False,
               pointer: tuple[int, ...] = (), yes_below: float = 0.5, about: About = ONE_ARTICLE) -> bool:
    """Whether the model, asked before it answers, says the passages answer the question.

    Why a separate question: told to reply NOT_IN_ARTICLE when the passages do not answer, the model
    never did at its first attempt; it answered from a passage that only named the subject, and refused,
    if at all, only after a rejected first answer. Asked plainly whether the passages state the answer, it
    says NO to many such questions and YES to almost every answerable one.
    The prompt is the answering prompt with only its last line changed, so llama.cpp reads the passages once
    for both: the cost is a few tokens. A reply that is neither YES nor NO counts as YES (the grounding
    check still guards the answer). A follow-up is asked joined to the question before it, as it is searched:
    asked alone, with the earlier question only as context, the model said NO to answerable follow-ups
    (咁每間學校攞到幾多？) far more often than to standalone questions (docs/history.md).

    Asked about the whole article (``whole``), the model's P(YES) sits between about 0.1 and 0.6 for every
    question, and its plain reply was NO to half the answerable ones; there the answer is NO when P(YES) is
    under ``yes_below`` (``RAG_LLM_ARTICLE_YES_BELOW``), and the plain reply counts only where the backend
    gives no probabilities.
    """
    asked_it = _asked_if_answerable(question, lang, hits, whole, pointer, about)
    if whole and (p := llm.yes_probability(asked_it)) is not None:
        return p >= yes_below
    reply = llm.complete(asked_it, max_tokens=3).strip().upper()
    return not reply.startswith("NO")


def answerable_probability(llm: LLM, question: str, lang: str, hits: list[Hit], whole: bool = False,
                           pointer: tuple[int, ...] = (), about: About = ONE_ARTICLE) -> float | None:
    """How sure the model is of its YES to ``answerable``'s question: P(YES) / (P(YES) + P(NO)), or None.

    Asked when the model gave up (NOT_IN_ARTICLE) after its first answer was rejected, to tell an answerable
    question it could not answer in form from one the passages do not answer. For such questions its YES/NO
    reply is YES whether or not the passages answer them, but its P(YES) is higher, on the whole, for the
    answerable ones; the two ranges overlap (docs/history.md).
    """
    return llm.yes_probability(_asked_if_answerable(question, lang, hits, whole, pointer, about))


def _asked_if_answerable(question: str, lang: str, hits: list[Hit], whole: bool = False,
                         pointer: tuple[int, ...] = (), about: About = ONE_ARTICLE) -> list[dict[str, str]]:
    """The chat for ``answerable`` and ``answerable_probability``: one question, so the probability is the reply's."""
    task = about.article_answerable if whole else prompts.ANSWERABLE
    return messages(question, lang, hits, None, None, task=task, whole=whole, pointer=pointer, about=about)


def stream(llm: LLM, msgs: list[dict[str, str]]) -> Iterator[str]:
    yield from llm.stream(msgs, max_tokens=MAX_TOKENS)
