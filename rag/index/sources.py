"""The indexed sources as a reader names them: each file, its headline, and what its meta.json adds.

Everything that names "the article" (refusals, the model's system turn, the app's header, examples and
article view) names the indexed corpus instead, so it is built from this. The list of files and their
headlines comes from the index's own chunks (``Index.article``, ``rag.index.chunks.whole_blocks``), not
from the corpus folder, so a deployment with a Chroma server and no corpus files names the same
articles. The optional ``<file stem>.meta.json`` beside a file adds what text cannot give: a title, a
description per language (``about``) that the canned texts use, the paper's English name, and the app's
title, intro and examples for that article. It is read from the folder when the folder is there (an
edit shows at the next start), else from the copy ingest stored with the index (``store.Generation.metas``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from rag.records import Chunk

log = logging.getLogger(__name__)

LANGS = ("en", "yue", "cmn-Hant", "cmn-Hans")


@dataclass(frozen=True)
class Source:
    """One indexed file: its name (relative to the corpus folder), its headline, its optional descriptions.

    ``about``: what the article covers, by language code (``LANGS``), each a phrase that fits after
    "It covers" / "佢講嘅係" (the canned texts' wording, ``rag.answer.about``); empty when the meta.json
    gives none, in which case texts name the article by its headline. ``outlet`` and ``place``: the
    paper's English name and home ("Wen Wei Po", "Hong Kong"), for the model's system turn. ``app``: the
    web page's ``title``, ``intro`` and ``examples`` for this article when it is the only one.
    """

    file: str
    headline: str
    about: dict[str, str] = field(default_factory=dict)
    outlet: str = ""
    place: str = ""
    app: dict = field(default_factory=dict)
    #: Every block of the file, one chunk each, in order (from the index): what the article view shows.
    blocks: tuple[Chunk, ...] = ()

    @property
    def examples(self) -> tuple[str, ...]:
        return tuple(str(x) for x in self.app.get("examples", ()) if str(x).strip())


def meta_path(corpus_dir: Path, file: str) -> Path:
    """``<stem>.meta.json`` in the file's own folder (``a/b.txt`` → ``a/b.meta.json``)."""
    return (corpus_dir / file).with_name(Path(file).stem + ".meta.json")


def read_meta(corpus_dir: Path | None, file: str) -> dict:
    """The file's meta.json as a dict; {} when there is none, it lies outside the folder, or it is not
    a JSON object (logged: a bad meta.json must not stop the app, only lose its descriptions)."""
    if corpus_dir is None:
        return {}
    path = meta_path(corpus_dir, file)
    try:
        if not path.resolve().is_relative_to(corpus_dir.resolve()) or not path.is_file():
            return {}
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        log.warning("%s is not read (%s): %s is named by its headline", path, e, file)
        return {}
    return meta if isinstance(meta, dict) else {}


def _strings(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v.strip() for k, v in value.items() if k in LANGS and isinstance(v, str) and v.strip()}


def sources(blocks: list[Chunk], corpus_dir: Path | None = None, stored: dict[str, dict] | None = None
            ) -> tuple[Source, ...]:
    """The indexed files in corpus order, each with its headline and meta.json's descriptions (from
    ``corpus_dir``, else ``stored``: the index's copies).

    ``blocks``: the index's whole blocks (``whole_blocks`` of its chunks, sorted by file then offset).
    A file's headline is its meta.json's ``title``, else the story (``sub_article``) of its first headline
    block, which the parser names after the story's headline (so the Budget article's kicker above its
    headline gives the headline, not itself); else the file's name, for a text with no headline at all.
    """
    by_file: dict[str, list[Chunk]] = {}
    for b in blocks:
        by_file.setdefault(b.source, []).append(b)
    out = []
    for file, mine in by_file.items():
        meta = read_meta(corpus_dir, file) or (stored or {}).get(file, {})
        title = meta.get("title") if isinstance(meta.get("title"), str) else ""
        first = next((b.sub_article or b.text for b in mine if b.kind == "headline"), "")
        app = meta.get("app") if isinstance(meta.get("app"), dict) else {}
        out.append(Source(file=file, headline=(title or first or Path(file).stem).strip(),
                          about=_strings(meta.get("about")), outlet=str(meta.get("outlet_en") or ""),
                          place=str(meta.get("place_en") or ""), app=app, blocks=tuple(mine)))
    return tuple(out)
