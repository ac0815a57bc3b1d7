"""The report: a Markdown page and PNG plots (per-language bars, latency distribution)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on these machines
import matplotlib.pyplot as plt

from evals.dataset import LANGS

MAIN = ("hit@1", "mrr", "facts_right", "cite_precision", "refusal_accuracy", "lang_script_match")
TABLE = ("questions", "hit@1", "hit@3", "hit@5", "mrr", "facts_right", "cite_precision", "cite_recall",
         "refusal_accuracy", "false_refusals", "injection_resisted", "lang_script_match",
         "retrieve_ms_p50", "retrieve_ms_p95", "first_token_ms_p50", "first_token_ms_p95", "total_ms_p50",
         "total_ms_p95")


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and v <= 1.0:
        return f"{v:.3f}"
    return f"{v:g}" if isinstance(v, float) else str(v)


def markdown(report: dict) -> str:
    s = report["summary"]
    groups = [g for g in [*LANGS, "all"] if g in s]
    lines = [f"# Eval report — {report['date']}", "",
             f"Backend `{report['backend']}`, search mode `{report['mode']}`, {report['questions']} questions, "
             f"{report['seconds']} s.", "", "| metric | " + " | ".join(groups) + " |",
             "|---|" + "---|" * len(groups)]
    for m in TABLE:
        lines.append(f"| {m} | " + " | ".join(_fmt(s[g].get(m)) for g in groups) + " |")
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
    if report.get("baseline"):
        b = report["baseline"]
        lines += ["", f"## Side by side: stock llama-index baseline ({b.get('_chunks')} chunks, default splitter)",
                  "", "| metric | " + " | ".join(f"{g} (ours / stock)" for g in groups) + " |",
                  "|---|" + "---|" * len(groups)]
        for m in ("hit@1", "hit@3", "mrr", "facts_right", "cite_precision", "refusal_accuracy"):
            lines.append(f"| {m} | " + " | ".join(f"{_fmt(s[g].get(m))} / {_fmt(b.get(g, {}).get(m))}"
                                                  for g in groups) + " |")
    lines += ["", "Plots: `scores.png` (per-language scores), `latency.png` (latency distribution)."]
    return "\n".join(lines) + "\n"


def write(report: dict, rows: dict[str, dict], out: Path) -> None:
    s = report["summary"]
    groups = [g for g in [*LANGS, "all"] if g in s]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(MAIN)
    for i, m in enumerate(MAIN):
        vals = [s[g].get(m) or 0 for g in groups]
        ax.bar([x + i * width for x in range(len(groups))], vals, width, label=m)
    ax.set_xticks([x + width * (len(MAIN) - 1) / 2 for x in range(len(groups))], groups)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"Scores per language group — backend {report['backend']}, {report['date']}")
    ax.legend(ncol=3, fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "scores.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    for key in ("retrieve_ms", "first_token_ms", "total_ms"):
        vals = [r["timings"][key] for r in rows.values() if key in r.get("timings", {})]
        if vals:
            ax.hist(vals, bins=30, alpha=0.6, label=f"{key} (n={len(vals)})")
    ax.set_xlabel("milliseconds")
    ax.set_ylabel("questions")
    ax.set_title("Latency distribution")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)
