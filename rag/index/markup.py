"""Markdown, read the way its reader sees it: which lines carry text, and which characters are markup.

Every span the parser makes is an exact character offset into the file, and every text it shows is
the file's own characters, so nothing here rewrites text. It says instead which lines carry no text
(rules, comments, front matter, link definitions, fences, table separators), what a line is (a
heading and its level, a list item, a quote, a table row, an image), and which characters of a line
are markup (the ``**`` of bold, the ``[`` and ``](url)`` of a link): the parser leaves those out of
its spans, so ``**五萬**名觀眾`` is the sentence 五萬名觀眾 in two runs of the file, as a sentence the
print layout broke is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

Span = tuple[int, int]

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_TITLE = re.compile(r"^title[ \t]*:[ \t]*(.*?)[ \t]*$", re.M)
_RULE = re.compile(r"^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT = re.compile(r"^(?:=+|-+)$")
_ATX = re.compile(r"^(#{1,6})(?:[ \t]+|$)")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+$")
_QUOTE = re.compile(r"^(?:>[ \t]?)+")
_ITEM = re.compile(r"^(?:[-*+•]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?|^\[\^[^\]]+\]:[ \t]*")
_LINK_DEF = re.compile(r"^\[[^\]^][^\]]*\]:[ \t]*\S+")
_TABLE_SEP = re.compile(r"^\|?(?:[ \t]*:?-+:?[ \t]*\|)+(?:[ \t]*:?-+:?[ \t]*)?$")
_IMAGE = re.compile(r"^\[?!\[([^\]]*)\]\([^)]*\)(?:\]\([^)]*\))?$")
_HTML = re.compile(r"^</?[A-Za-z][^>]*>$")
_FENCE = re.compile(r"^(`{3,}|~{3,})")

# Inline markup: (pattern, groups whose characters are text; everything else in the match is markup).
_CODE = re.compile(r"(`+)(.+?)\1")
_INLINE = (
    (re.compile(r"<!--.*?-->"), ()),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), (1,)),
    (re.compile(r"\[\^[^\]]+\]"), ()),
    (re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])"), (1,)),
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), (1,)),
    (re.compile(r"</?[A-Za-z][^<>]*>"), ()),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), (2,)),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), (1,)),
    (re.compile(r"(?<![*\\\d])\*(?=[^\s*])(.+?)(?<=[^\s\\])\*(?![*\d])"), (1,)),  # not 5*3*2
    (re.compile(r"(?<![\w\\])_(?=[^\s_])(.+?)(?<=\S)_(?!\w)"), (1,)),
    (re.compile(r"\\(?=[!-/:-@\[-`{-~])"), ()),
    (re.compile(r"\\$"), ()),
)
_HIDDEN = "\0"  # a markup character already taken out, in the working copy


@dataclass
class Line:
    """One line as the parser reads it: its visible text and where each run of it is in the file.

    ``runs`` are the file's (start, end) runs of ``text``, in order (their characters joined are
    ``text``); ``start``/``end`` are the outer bounds. ``gap``: a blank line, or a line that carries no
    text, comes before it, which ends a paragraph outside the print layout. ``role`` and ``level``
    are what Markdown makes of the line (``text`` for any line of plain text).
    """

    start: int
    end: int
    text: str
    gap: bool = False
    runs: tuple[Span, ...] = ()
    role: str = "text"
    level: int = 0

    def spans(self, i: int, j: int) -> tuple[Span, ...]:
        """The file's runs holding visible characters ``text[i:j]`` (one run when the line has one)."""
        runs = self.runs or ((self.start, self.end),)
        out: list[Span] = []
        pos = 0
        for a, b in runs:
            lo, hi = max(i, pos), min(j, pos + b - a)
            if lo < hi:
                out.append((a + lo - pos, a + hi - pos))
            pos += b - a
        return tuple(out)


def visible_runs(text: str) -> list[Span]:
    """The runs of ``text`` a reader of the rendered Markdown sees, markers left out, ends trimmed.

    Code spans keep their content verbatim (markup inside them is text); links and images keep their
    text; emphasis, strikethrough, inline HTML, comments, footnote marks and escapes lose their markers.
    """
    work = list(text)
    for m in _CODE.finditer(text):
        work[m.start():m.start(2)] = _HIDDEN * (m.start(2) - m.start())
        work[m.end(2):m.end()] = _HIDDEN * (m.end() - m.end(2))
        work[m.start(2):m.end(2)] = "\1" * (m.end(2) - m.start(2))  # neither * nor _: no emphasis inside
    for pattern, keep in _INLINE:
        view = "".join(work)
        for m in pattern.finditer(view):
            kept = [(m.start(g), m.end(g)) for g in keep if m.start(g) >= 0]
            for k in range(m.start(), m.end()):
                if not any(a <= k < b for a, b in kept):
                    work[k] = _HIDDEN
    shown = [k for k, ch in enumerate(work) if ch != _HIDDEN]
    while shown and text[shown[0]].isspace():
        shown.pop(0)
    while shown and text[shown[-1]].isspace():
        shown.pop()
    runs: list[list[int]] = []
    for k in shown:
        if runs and runs[-1][1] == k:
            runs[-1][1] = k + 1
        else:
            runs.append([k, k + 1])
    return [(a, b) for a, b in runs]


