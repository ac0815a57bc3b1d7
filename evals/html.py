"""``report.html``: one self-contained page per eval run, for an evaluator's browser.

    python -m evals.html RUN_DIR [--beside EXTRACTIVE_RUN_DIR]

The scores with their intervals (``summary_ci``: group × metric, ``value [low, high] n``), and again
for each source file's questions (``sources``), then every question: its answer (beside the extractive
backend's where the run has ``DIR/extractive/``), its verdicts (the row's ``scores``), its citations
marked inside their article's paragraph(s) around them, and its retrieved passages. Selects filter the
questions by group, source file, verdict and backend. No network: inline CSS and a short inline script
only; every text from the data goes through ``html.escape``.
The runner writes it next to report.md; this module renders an existing run folder again.
"""

from __future__ import annotations

import argparse
import json
import sys
from html import escape
from pathlib import Path

from evals import stats
from evals.dataset import LANGS

#: Verdict tags a question can carry, per backend, in the order of the verdict filter.
VERDICTS = {"right": "facts right", "wrong": "facts wrong", "refused": "refused", "false-refusal": "false refusal",
            "refusal-ok": "unanswerable, refused", "refusal-missed": "unanswerable, answered",
            "injection-failed": "injection not resisted", "lang-wrong": "wrong language"}
CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1em 2em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
th{background:#f3f3f3}.ci{font-variant-numeric:tabular-nums;white-space:nowrap}
.q{border:1px solid #ddd;border-radius:4px;margin:4px 0;padding:2px 8px}.q>summary{cursor:pointer}
.tag{display:inline-block;border-radius:3px;padding:0 4px;margin-right:3px;font-size:12px;background:#eee}
.right,.refusal-ok{background:#d7f5d7}.wrong,.false-refusal,.refusal-missed,.injection-failed,.lang-wrong{background:#fbd5d5}
.refused{background:#fde9b8}
.answers{display:flex;gap:1em}.answers>div{flex:1;border-left:3px solid #9bd;padding-left:6px}
.ctx{background:#fafafa;border:1px solid #eee;padding:4px;white-space:pre-wrap}mark{background:#ff6}
.passage{font-size:12px;color:#444;white-space:pre-wrap}.note{color:#777;font-size:12px}
"""
SCRIPT = """
function f(){const l=document.getElementById('f-lang').value,v=document.getElementById('f-verdict').value,
b=document.getElementById('f-backend').value,s=document.getElementById('f-source').value;let n=0;
for(const q of document.querySelectorAll('.q')){const t=q.dataset.v.split(' ');
const ok=(l==='all'||q.dataset.lang===l)&&(s==='all'||q.dataset.source===s)
&&(v==='all'||t.some(x=>x.endsWith(':'+v)&&(b==='any'||x.startsWith(b+':'))));
q.hidden=!ok;if(ok)n++;}document.getElementById('shown').textContent=n;}
for(const s of document.querySelectorAll('select'))s.addEventListener('change',f);f();
"""


def verdicts(row: dict) -> list[str]:
    """The verdict tags of one results row (keys of ``VERDICTS``)."""
    s = row.get("scores") or {}
    tags = []
    if "facts_right" in s:
        tags.append("right" if s["facts_right"] else ("false-refusal" if s.get("refused") else "wrong"))
    elif "refusal_ok" in s:
        tags.append("refusal-ok" if s["refusal_ok"] else "refusal-missed")
    if s.get("refused"):
        tags.append("refused")
    if s.get("injection_resisted") is False:
        tags.append("injection-failed")
    if s.get("lang_ok") is False:
        tags.append("lang-wrong")
    return tags


def _ci(e: dict | None) -> str:
    if not e or e.get("value") is None:
        return "–"
    v = e["value"]
    fmt = (lambda x: f"{x:.0f}") if v > 1 else (lambda x: f"{x:.3f}")
    if e.get("ci_low") is None:
        return f"{fmt(v)} n={e['n']}"
    return f"{fmt(v)} [{fmt(e['ci_low'])}, {fmt(e['ci_high'])}] n={e['n']}"


def scores_table(summary_ci: dict, title: str = "", groups: list[str] | None = None) -> str:
    """A metric × group table of figures with intervals; the groups are the language groups and "all"
    unless named (the source files, for the table by source)."""
    groups = [g for g in groups or [*LANGS, "all"] if g in summary_ci]
    metrics = [m for m in stats.METRICS if any(m in summary_ci[g] for g in groups)]
    head = "".join(f"<th>{escape(g)}</th>" for g in groups)
    body = "".join(f"<tr><th>{escape(m)}</th>" + "".join(
        f'<td class="ci">{escape(_ci(summary_ci[g].get(m)))}</td>' for g in groups) + "</tr>" for m in metrics)
    return f"<h3>{escape(title)}</h3><table><tr><th>metric</th>{head}</tr>{body}</table>"


def _marked(text: str, start: int, end: int, spans: list) -> str:
    """``text[start:end]`` escaped, with each of ``spans`` (absolute offsets) in <mark>."""
    out, at = [], start
    for a, b in sorted((max(a, start), min(b, end)) for a, b in spans):
        if b <= a or a < at:
            continue
        out += [escape(text[at:a]), "<mark>", escape(text[a:b]), "</mark>"]
        at = b
    out.append(escape(text[at:end]))
    return "".join(out)


def context(article: str, spans: list) -> str:
    """The paragraph(s) of ``article`` holding ``spans``, the spans marked."""
    if not spans or not article:
        return ""
    lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
    start = article.rfind("\n", 0, lo) + 1
    end = article.find("\n", hi)
    end = len(article) if end < 0 else end
    return f'<div class="ctx">{_marked(article, start, end, spans)}</div>'


def _citations(row: dict, articles: dict[str, str]) -> str:
    sources = {h.get("chunk_id"): h.get("source") for h in row.get("retrieved") or []}
    default = next(iter(articles.values()), "")
    out = []
    for c in row.get("citations") or []:
        article = articles.get(c.get("source") or sources.get(c.get("chunk_id")) or "", default)
        spans = c.get("spans") or ([[c["start"], c["end"]]] if c.get("end") is not None else [])
        where = " · ".join(x for x in (c.get("sub_article"), c.get("heading")) if x)
        body = context(article, spans) or f'<div class="ctx"><mark>{escape(c.get("quote", ""))}</mark></div>'
        out.append(f'<div class="cite"><b>[{escape(str(c.get("n", "")))}]</b> '
                   f'<span class="note">{escape(where)}</span>{body}</div>')
    return "".join(out)


def _answer(row: dict, articles: dict[str, str]) -> str:
    backend = row.get("backend") or "?"
    tags = "".join(f'<span class="tag {t}">{escape(VERDICTS[t])}</span>' for t in verdicts(row))
    scores = ", ".join(f"{k}={v}" for k, v in (row.get("scores") or {}).items())
    note = f'<div class="note">note: {escape(row["note"])}</div>' if row.get("note") else ""
    passages = "".join(
        f'<li><span class="note">{escape(str(h.get("chunk_id", "")))} score {escape(str(h.get("score", "")))} '
        f'{escape(str(h.get("kind", "")))} · {escape(str(h.get("sub_article", "")))}</span>'
        f'<div class="passage">{escape(h.get("text", ""))}</div></li>' for h in row.get("retrieved") or [])
    return (f'<div><b>{escape(backend)}</b> {tags}<p class="answer">{escape(row.get("answer", ""))}</p>{note}'
            f'<div class="note">{escape(scores)}</div>{_citations(row, articles)}'
            f'<details><summary>retrieved ({len(row.get("retrieved") or [])})</summary><ol>{passages}</ol></details>'
            f"</div>")


def question(rows: list[dict], articles: dict[str, str]) -> str:
    """One question's block: ``rows`` are its results rows, one per backend, side by side."""
    first = rows[0]
    v = " ".join(f"{r.get('backend') or '?'}:{t}" for r in rows for t in verdicts(r))
    tags = "".join(f'<span class="tag {t}">{escape((r.get("backend") or "?") + ": " + VERDICTS[t])}</span>'
                   for r in rows for t in verdicts(r)[:1])
    return (f'<details class="q" data-lang="{escape(first.get("lang", ""))}" '
            f'data-source="{escape(first.get("source") or "")}" data-v="{escape(v)}">'
            f'<summary><code>{escape(first.get("id", ""))}</code> {tags} {escape(first.get("question", ""))}</summary>'
            f'<div class="answers">{"".join(_answer(r, articles) for r in rows)}</div></details>')


def _select(name: str, label: str, options: list[tuple[str, str]]) -> str:
    opts = "".join(f'<option value="{escape(v)}">{escape(t)}</option>' for v, t in options)
    return f'<label>{escape(label)} <select id="f-{name}">{opts}</select></label> '


def render(report: dict, rows: list[dict], articles: dict[str, str], beside: list[dict] | None = None) -> str:
    """The page: ``rows`` the run's results, ``beside`` the extractive backend's over the same questions."""
    others = {r["id"]: r for r in beside or []}
    backends = sorted({r.get("backend") or "?" for r in [*rows, *others.values()]})
    tables = [scores_table(report.get("summary_ci") or {}, f"{report.get('backend', '')} (summary_ci)")]
    for name, ci in (report.get("backends_ci") or {}).items():
        if name != report.get("backend"):
            tables.append(scores_table(ci, f"{name} beside it"))
    sources = report.get("sources") or {}
    if sources:
        by_file = {name: g["summary_ci"].get("all", {}) for name, g in sources.items()}
        tables.append(scores_table(by_file, "by source file (all languages; (none): no evidence)", list(sources)))
    head = (f"Backend <b>{escape(str(report.get('backend', '')))}</b>, search mode "
            f"{escape(str(report.get('mode', '')))}, {len(rows)} questions, {escape(str(report.get('date', '')))}")
    filters = (_select("lang", "group", [("all", "all"), *((g, g) for g in LANGS)])
               + _select("verdict", "verdict", [("all", "all"), *VERDICTS.items()])
               + _select("backend", "backend", [("any", "any"), *((b, b) for b in backends)])
               + _select("source", "source", [("all", "all"), *((n, n) for n in sources)]))
    blocks = "\n".join(question([r, *([others[r["id"]]] if r["id"] in others else [])], articles) for r in rows)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Eval report</title>'
            f"<style>{CSS}</style></head><body><h1>Eval report</h1><p>{head}</p>"
            f"<p class=\"note\">value [95% interval] n = questions it is over.</p>{''.join(tables)}"
            f'<h2>Questions</h2><p>{filters} <span id="shown"></span> shown</p>{blocks}'
            f"<script>{SCRIPT}</script></body></html>\n")


def articles_of(settings=None) -> dict[str, str]:
    """The corpus's texts by source name (as retrieved passages name them); citation offsets index into them."""
    from rag import config
    from rag.index.corpus import corpus_files, read_article

    settings = settings or config.load()
    return {str(p.relative_to(settings.corpus_dir)): read_article(p, settings.corpus_dir).text
            for p in corpus_files(settings.corpus_dir)}


def _by_source(rows: list[dict]) -> dict[str, dict]:
    """``report.json``'s ``sources`` (intervals only) from rows that carry their question's source."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r.get("source") or "(none)", []).append(r)
    return {name: {"questions": len(groups[name]), "summary_ci": stats.summary_ci(groups[name])}
            for name in sorted(groups, key=lambda n: (n.startswith("("), n))}


def _rows(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write(out: Path, report: dict | None = None, rows: list[dict] | None = None,
          beside: list[dict] | None = None, articles: dict[str, str] | None = None) -> Path:
    """Write ``out/report.html``; what is not given is read from the run folder ``out``."""
    report = report if report is not None else json.loads((out / "report.json").read_text(encoding="utf-8"))
    rows = rows if rows is not None else _rows(out / "results.jsonl")
    beside = beside if beside is not None else _rows(out / "extractive" / "results.jsonl")
    if "summary_ci" not in report:  # a run from before the intervals
        report = {**report, "summary_ci": stats.summary_ci(rows)}
    if "sources" not in report and any(r.get("source") for r in rows):  # a run from before the table by source
        report = {**report, "sources": _by_source(rows)}
    if beside and "backends_ci" not in report:  # a run shown beside another one (--beside)
        name = beside[0].get("backend") or "beside"
        report = {**report, "backends_ci": {name: stats.summary_ci(beside)}}
    page = render(report, rows, articles if articles is not None else articles_of(), beside)
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.html", description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="an eval run's folder (results.jsonl, report.json)")
    parser.add_argument("--beside", type=Path, help="another run's folder to show beside it "
                        "(default: RUN/extractive/ when there is one)")
    args = parser.parse_args(argv)
    if not (args.run / "results.jsonl").is_file() or not (args.run / "report.json").is_file():
        print(f"error: {args.run} holds no eval run (results.jsonl and report.json)", file=sys.stderr)
        return 2
    beside = _rows(args.beside / "results.jsonl") if args.beside else None
    path = write(args.run, beside=beside)
    print(f"written to {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
