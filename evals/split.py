"""The eval set's fixed dev/test split, and how it was drawn.

    python -m evals.split            # check every question of evals/questions.jsonl has a split; exit 1 if not
    python -m evals.split --write    # give new questions a split (those with one keep it), in their rows

``dev`` questions are the ones the project's choices (thresholds, prompts, weights) may be tuned on;
``test`` questions are only reported, so a figure on them is not one the tuning has seen. The split
is kept in a file and never redrawn: a question keeps its split for good, and only questions that
have none are given one, by this rule:

* a conversation (a question and the follow-ups after it) is one unit, in one split, so a test
  follow-up is never asked after a dev question;
* within each language group, conversations are taken in the order of the SHA-256 of their first
  question's id (stable on every machine and Python, unlike ``hash()``), and each goes to dev while
  dev stays within 60% of the group's questions, to test otherwise: about 60/40 in each group.

The split is each row's ``split`` field. evals/written_later.jsonl is all ``test``: it was written
after the checks, to be measured on, not tuned on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

from evals import dataset
from evals.dataset import LANGS, Question

DEV_SHARE = 0.6


def _key(qid: str) -> str:
    return hashlib.sha256(qid.encode("utf-8")).hexdigest()


def root(q: Question, by_id: dict[str, Question]) -> str:
    """The id of the question that starts ``q``'s conversation."""
    while q.followup_of is not None:
        q = by_id[q.followup_of]
    return q.id


def assign(questions: list[Question], existing: dict[str, str] | None = None,
           dev_share: float = DEV_SHARE) -> dict[str, str]:
    """id → "dev" | "test" for every question: ``existing`` splits kept, the others drawn by the rule."""
    existing = dict(existing or {})
    by_id = {q.id: q for q in questions}
    convs: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        convs[root(q, by_id)].append(q)
    out: dict[str, str] = {}
    for lang in [*LANGS, *sorted({q.lang for q in questions} - set(LANGS))]:
        mine = {r: qs for r, qs in convs.items() if by_id[r].lang == lang}
        target = round(dev_share * sum(len(qs) for qs in mine.values()))
        dev = 0
        fresh = []
        for r, qs in mine.items():
            known = {existing[q.id] for q in qs if q.id in existing}
            if known:  # a conversation with a split already: its new follow-ups join it
                split = "dev" if "dev" in known else "test"
                out.update({q.id: existing.get(q.id, split) for q in qs})
                dev += sum(1 for q in qs if out[q.id] == "dev")
            else:
                fresh.append(r)
        for r in sorted(fresh, key=_key):
            split = "dev" if dev + len(mine[r]) <= target else "test"
            dev += len(mine[r]) if split == "dev" else 0
            out.update({q.id: split for q in mine[r]})
    return out


def write(path: Path, splits: dict[str, str]) -> None:
    """Set each row's ``split`` from ``splits``, every other field and the rows' order as they were."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [json.dumps(row | {"split": splits[row["id"]]}, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.split", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=dataset.DEFAULT)
    parser.add_argument("--write", action="store_true", help="give questions without a split one, and write it")
    args = parser.parse_args(argv)
    try:
        questions = dataset.load([args.questions])
    except dataset.DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    existing = {q.id: q.split for q in questions if q.split}
    missing = [q.id for q in questions if q.id not in existing]
    if not args.write:
        if missing:
            print(f"{len(missing)} question(s) without a split: {', '.join(missing[:10])}; "
                  "run `python -m evals.split --write`", file=sys.stderr)
            return 1
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for q in questions:
            counts[q.lang][existing[q.id]] += 1
        for lang, c in counts.items():
            print(f"{lang}: dev {c['dev']}, test {c['test']}")
        return 0
    splits = assign(questions, existing)
    write(args.questions, splits)
    print(f"{args.questions}: {sum(v == 'dev' for v in splits.values())} dev, "
          f"{sum(v == 'test' for v in splits.values())} test ({len(missing)} new)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
