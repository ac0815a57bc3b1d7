"""The stock llama-index baseline, scored the same way, so the report shows what the pipeline adds.

VectorStoreIndex over the article with llama-index's default reader and splitter
(SentenceSplitter, 1024 tokens), the same embedding model, default retriever. Retrieval is scored
on its top 5 (for hit@5); with an LLM backend, its answer is the same LLM's reply to llama-index's
default text-QA prompt over its default ``similarity_top_k`` (2) passages, which is what a stock
query engine sends, cited to its top passage; with the extractive
backend there is no LLM, and its "answer" is its top passage (what a stock engine would hand the
LLM first).
"""

from __future__ import annotations

import sys

from llama_index.core import Settings as LlamaSettings
from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.constants import DEFAULT_SIMILARITY_TOP_K
from tqdm import tqdm

from evals import retrieval, scoring, stats
from evals.dataset import Question
from rag.config import Settings
from rag.index import embedder


def _llm_answer(llm, question: str, passages: list[str]) -> str:
    """llama-index's own default prompt, filled in and sent to our LLM (which speaks chat messages)."""
    from llama_index.core.prompts.default_prompts import DEFAULT_TEXT_QA_PROMPT

    prompt = DEFAULT_TEXT_QA_PROMPT.format(context_str="\n\n".join(passages), query_str=question)
    return llm.complete([{"role": "user", "content": prompt}], max_tokens=200).strip()


def run(questions: list[Question], settings: Settings, k: int = 5, backend: str = "extractive") -> dict:
    LlamaSettings.embed_model = embedder.embed_model(settings)
    LlamaSettings.llm = None  # explicit: llama-index would otherwise reach for OpenAI
    docs = SimpleDirectoryReader(str(settings.corpus_dir), required_exts=[".txt", ".md"], recursive=True).load_data()
    index = VectorStoreIndex.from_documents(docs, embed_model=LlamaSettings.embed_model)
    retriever = index.as_retriever(similarity_top_k=k)
    by_id = {q.id: q for q in questions}
    llm = None
    if backend != "extractive":
        from rag.llm.backends import LLMUnavailable, load_llm

        try:
            llm = load_llm(settings, backend)
        except LLMUnavailable as e:
            print(f"baseline: no LLM ({e}); scoring its top passage instead", file=sys.stderr)
    rows = {}
    for q in tqdm(questions, desc="baseline", unit="q", disable=llm is None):
        nodes = retriever.retrieve(retrieval.query_text(q, by_id))
        retrieved = [{"chunk_id": n.node.node_id, "text": n.node.get_content(), "score": n.score} for n in nodes]
        top = retrieved[0]["text"] if retrieved else ""
        text = top
        if llm is not None and retrieved:
            try:
                text = _llm_answer(llm, retrieval.query_text(q, by_id),
                                   [r["text"] for r in retrieved[:DEFAULT_SIMILARITY_TOP_K]])
            except LLMUnavailable as e:
                text = f"(no answer: {e})"
        row = {"answer": text, "language": q.lang, "refused": False, "retrieved": retrieved,
               "citations": [{"chunk_id": retrieved[0]["chunk_id"], "quote": top}] if retrieved else []}
        row["scores"] = scoring.score(q, row)
        rows[q.id] = row
    summary = scoring.summarise(questions, rows)
    keep = ("hit@1", "hit@3", "hit@5", "mrr", "facts_right", "cite_precision", "refusal_accuracy")
    # "_ci": the same figures with their intervals (evals.stats), as report.json's summary_ci has them.
    ci = stats.summary_ci([rows[q.id] | {"lang": q.lang} for q in questions], keep)
    return {g: {m: v for m, v in s.items() if m in keep} for g, s in summary.items()} | {
        "_chunks": len(index.docstore.docs), "_ci": ci}
