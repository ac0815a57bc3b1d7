"""Where an English text spells the article's Chinese in Hong Kong's Cantonese romanisation (Kai Tak = 啟德).

Why: the English of an article the hand glossary (``corpus/glossary.tsv``) does not cover comes from the bundled
model at ingest (``rag.index.names``), which romanises Cantonese badly: 啟德體育園 came as "Leighton Park", 李家超
as "Mr. Lee Ka-Shing". A reader writes those names the way Hong Kong spells them (Kai Tak, Lee Ka-chiu, John
Lee), so an English question naming them was refused as naming something the article lacks, and searched
without the Chinese it means. The ``cantonese-romanisation`` package maps each character to the Hong Kong
Government's romanisations of it (德: dak, duck, tak; 李: lee, lei, li); it matches no text, so the few lines
that find a run of English words spelling a run of the article's characters are here.

Only two kinds of match count, so that an everyday English word that happens to be a romanisation (Duck, Ball,
Law) names nothing by itself:

* two or more consecutive words spelling as many consecutive characters of the text (Kai Tak, Ka-chiu);
* one word spelling the first character (the surname) of a person's name the text's glossary rows list
  (Lee for 李家超, so "John Lee" is 李家超).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

_WORD = re.compile(r"[A-Za-z]+")
#: A Chinese personal name: a surname and one to three characters.
PERSON_CHARS = (2, 4)


@functools.cache
def _table() -> dict[str, tuple[str, ...]]:
    """Each character's Hong Kong Government romanisations, lower-case (the package's own data file, read once)."""
    data = (resources.files("cantoroman") / "data" / "charToRoman.json").read_text(encoding="utf-8")
    return {ch: tuple(s.lower() for s in spellings) for ch, spellings in json.loads(data).items()}


def spellings(ch: str) -> tuple[str, ...]:
    """How Hong Kong romanises ``ch`` (德 → dak, duck, tak); () for a character it has none for."""
    return _table().get(ch, ())


@dataclass(frozen=True)
class Spelled:
    """Words ``first``..``end`` (exclusive) of an English text spell ``chinese``."""

    first: int
    end: int
    chinese: str


class Romanised:
    """The romanisations of one text (the articles a person gave no English for) and of its people's surnames.

    ``elsewhere``: the rest of the corpus. What it says too (香港, spelled by "Hong Kong") is not the text's own
    name, and ``chinese_in`` leaves it out.
    """

    def __init__(self, text: str, people: Iterable[str] = (), elsewhere: str = "") -> None:
        self.text = text
        self.elsewhere = elsewhere
        self._at: dict[str, list[int]] = {}
        for i, ch in enumerate(text):
            for s in spellings(ch):
                self._at.setdefault(s, []).append(i)
        self._surnames: dict[str, list[str]] = {}
        for name in people:
            if PERSON_CHARS[0] <= len(name) <= PERSON_CHARS[1]:
                for s in spellings(name[0]):
                    self._surnames.setdefault(s, []).append(name)

    def __bool__(self) -> bool:
        return bool(self.text)

    def _run(self, words: list[str], i: int) -> tuple[int, str]:
        """The longest run of words from ``i`` that spells consecutive characters of the text: (length, characters)."""
        best = (0, "")
        for p in self._at.get(words[i], ()):
            n = 1
            while (i + n < len(words) and p + n < len(self.text)
                   and words[i + n] in spellings(self.text[p + n])):
                n += 1
            if n > best[0]:
                best = (n, self.text[p:p + n])
        return best

    def spelled(self, words: list[str]) -> list[Spelled]:
        """What ``words`` (lower-case, in order) spell: runs of two or more, and surnames of the text's people."""
        out: list[Spelled] = []
        i = 0
        while i < len(words):
            n, chinese = self._run(words, i)
            if n >= 2:
                out.append(Spelled(i, i + n, chinese))
                i += n
                continue
            out.extend(Spelled(i, i + 1, name) for name in dict.fromkeys(self._surnames.get(words[i], ())))
            i += 1
        return out

    def chinese_in(self, english: str) -> list[str]:
        """The article's Chinese an English text spells ("What did John Lee say at Kai Tak?" → 李家超, 啟德)."""
        if not self:
            return []
        found: list[str] = []
        for m in re.finditer(r"[A-Z][A-Za-z]*(?:[\s-]+[A-Z][A-Za-z]*|-[a-z]+)*", english):
            found.extend(s.chinese for s in self.spelled(words_of(m.group())) if s.chinese not in self.elsewhere)
        return list(dict.fromkeys(found))


def words_of(name: str) -> list[str]:
    """A name's words as ``Romanised.spelled`` takes them: Lee Ka-chiu → lee, ka, chiu."""
    return [w.lower() for w in _WORD.findall(name)]
