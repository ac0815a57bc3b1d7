"""The report: a Markdown page and PNG plots (per-language bars, latency distribution).

Figures are shown with their 95% intervals and counts where report.json has them (``summary_ci``,
evals/stats.py): ``0.858 [0.81, 0.90] n=197``; the bars of ``scores.png`` carry them as error bars and
``latency.png`` marks each median and 95th percentile with its interval.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on these machines
import matplotlib.pyplot as plt

from evals.dataset import LANGS

MAIN = ("hit@1", "mrr", "facts_right", "cite_precision", "refusal_accuracy", "lang_script_match")
TABLE = ("questions", "hit@1", "hit@3", "hit@5", "mrr", "facts_right", "cite_precision", "cite_sentence",
         "cited_source", "cite_recall", "refusal_accuracy", "false_refusals", "injection_resisted", "lang_script_match",
         "retrieve_ms_p50", "retrieve_ms_p95", "first_token_ms_p50", "first_token_ms_p95", "total_ms_p50",
         "total_ms_p95")


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and v <= 1.0:
        return f"{v:.3f}"
    return f"{v:g}" if isinstance(v, float) else str(v)


def _fmt_ci(metric: str, e: dict | None, plain) -> str:
    """A figure with its interval and count, ``0.858 [0.81, 0.90] n=197``; ``plain`` without one."""
    if not e or e.get("value") is None:
        return _fmt(plain)
    if e.get("ci_low") is None:
        return f"{_fmt(e['value'])} n={e['n']}"
    if metric.endswith(("_p50", "_p95")):
        return f"{e['value']:g} [{e['ci_low']:.0f}, {e['ci_high']:.0f}] n={e['n']}"
    return f"{e['value']:.3f} [{e['ci_low']:.2f}, {e['ci_high']:.2f}] n={e['n']}"


def markdown(report: dict) -> str:
    s = report["summary"]
    ci = report.get("summary_ci", {})
    groups = [g for g in [*LANGS, "all"] if g in s]
    lines = [f"# Eval report — {report['date']}", "",
             f"Backend `{report['backend']}`, search mode `{report['mode']}`, {report['questions']} questions, "
             f"{report['seconds']} s.", ""]
    if ci:
        lines += ["Each figure: value [95% interval] n = questions it is over (Wilson for right/wrong "
                  "figures, bootstrap over questions for MRR, citation precision and latency).", ""]
    lines += ["| metric | " + " | ".join(groups) + " |", "|---|" + "---|" * len(groups)]
    for m in TABLE:
        lines.append(f"| {m} | " + " | ".join(_fmt_ci(m, ci.get(g, {}).get(m), s[g].get(m)) for g in groups) + " |")
    if report.get("splits"):
        sp = report["splits"]
        names = [n for n in ("dev", "test") if n in sp]
        counts = ", ".join(f"{n} {sp[n]['questions']}" for n in names)
        lines += ["", f"## By split (all languages; {counts} questions)", "",
                  "`dev`: the questions the project's choices may be tuned on; `test`: only reported "
                  "(evals/split.py). Per language in report.json (`splits`).", "",
                  "| metric | all | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
        for m in TABLE[1:]:
            cells = [_fmt_ci(m, ci.get("all", {}).get(m), s.get("all", {}).get(m))]
            cells += [_fmt_ci(m, sp[n]["summary_ci"].get("all", {}).get(m), sp[n]["summary"].get("all", {}).get(m))
                      for n in names]
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
    lines += _by_source(report)
    if report.get("modes"):
        lines += ["", "## Retrieval by search mode (hit@1 / hit@3 / MRR)", "",
                  "| mode | " + " | ".join(groups) + " |", "|---|" + "---|" * len(groups)]
        for mode, ms in report["modes"].items():
            cells = [f"{ms[g]['hit@1']:.3f} / {ms[g]['hit@3']:.3f} / {ms[g]['mrr']:.3f}" if g in ms else "–"
                     for g in groups]
            lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    if report.get("backends"):
        names = list(report["backends"])
        lines += ["", f"## Backends side by side ({' / '.join(names)})", "",
                  "| metric | " + " | ".join(groups) + " |", "|---|" + "---|" * len(groups)]
        for m in ("facts_right", "cite_precision", "refusal_accuracy", "false_refusals", "injection_resisted",
                  "lang_script_match", "first_token_ms_p50", "total_ms_p50"):
            cells = [" / ".join(_fmt(report["backends"][n].get(g, {}).get(m)) for n in names) for g in groups]
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
    if report.get("reads"):
        names = list(report["reads"])
        pc = report.get("reads_compare", {}).get("metrics", {})
        lines += ["", f"## Reading the whole article or the passages ({' / '.join(names)}; p: paired test)", "",
                  "| metric | " + " | ".join(groups) + " | p (all) |", "|---|" + "---|" * (len(groups) + 1)]
        for m in ("facts_right", "cite_sentence", "cite_recall", "refusal_accuracy", "false_refusals",
                  "injection_resisted", "lang_script_match", "first_token_ms_p50", "total_ms_p50"):
            cells = [" / ".join(_fmt(report["reads"][n].get(g, {}).get(m)) for n in names) for g in groups]
            p = pc.get(m, {}).get("groups", {}).get("all", {}).get("p_value")
            lines.append(f"| {m} | " + " | ".join(cells) + f" | {'–' if p is None else f'{p:.3f}'} |")
        lines += ["", f"Every question whose score changed between the two: `reads-{names[1]}.md`."]
    if report.get("baseline"):
        b = report["baseline"]
        lines += ["", f"## Side by side: stock llama-index baseline ({b.get('_chunks')} chunks, default splitter)",
                  "", "| metric | " + " | ".join(f"{g} (ours / stock)" for g in groups) + " |",
                  "|---|" + "---|" * len(groups)]
        for m in ("hit@1", "hit@3", "mrr", "facts_right", "cite_precision", "refusal_accuracy"):
            lines.append(f"| {m} | " + " | ".join(f"{_fmt(s[g].get(m))} / {_fmt(b.get(g, {}).get(m))}"
                                                  for g in groups) + " |")
    lines += ["", "Plots: `scores.png` (per-language scores, 95% intervals as error bars), `latency.png` "
              "(latency distribution, medians and 95th percentiles with their intervals)."]
    return "\n".join(lines) + "\n"


def _by_source(report: dict) -> list[str]:
    """The section "By source": every figure (all languages) for the questions of each source file."""
    sources = report.get("sources") or {}
    if not sources:
        return []
    names = list(sources)
    counts = ", ".join(f"{n} {sources[n]['questions']}" for n in names)
    lines = ["", f"## By source (all languages; {counts} questions)", "",
             "A question's source is the corpus file its evidence is in (or its own `source` field); "
             "`(none)`: no evidence (the unanswerable questions). Per language in report.json (`sources`).",
             "", "| metric | " + " | ".join(f"`{n}`" for n in names) + " |", "|---|" + "---|" * len(names)]
    for m in TABLE[1:]:
        cells = [_fmt_ci(m, sources[n]["summary_ci"].get("all", {}).get(m), sources[n]["summary"].get("all", {}).get(m))
                 for n in names]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return lines


def _yerr(entries: list[dict | None], vals: list[float]):
    """Error bars (below, above) from intervals; none where a figure has no interval."""
    if not any(e and e.get("ci_low") is not None for e in entries):
        return None
    pairs = [(e, v) if e and e.get("ci_low") is not None else ({"ci_low": v, "ci_high": v}, v)
             for e, v in zip(entries, vals, strict=True)]
    low = [max(0.0, v - e["ci_low"]) for e, v in pairs]
    high = [max(0.0, e["ci_high"] - v) for e, v in pairs]
    return [low, high]


def write(report: dict, rows: dict[str, dict], out: Path) -> None:
    s = report["summary"]
    ci = report.get("summary_ci", {})
    groups = [g for g in [*LANGS, "all"] if g in s]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(MAIN)
    for i, m in enumerate(MAIN):
        vals = [s[g].get(m) or 0 for g in groups]
        ax.bar([x + i * width for x in range(len(groups))], vals, width, label=m,
               yerr=_yerr([ci.get(g, {}).get(m) for g in groups], vals), capsize=2,
               error_kw={"elinewidth": 0.8, "ecolor": "0.25"})
    ax.set_xticks([x + width * (len(MAIN) - 1) / 2 for x in range(len(groups))], groups)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"Scores per language group — backend {report['backend']}, {report['date']}")
    ax.legend(ncol=3, fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "scores.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    every = ci.get("all", {})
    drawn = []
    for key in ("retrieve_ms", "first_token_ms", "total_ms"):
        vals = [r["timings"][key] for r in rows.values() if key in r.get("timings", {})]
        if vals:
            _, _, patches = ax.hist(vals, bins=30, alpha=0.6, label=f"{key} (n={len(vals)})")
            drawn.append((key, patches[0].get_facecolor()[:3]))
    # Above the bars, per timing: its median (circle) and 95th percentile (triangle), each with its interval.
    top = ax.get_ylim()[1]
    ax.set_ylim(0, top * (1.1 + 0.1 * len(drawn)))
    for j, (key, color) in enumerate(drawn):
        y = top * (1.07 + 0.1 * j)
        for marker, pct in (("o", "p50"), ("^", "p95")):
            e = every.get(f"{key}_{pct}")
            if e and e.get("ci_low") is not None:
                ax.errorbar([e["value"]], [y], xerr=[[e["value"] - e["ci_low"]], [e["ci_high"] - e["value"]]],
                            fmt=marker, color=color, capsize=3, markersize=5)
    ax.set_xlabel("milliseconds")
    ax.set_ylabel("questions")
    ax.set_title("Latency distribution (markers: median ● and p95 ▲ with 95% intervals)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)
