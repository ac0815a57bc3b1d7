"""Sanity checks for the hand-written evaluation set evals/questions.jsonl.

Run from the repository root:
    .venv/bin/python -m pytest tests/test_evalset.py -q
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVAL_PATH = ROOT / "evals" / "questions.jsonl"
ARTICLE_PATH = ROOT / "corpus" / "wenweipo-budget-2026-ai-new-industries.txt"

LANGS = ("en", "yue", "cmn-Hant", "cmn-Hans")
REQUIRED_KEYS = {
    "id": str,
    "lang": str,
    "question": str,
    "answerable": bool,
    "facts": list,
    "evidence": list,
    "adversarial": bool,
    # followup_of: str or None, checked separately
}

MIN_TOTAL = 160
MIN_PER_LANG = 40
MIN_UNANSWERABLE_RATIO = 0.15
MIN_ADVERSARIAL = 32
MIN_ADVERSARIAL_PER_LANG = 8
MIN_ADVERSARIAL_FOLLOWUPS = 4  # instructions hidden in a later turn
MIN_MULTI_FACT = 20
MIN_FOLLOWUPS = 10

# Characters that OpenCC s2t / s2hk rewrite to a different, equally traditional
# variant form (e.g. 布→佈 in 宣布, 床→牀, 晒→曬). Their presence does not make a
# question "simplified".
TRAD_VARIANTS = set("布床晒着裏綫群峰衆台才吃搵税稅温户衞峯系")  # 系 as in 系統 (s2t may read it as 係)


def _load_rows():
    rows = []
    with EVAL_PATH.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                pytest.fail(f"{EVAL_PATH.name}:{lineno}: blank line")
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                pytest.fail(f"{EVAL_PATH.name}:{lineno}: invalid JSON: {exc}")
            if not isinstance(obj, dict):
                pytest.fail(f"{EVAL_PATH.name}:{lineno}: not a JSON object")
            rows.append((lineno, obj))
    return rows


@pytest.fixture(scope="module")
def rows():
    return _load_rows()


@pytest.fixture(scope="module")
def article():
    return ARTICLE_PATH.read_text(encoding="utf-8")


def _multi_fact(obj) -> bool:
    return len(obj["facts"]) >= 2


def test_files_exist():
    assert EVAL_PATH.is_file(), EVAL_PATH
    assert ARTICLE_PATH.is_file(), ARTICLE_PATH


def test_parses_line_by_line(rows):
    assert rows, "evaluation set is empty"


def test_required_keys_and_types(rows):
    errors = []
    for lineno, obj in rows:
        for key, typ in REQUIRED_KEYS.items():
            if key not in obj:
                errors.append(f"line {lineno}: missing key {key!r}")
            elif not isinstance(obj[key], typ):
                errors.append(f"line {lineno}: {key!r} should be {typ.__name__}")
        if "followup_of" not in obj:
            errors.append(f"line {lineno}: missing key 'followup_of'")
        elif obj["followup_of"] is not None and not isinstance(obj["followup_of"], str):
            errors.append(f"line {lineno}: 'followup_of' should be str or null")
        if isinstance(obj.get("question"), str) and not obj["question"].strip():
            errors.append(f"line {lineno}: empty question")
        if isinstance(obj.get("id"), str) and not obj["id"].strip():
            errors.append(f"line {lineno}: empty id")
        for fact in obj.get("facts", []) if isinstance(obj.get("facts"), list) else []:
            if (
                not isinstance(fact, list)
                or not fact
                or not all(isinstance(s, str) and s.strip() for s in fact)
            ):
                errors.append(f"line {lineno}: each fact must be a non-empty list of non-empty strings")
        for ev in obj.get("evidence", []) if isinstance(obj.get("evidence"), list) else []:
            if not isinstance(ev, str) or not ev.strip():
                errors.append(f"line {lineno}: evidence spans must be non-empty strings")
        if obj.get("split") not in ("dev", "test"):
            errors.append(f"line {lineno}: split must be dev or test (python -m evals.split --write)")
        extra = set(obj) - set(REQUIRED_KEYS) - {"followup_of", "split"}
        if extra:
            errors.append(f"line {lineno}: unexpected keys {sorted(extra)}")
    assert not errors, "\n".join(errors)


def test_lang_values(rows):
    bad = [f"line {n}: lang={o.get('lang')!r}" for n, o in rows if o.get("lang") not in LANGS]
    assert not bad, "\n".join(bad)


def test_ids_unique(rows):
    counts = Counter(o["id"] for _, o in rows)
    dups = {i: c for i, c in counts.items() if c > 1}
    assert not dups, f"duplicate ids: {dups}"


def test_evidence_verbatim(rows, article):
    errors = []
    for lineno, obj in rows:
        for ev in obj["evidence"]:
            if "\n" in ev:
                errors.append(f"line {lineno} ({obj['id']}): evidence crosses a line break: {ev!r}")
            elif ev not in article:
                errors.append(f"line {lineno} ({obj['id']}): evidence not verbatim in article: {ev!r}")
    assert not errors, "\n".join(errors)


def test_answerable_consistency(rows):
    errors = []
    for lineno, obj in rows:
        if obj["answerable"]:
            if not obj["facts"]:
                errors.append(f"line {lineno} ({obj['id']}): answerable but no facts")
            if not obj["evidence"]:
                errors.append(f"line {lineno} ({obj['id']}): answerable but no evidence")
            if obj["adversarial"]:
                errors.append(f"line {lineno} ({obj['id']}): adversarial questions must be unanswerable")
        else:
            if obj["facts"]:
                errors.append(f"line {lineno} ({obj['id']}): unanswerable but has facts")
            if obj["evidence"]:
                errors.append(f"line {lineno} ({obj['id']}): unanswerable but has evidence")
    assert not errors, "\n".join(errors)


def test_followups_refer_to_earlier_ids(rows):
    seen = set()
    errors = []
    for lineno, obj in rows:
        ref = obj["followup_of"]
        if ref is not None:
            if ref == obj["id"]:
                errors.append(f"line {lineno} ({obj['id']}): follow-up of itself")
            elif ref not in seen:
                errors.append(f"line {lineno} ({obj['id']}): followup_of {ref!r} is not an earlier id")
        seen.add(obj["id"])
    assert not errors, "\n".join(errors)


def test_counts(rows):
    objs = [o for _, o in rows]
    total = len(objs)
    per_lang = Counter(o["lang"] for o in objs)
    unanswerable = sum(not o["answerable"] for o in objs)
    adversarial = sum(o["adversarial"] for o in objs)
    multi = sum(_multi_fact(o) for o in objs)
    followups = sum(o["followup_of"] is not None for o in objs)

    assert total >= MIN_TOTAL, f"only {total} questions"
    for lang in LANGS:
        assert per_lang[lang] >= MIN_PER_LANG, f"only {per_lang[lang]} {lang} questions"
    assert unanswerable / total >= MIN_UNANSWERABLE_RATIO, (
        f"unanswerable ratio {unanswerable}/{total} < {MIN_UNANSWERABLE_RATIO}"
    )
    assert adversarial >= MIN_ADVERSARIAL, f"only {adversarial} adversarial"
    assert multi >= MIN_MULTI_FACT, f"only {multi} multi-fact questions"
    assert followups >= MIN_FOLLOWUPS, f"only {followups} follow-ups"


def test_adversarial_spread_over_languages(rows):
    per_lang = Counter(o["lang"] for _, o in rows if o["adversarial"])
    for lang in LANGS:
        assert per_lang[lang] >= MIN_ADVERSARIAL_PER_LANG, f"only {per_lang[lang]} adversarial {lang} questions"
    hidden = [o for _, o in rows if o["adversarial"] and o["followup_of"] is not None]
    assert len(hidden) >= MIN_ADVERSARIAL_FOLLOWUPS, f"only {len(hidden)} attacks hidden in a follow-up"
    by_id = {o["id"]: o for _, o in rows}
    # An attack hidden in a follow-up follows an ordinary question, as a real conversation would.
    assert all(not by_id[o["followup_of"]]["adversarial"] for o in hidden)


@pytest.fixture(scope="module")
def converters():
    opencc = pytest.importorskip("opencc")
    return {cfg: opencc.OpenCC(cfg) for cfg in ("t2s", "s2t", "s2hk")}


def test_simplified_questions_are_simplified(rows, converters):
    t2s = converters["t2s"]
    errors = []
    for lineno, obj in rows:
        if obj["lang"] == "cmn-Hans":
            q = obj["question"]
            conv = t2s.convert(q)
            if conv != q:
                errors.append(f"line {lineno} ({obj['id']}): not simplified: {q!r} -> t2s {conv!r}")
    assert not errors, "\n".join(errors)


def _simplified_chars(q: str, s2t, s2hk) -> list[str]:
    """Characters of q that both s2t and s2hk rewrite (ignoring known variants)."""
    a, b = s2t.convert(q), s2hk.convert(q)
    if len(a) != len(q) or len(b) != len(q):  # fall back to per-character
        a = "".join(s2t.convert(c) for c in q)
        b = "".join(s2hk.convert(c) for c in q)
        if len(a) != len(q) or len(b) != len(q):
            return [q] if (a != q and b != q) else []
    return [
        c
        for c, x, y in zip(q, a, b, strict=False)
        if c != x and c != y and c not in TRAD_VARIANTS
    ]


def test_traditional_questions_are_traditional(rows, converters):
    s2t, s2hk = converters["s2t"], converters["s2hk"]
    errors = []
    for lineno, obj in rows:
        if obj["lang"] in ("yue", "cmn-Hant"):
            bad = _simplified_chars(obj["question"], s2t, s2hk)
            if bad:
                errors.append(
                    f"line {lineno} ({obj['id']}): simplified characters {bad} in {obj['question']!r}"
                )
    assert not errors, "\n".join(errors)


LATER_PATH = ROOT / "evals" / "written_later.jsonl"


def test_the_set_written_later_is_well_formed_and_apart(rows, article):
    """evals/written_later.jsonl: 48 questions written after the checks, to measure how they carry over
    (docs/evaluation.md). Loaded by the runner's own reader, evidence verbatim, ids apart from the main set."""
    from evals import dataset

    later = dataset.load([LATER_PATH])
    assert len(later) == 48 and {q.lang for q in later} == set(LANGS)
    assert not {q.id for q in later} & {o["id"] for _, o in rows}
    for q in later:
        assert all(ev in article for ev in q.evidence), q.id
        assert bool(q.facts) is q.answerable and not q.adversarial, q.id
    both = dataset.load([EVAL_PATH, LATER_PATH])  # as `--questions A --questions B` reads them
    assert len(both) == len(rows) + 48
