"""The texts that name the corpus, for the sources actually indexed: refusals and the model's system turns.

``about(index.sources)`` fills ``prompts``' templates. With the project's own article alone, its meta.json's
description makes them exactly ``prompts.REFUSAL``, ``prompts.SYSTEM`` and ``prompts.ARTICLE_SYSTEM``, which
the eval set's answers and the recorded model calls are keyed on; a file without one is named by its
headline; several files are named together, by headline (at most ``LISTED``, then how many more).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rag.answer import prompts
from rag.index.sources import LANGS, Source
from rag.text import language

#: Articles named one by one in a text; a larger corpus is named by these and a count.
LISTED = 5


@dataclass(frozen=True)
class About:
    """Every text that names the corpus: the refusal by language, and the model's system turns.

    ``article_system`` still holds ``{english_rule}`` and ``{passages}`` (``generate.article_system``).
    """

    refusal: Mapping[str, str]
    system: str
    article_system: str
    article_answerable: str


#: The texts for the project's own article alone (and for an index whose sources are unknown).
ONE_ARTICLE = About(prompts.REFUSAL, prompts.SYSTEM, prompts.ARTICLE_SYSTEM, prompts.ARTICLE_ANSWERABLE)


def _braces(text: str) -> str:
    """Text from an article, safe inside a template that is formatted again (a headline may hold "{")."""
    return text.replace("{", "{{").replace("}", "}}")


def covers(source: Source, lang: str) -> str:
    """What ``source`` covers, in ``lang``: its meta.json's "about" (a Chinese one put into ``lang``'s
    script when only another Chinese form is given), else its headline, quoted."""
    said = source.about.get(lang)
    if not said and lang != "en":
        other = next((source.about[k] for k in ("cmn-Hant", "yue", "cmn-Hans") if k in source.about), "")
        said = language.convert_to_script(other, lang) if other else ""
    return said or named(source, lang, prompts.COVERS_HEADLINE)


def named(source: Source, lang: str, form: Mapping[str, str] = prompts.HEADLINE) -> str:
    """The article's headline, quoted the way ``lang`` quotes a title (《…》, "…"), in ``lang``'s script."""
    headline = source.headline if lang == "en" else language.convert_to_script(source.headline, lang)
    return form[lang].format(headline=headline)


def listed(sources: Sequence[Source], lang: str) -> str:
    """The articles by headline, joined as ``lang`` joins a list; past ``LISTED``, how many more."""
    names = [named(s, lang) for s in sources[:LISTED]]
    more = len(sources) - LISTED
    if more > 0:
        return prompts.LIST_JOIN[lang].join(names) + prompts.LIST_MORE[lang].format(more=more, n=len(sources))
    return prompts.LIST_LAST[lang].join(filter(None, [prompts.LIST_JOIN[lang].join(names[:-1]), names[-1]]))


def _topic(source: Source) -> str:
    """What the article is on, in English ("on …"), or its headline when its meta.json does not say."""
    if "en" in source.about:
        return prompts.ON_TOPIC.format(about=source.about["en"])
    return prompts.HEADLINED.format(headline=source.headline)


def _english(source: Source, below: bool = False) -> str:
    """One article as the English system turns list it: its paper, and what it is on."""
    if below:  # "Hong Kong's Wen Wei Po, on …"
        paper = f"{source.place}'s {source.outlet}" if source.place and source.outlet else source.outlet
        return ", ".join(filter(None, [paper, _topic(source)]))
    return prompts.ARTICLE_NAMED.format(outlet=f"{source.outlet}, " if source.outlet else "", topic=_topic(source))


def _corpus(sources: Sequence[Source], below: bool) -> str:
    """The corpus as a system turn names it: one article (with its paper and place), or N articles, listed."""
    if len(sources) == 1:
        s = sources[0]
        if below:
            return prompts.ONE_ARTICLE_BELOW.format(source=_english(s, below=True))
        return prompts.ONE_ARTICLE.format(place=f"{s.place} " if s.place else "",
                                          outlet=f"{s.outlet}, " if s.outlet else "", topic=_topic(s))
    names = "; ".join(_english(s, below) for s in sources[:LISTED])
    if len(sources) > LISTED:
        names += f"; and {len(sources) - LISTED} more"
    template = prompts.MANY_ARTICLES_BELOW if below else prompts.MANY_ARTICLES
    return template.format(n=len(sources), sources=names)


def about(sources: Sequence[Source]) -> About:
    """The texts for a corpus of ``sources`` (``Index.sources``); ``ONE_ARTICLE``'s when none are known."""
    if not sources:
        return ONE_ARTICLE
    one = len(sources) == 1
    grammar = prompts.ONE if one else prompts.MANY
    if one:
        refusal = {lang: prompts.REFUSAL_ONE[lang].format(about=covers(sources[0], lang)) for lang in LANGS}
    else:
        refusal = {lang: prompts.REFUSAL_MANY[lang].format(n=len(sources), about=listed(sources, lang))
                   for lang in LANGS}
    return About(
        refusal=refusal,
        system=prompts.SYSTEM_FOR.format(corpus=_corpus(sources, below=False), **grammar),
        article_system=prompts.ARTICLE_SYSTEM_FOR.format(corpus=_braces(_corpus(sources, below=True)), **grammar),
        article_answerable=prompts.ARTICLE_ANSWERABLE_FOR.format(**grammar),
    )
