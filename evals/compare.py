"""``python -m evals compare RUN_A RUN_B [--json]``: two earlier runs, paired question by question.

For every figure of the report and every group (the language groups, ``all``, and the ``dev`` and
``test`` splits when the questions have them): A's and B's value, the difference B − A and the
p-value of a paired test (``evals.stats``): exact McNemar for right/wrong figures, a paired
permutation test for MRR, citation precision and the latency percentiles (9,999 swaps, seeded, so the
same two runs give the same p-values). With each figure, the questions that flipped: better in B and
worse in B, with their language, split and both answers. Markdown on stdout, or JSON with ``--json``.

The p-values are per figure and group, not corrected for how many there are: among 17 figures in 7
groups, a few p < 0.05 turn up by chance. Read them with the flipped questions.

Runs are compared only over the same questions: the same question files (as run.json records them)
and the same ids in results.jsonl. Anything else, or a folder that holds no run, is refused with
``error: …`` and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evals import dataset, stats
from evals.dataset import LANGS, SPLITS

ROOT = Path(__file__).resolve().parent.parent


class CompareError(ValueError):
    """Two runs that cannot be compared; the message says why, on one line."""


def _question_files(meta: dict) -> list[str]:
    """The question files run.json records, spelled one way: the default set as the runner names it
    (``[]``), paths in the repository relative to it, others as recorded."""
    out = []
    for f in meta.get("questions") or [str(dataset.DEFAULT)]:
        p = Path(f)
        for full in [p] if p.is_absolute() else [Path.cwd() / p, ROOT / p]:
            if full.exists():
                p = full.resolve()
                break
        if p.is_absolute() and p.is_relative_to(ROOT):
            p = p.relative_to(ROOT)
        out.append(p.as_posix())
    return out


def load_run(folder: Path, name: str) -> dict:
    """One earlier run: its rows by id, its run.json and report.json (if any), and each id's split."""
    if not folder.is_dir():
        raise CompareError(f"{name} {folder}: no such folder")
    results, meta_path = folder / "results.jsonl", folder / "run.json"
    if not results.is_file() or not meta_path.is_file():
        raise CompareError(f"{name} {folder}: not an eval run (no results.jsonl or run.json)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        rows = {}
        for line in results.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows[row["id"]] = row
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise CompareError(f"{name} {folder}: cannot read the run ({e})") from None
    if not rows:
        raise CompareError(f"{name} {folder}: the run answered no question")
    report = {}
    if (folder / "report.json").is_file():
        try:
            report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            report = {}
    files = _question_files(meta)
    splits = {i: r["split"] for i, r in rows.items() if r.get("split")}
    if len(splits) < len(rows):
        # Runs from before the split was in the rows: the question files say it, where they still exist.
        try:
            paths = [Path(f) if Path(f).is_absolute() else ROOT / f for f in files]
            splits = {q.id: q.split for q in dataset.load(paths) if q.split} | splits
        except dataset.DatasetError:
            pass
    return {"dir": str(folder), "rows": rows, "meta": meta, "report": report, "files": files, "splits": splits}


def _groups(ids: list[str], rows: dict[str, dict], splits: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {g: [] for g in [*LANGS, "all", *SPLITS]}
    for i in ids:
        out[rows[i]["lang"]].append(i)
        out["all"].append(i)
        if splits.get(i) in SPLITS:
            out[splits[i]].append(i)
    return {g: v for g, v in out.items() if v}


def _value(metric: str, values: list[float]) -> float | None:
    if not values:
        return None
    return stats.rounded(metric, float(stats.statistic(metric)(values)))


def _item(i: str, a: dict, b: dict, split: str | None, va, vb) -> dict:
    ra, rb = a["rows"][i], b["rows"][i]
    return {"id": i, "lang": ra["lang"], "split": split, "question": ra.get("question", ""),
            "a": va, "b": vb, "answer_a": ra.get("answer", ""), "answer_b": rb.get("answer", "")}


def compare(a: dict, b: dict) -> dict:
    """The comparison of two loaded runs (``load_run``) as a JSON-ready dict; CompareError if they
    are over different questions."""
    if a["files"] != b["files"]:
        raise CompareError(f"the runs are over different question files (A: {', '.join(a['files'])}; "
                           f"B: {', '.join(b['files'])})")
    only_a, only_b = sorted(set(a["rows"]) - set(b["rows"])), sorted(set(b["rows"]) - set(a["rows"]))
    if only_a or only_b:
        some = ", ".join((only_a + only_b)[:5])
        raise CompareError(f"the runs answered different questions ({len(only_a)} only in A, {len(only_b)} "
                           f"only in B: {some}{', …' if len(only_a) + len(only_b) > 5 else ''}); "
                           "compare runs over the same set (same files, same --limit)")
    ids = list(a["rows"])
    splits = b["splits"] | a["splits"]
    groups = _groups(ids, a["rows"], splits)
    va = {i: stats.question_values(a["rows"][i]) for i in ids}
    vb = {i: stats.question_values(b["rows"][i]) for i in ids}
    metrics = {}
    for m in stats.METRICS:
        kind = stats.kind(m)
        lower = m in stats.LOWER_IS_BETTER
        per_group = {}
        for g, members in groups.items():
            # Paired: the questions the figure applies to in both runs (a latency both runs timed).
            pairs = [(va[i][m], vb[i][m]) for i in members if va[i][m] is not None and vb[i][m] is not None]
            xa, xb = [float(x) for x, _ in pairs], [float(y) for _, y in pairs]
            entry = {"n": len(pairs), "a": _value(m, xa), "b": _value(m, xb)}
            entry["diff"] = (None if entry["a"] is None or entry["b"] is None
                             else stats.rounded(m, entry["b"] - entry["a"]))
            if not pairs:
                entry |= {"test": None, "p_value": None} | ({"a_only": 0, "b_only": 0} if kind == "proportion" else {})
            elif kind == "proportion":
                entry |= stats.mcnemar([bool(x) for x in xa], [bool(y) for y in xb])
            else:
                entry |= stats.permutation(xa, xb, m)
            per_group[g] = entry
        out = {"kind": kind, "lower_is_better": lower, "groups": per_group}
        if kind != "percentile":  # every question's latency differs between two runs: no flips to list
            better, worse = [], []
            for i in ids:
                x, y = va[i][m], vb[i][m]
                if x is None or y is None or float(x) == float(y):
                    continue
                up = float(y) > float(x)
                item = _item(i, a, b, splits.get(i), x if kind == "mean" else bool(x), y if kind == "mean" else bool(y))
                if m in stats.RETRIEVAL:
                    item |= {"rank_a": a["rows"][i]["scores"].get("rank"), "rank_b": b["rows"][i]["scores"].get("rank")}
                (worse if up == lower else better).append(item)
            out["flipped"] = {"better": better, "worse": worse}
        metrics[m] = out

    def about(run: dict) -> dict:
        return {"dir": run["dir"], "backend": run["report"].get("backend", run["meta"].get("backend")),
                "mode": run["report"].get("mode") or run["meta"].get("mode"), "question_files": run["files"],
                "date": run["report"].get("date")}

    return {"a": about(a), "b": about(b), "questions": len(ids), "groups": list(groups),
            "splits": {s: len(groups.get(s, [])) for s in SPLITS}, "seed": stats.SEED,
            "n_resamples": stats.N_RESAMPLES, "metrics": metrics}


def _num(metric: str, v, signed: bool = False) -> str:
    if v is None:
        return "–"
    if metric in stats.PERCENTILES:
        return f"{v:+.1f}" if signed else f"{v:.1f}"
    return f"{v:+.3f}" if signed else f"{v:.3f}"


def _p(p) -> str:
    if p is None:
        return "–"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}" if p < 0.01 else f"p={p:.2f}"


def _short(text: str, width: int = 110) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def markdown(result: dict) -> str:
    a, b = result["a"], result["b"]
    groups = result["groups"]
    lines = ["# Comparing two eval runs", "",
             f"- A: `{a['dir']}` (backend `{a['backend']}`, mode `{a['mode']}`, {a['date'] or 'no report'})",
             f"- B: `{b['dir']}` (backend `{b['backend']}`, mode `{b['mode']}`, {b['date'] or 'no report'})",
             f"- {result['questions']} questions, paired by id; question files: {', '.join(a['question_files'])}; "
             f"splits: dev {result['splits']['dev']}, test {result['splits']['test']}",
             "",
             "Each cell: difference B − A and its p-value (exact McNemar for right/wrong figures; paired "
             f"permutation test, {result['n_resamples']} swaps, seed {result['seed']}, for MRR, citation "
             "precision and latency). p-values are not corrected for the many figures and groups.", "",
             "| metric | A (all) | B (all) | " + " | ".join(groups) + " |",
             "|---|---|---|" + "---|" * len(groups)]
    for m, r in result["metrics"].items():
        al = r["groups"].get("all", {})
        cells = []
        for g in groups:
            e = r["groups"].get(g)
            cells.append("–" if not e or e["n"] == 0 else f"{_num(m, e['diff'], True)} ({_p(e['p_value'])})")
        lines.append(f"| {m} | {_num(m, al.get('a'))} | {_num(m, al.get('b'))} | " + " | ".join(cells) + " |")
    lines += ["", "## Flipped questions", ""]
    any_flip = False
    for m, r in result["metrics"].items():
        flipped = r.get("flipped")
        if not flipped or not (flipped["better"] or flipped["worse"]):
            continue
        any_flip = True
        lines += [f"### {m}: {len(flipped['better'])} better in B, {len(flipped['worse'])} worse in B", ""]
        for way in ("better", "worse"):
            for it in flipped[way]:
                ranks = f", rank {it['rank_a']} → {it['rank_b']}" if "rank_a" in it else ""
                vals = "" if isinstance(it["a"], bool) else f", {it['a']:.3g} → {it['b']:.3g}"
                lines.append(f"- {way}: `{it['id']}` ({it['lang']}, {it['split'] or 'no split'}{ranks}{vals}) "
                             f"{_short(it['question'], 80)}")
                lines.append(f"  - A: {_short(it['answer_a'])}")
                lines.append(f"  - B: {_short(it['answer_b'])}")
        lines.append("")
    if not any_flip:
        lines.append("No question changed on any scored figure (latency aside).")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals compare",
                                     description="Two earlier eval runs, paired question by question.")
    parser.add_argument("run_a", type=Path, metavar="RUN_A", help="an earlier run's --out folder")
    parser.add_argument("run_b", type=Path, metavar="RUN_B", help="another run's folder, over the same questions")
    parser.add_argument("--json", action="store_true", help="the comparison as one JSON object on stdout")
    args = parser.parse_args(argv)
    try:
        result = compare(load_run(args.run_a, "RUN_A"), load_run(args.run_b, "RUN_B"))
    except CompareError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    else:
        print(markdown(result), end="")
    return 0
