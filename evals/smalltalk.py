"""Build the test split of ``evals/smalltalk_yue.jsonl``: everyday Cantonese from HKCanCor, off the article's subject.

    .venv/bin/pip install pycantonese        # only for this script; not a dependency of the project
    .venv/bin/python -m evals.smalltalk      # rewrites the file's "hkcancor" rows, keeps the "written" ones

The file holds everyday Cantonese utterances that the bot must refuse ("the article doesn't say"), in the
eval-set format, in two parts kept apart by their ``source`` field:

* ``written`` (``split: dev``): about 150 utterances written for this set, to tune the refusal check on.
* ``hkcancor`` (``split: test``): real utterances of the Hong Kong Cantonese Corpus (HKCanCor, CC BY 4.0),
  read through the ``pycantonese`` package: a seeded random sample of those with 6 or more Chinese
  characters, without the ones on the article's subjects (computers, technology, budgets: ``_SUBJECT``) and
  without romanised syllables (``ei1``), which are transcription, not what anyone types. Only reported.

The corpus writes ASCII punctuation and joins its tokens without spaces; an utterance is put as a person
would type it: full-width punctuation, a space only between two Latin words (press release).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent / "smalltalk_yue.jsonl"
SEED = 2026
SIZE = 150
MIN_HAN = 6

_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
_ROMANISED = re.compile(r"[A-Za-z]+[1-6]")  # a Jyutping syllable with its tone (ei1, lyut6)
# Utterances on the article's subjects: artificial intelligence, computers and networks, science and technology,
# research, industry, public finance. Skipped so that "off the article's subject" holds for every row.
_SUBJECT = ("電腦", "科技", "科學", "創科", "創新", "研究", "研發", "人工智能", "機械人", "數據", "數碼", "網絡",
            "網上", "互聯網", "電子", "資訊", "工業", "產業", "預算", "財政", "庫房", "撥款", "computer", "internet",
            "program")
_ABBREVIATION = re.compile(r"(?:^|[^A-Za-z])[A-Z]$")  # C.U.: a stop after a lone capital letter stays
_PUNCT = str.maketrans({",": "，", "?": "？", "!": "！", '"': None})


def _typed(words: list[str]) -> str:
    """The utterance as typed: tokens joined, a space between two Latin tokens, full-width punctuation (but the
    stops of an abbreviation), and a self-interruption dash (走去-走去) as a comma."""
    out = ""
    for w in words:
        if out and re.match(r"[A-Za-z0-9]", w) and re.search(r"[A-Za-z0-9]$", out):
            out += " "
        out += w
    out = out.replace("-", ",")
    out = re.sub(r"\.", lambda m: "." if _ABBREVIATION.search(out, 0, m.start()) else "。", out).translate(_PUNCT)
    return re.sub(r"[，,]{2,}", "，", out).strip("，")


def hkcancor_utterances() -> list[str]:
    """Every HKCanCor utterance fit for the set (6+ Chinese characters, off the subjects, no Jyutping), in
    corpus order, without repeats."""
    import pycantonese  # not a project dependency: see the module's docstring

    seen: dict[str, None] = {}
    for utt in pycantonese.hkcancor().utterances():
        words = [t.word for t in utt.tokens]
        raw = "".join(words)
        if len(_HAN.findall(raw)) < MIN_HAN or _ROMANISED.search(raw):
            continue
        if any(s in raw.lower() for s in _SUBJECT):
            continue
        seen.setdefault(_typed(words), None)
    return list(seen)


def row(id_: str, question: str, split: str, source: str) -> dict:
    """One eval-set row: an utterance the bot must refuse."""
    return {"id": id_, "lang": "yue", "question": question, "answerable": False, "facts": [], "evidence": [],
            "adversarial": False, "followup_of": None, "split": split, "source": source}


def build(path: Path = DEFAULT, seed: int = SEED, size: int = SIZE) -> list[dict]:
    """The file's written rows as they are, then ``size`` HKCanCor utterances drawn with ``seed``."""
    written = []
    if path.exists():
        written = [r for r in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
                   if r.get("source") == "written"]
    sample = random.Random(seed).sample(hkcancor_utterances(), size)
    return written + [row(f"st-hkcancor-{i:03d}", q, "test", "hkcancor") for i, q in enumerate(sample, 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.smalltalk", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    rows = build(args.out, args.seed)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{args.out}: {sum(r['source'] == 'written' for r in rows)} written, "
          f"{sum(r['source'] == 'hkcancor' for r in rows)} from HKCanCor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