def front_matter(text: str) -> tuple[int, Span | None]:
    """Where YAML front matter (``---`` … ``---`` opening the file) ends, and its ``title`` value's span.

    Front matter is the page's settings, never shown as text; only its title is, as the page's headline.
    """
    m = _FRONT_MATTER.match(text)
    if not m:
        return 0, None
    t = _TITLE.search(text, m.start(1), m.end(1)) if m.group(1) else None
    if not t or not t.group(1):
        return m.end(), None
    a, b = t.span(1)
    if b - a >= 2 and text[a] == text[b - 1] and text[a] in "\"'":
        a, b = a + 1, b - 1
    return m.end(), ((a, b) if a < b else None)


def raw_lines(text: str, start: int = 0) -> Iterator[tuple[int, str]]:
    """Every line from ``start`` (blank ones too), with its offset, line break left off."""
    pos = 0
    for raw in text.splitlines(keepends=True):
        if pos >= start:
            yield pos, raw.rstrip("\r\n")
        pos += len(raw)


def classify(body: str) -> tuple[str, int, int, int]:
    """What a stripped Markdown line is: (role, characters cut at its start, at its end, heading level).

    Roles: ``rule`` (also a Setext underline, which the parser tells apart by the line above), ``skip``
    (no text: link definitions, table separators, HTML tags), ``heading``, ``quote``, ``list``,
    ``table``, ``image`` (an image alone on its line: its alt text), ``fence`` and ``text``.
    """
    if _RULE.match(body) or _SETEXT.match(body):
        return ("setext1" if body.startswith("=") else "rule"), 0, 0, 0
    if _LINK_DEF.match(body) or _TABLE_SEP.match(body) or _HTML.match(body):
        return "skip", 0, 0, 0
    if m := _ATX.match(body):
        close = _ATX_CLOSE.search(body, m.end())
        return "heading", m.end(), (len(body) - close.start()) if close else 0, len(m.group(1))
    if m := _QUOTE.match(body):
        rest = body[m.end():]
        item = _ITEM.match(rest)
        return ("list", m.end() + item.end(), 0, 0) if item else ("quote", m.end(), 0, 0)
    if m := _ITEM.match(body):
        return "list", m.end(), 0, 0
    if len(body) > 1 and body.startswith("|") and body.endswith("|"):
        return "table", 1, 1, 0
    if m := _IMAGE.match(body):
        return "image", m.start(1), len(body) - m.end(1), 0
    if _FENCE.match(body):
        return "fence", 0, 0, 0
    return "text", 0, 0, 0


def _shown(text: str, lead: int, body: str, cut: int, end_cut: int, inline: bool = True) -> Line | None:
    """The line ``body`` (at ``lead`` in ``text``) less ``cut``/``end_cut`` marker characters, as a Line."""
    base = lead + cut
    seg = body[cut:len(body) - end_cut]
    runs = visible_runs(seg) if inline else [(len(seg) - len(seg.lstrip()), len(seg.rstrip()))]
    runs = [(base + a, base + b) for a, b in runs if a < b]
    if not runs:
        return None
    shown = "".join(text[a:b] for a, b in runs)
    return Line(runs[0][0], runs[-1][1], shown, runs=tuple(runs) if len(runs) > 1 else ())


def _title_line(text: str) -> tuple[int, list[Line]]:
    """Where the body starts, and the front matter's title as a line (a page's headline), if any.

    The title is kept only when the body has no ``#`` headline of its own, which would repeat it.
    """
    start, title = front_matter(text)
    if title is None or any(_ATX.match(b.strip()) and b.strip()[1:2] != "#" for _, b in raw_lines(text, start)):
        return start, []
    return start, [Line(title[0], title[1], text[title[0]:title[1]], role="heading", level=1)]


def markdown_lines(text: str) -> list[Line]:
    """The lines of a Markdown file that carry text, each with its role, level and visible runs.

    Skipped, and ending a paragraph (``gap`` on the next line): blank lines, front matter, ``<!-- -->``
    comments, rules, link definitions, table separators, HTML tag lines, fence lines, images without
    alt text. A Setext underline (``===`` / ``---`` right under a line of text) makes that line a
    heading. Lines inside a fence keep every character (code is shown as written).
    """
    start, out = _title_line(text)
    gap, fence, comment = False, "", False
    for pos, body in raw_lines(text, start):
        stripped = body.strip()
        lead = pos + len(body) - len(body.lstrip())
        role, cut, end_cut, level = classify(stripped) if stripped and not (fence or comment) else ("", 0, 0, 0)
        if comment or stripped.startswith("<!--"):
            comment = "-->" not in stripped[4 if not comment else 0:]
            gap = True
            continue
        if fence:
            if stripped.startswith(fence):
                fence, gap = "", True
            elif stripped:
                out.append(_shown(text, lead, stripped, 0, 0, inline=False))
                out[-1].gap, out[-1].role, gap = gap, "code", False
            continue
        if role == "fence":
            fence = _FENCE.match(stripped).group(1)
        elif role in ("rule", "setext1") and _SETEXT.match(stripped) and out and not gap and out[-1].role == "text":
            out[-1].role, out[-1].level = "heading", 1 if stripped.startswith("=") else 2
        shows_text = role not in ("", "fence", "rule", "setext1", "skip")
        line = _shown(text, lead, stripped, cut, end_cut) if shows_text else None
        if line is None:
            gap = True
            continue
        line.gap, line.role, line.level = gap, role, level
        out.append(line)
        gap = False
    return out
