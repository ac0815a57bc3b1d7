"""``python -m evals.sweep``: choose chunking by measured retrieval quality.

Builds a throw-away index per setting (chunk size, overlap, headline context in the embedded
text) and prints hit@1 / hit@3 / MRR per language group for each, on the project's eval set,
for each search mode in ``--modes`` (default dense: chunking is chosen for the embedding).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import tempfile
from pathlib import Path

from evals import dataset, retrieval
from rag import config
from rag.index import ingest
from rag.index.retrieve import open_index


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="80,120,160,240,400")
    parser.add_argument("--overlaps", default="0,1")
    parser.add_argument("--context", default="0,1")
    parser.add_argument("--modes", default="dense", help="search modes to score each setting with")
    parser.add_argument("--questions", type=Path, action="append")
    args = parser.parse_args()
    questions = dataset.load(args.questions)
    base = config.load()
    modes = args.modes.split(",")
    print("| chunk chars | overlap | context | chunks | mode | " + " | ".join(
        f"{g} hit@1/hit@3/MRR" for g in [*dataset.LANGS, "all"]) + " |")
    for size, overlap, ctx in itertools.product(
        [int(x) for x in args.sizes.split(",")], [int(x) for x in args.overlaps.split(",")],
        [bool(int(x)) for x in args.context.split(",")],
    ):
        with tempfile.TemporaryDirectory() as tmp:
            s = dataclasses.replace(base, data_dir=Path(tmp), chroma_path=Path(tmp) / "chroma",
                                    chunk_chars=size, chunk_overlap=overlap, embed_context=ctx)
            report = ingest.run(s, progress=lambda done, total: None)
            index = open_index(s)
            for mode in modes:
                summary = retrieval.summarise(retrieval.run(index, questions, mode=mode), questions)
                cells = [f"{v['hit@1']:.3f}/{v['hit@3']:.3f}/{v['mrr']:.3f}" for v in summary.values()]
                print(f"| {size} | {overlap} | {int(ctx)} | {report.chunks} | {mode} | " + " | ".join(cells) + " |",
                      flush=True)


if __name__ == "__main__":
    main()
