"""The stock llama-index baseline, scored the same way, so the report shows what the pipeline adds.

VectorStoreIndex over the article with llama-index's default reader and splitter
(SentenceSplitter, 1024 tokens), the same embedding model, default retriever. With no LLM in
the run, its "answer" is its top passage (what a stock query engine would hand the LLM first).
"""

from __future__ import annotations

from llama_index.core import Settings as LlamaSettings
from llama_index.core import SimpleDirectoryReader, VectorStoreIndex

from evals import retrieval, scoring
from evals.dataset import Question
from rag import embedder
from rag.config import Settings


def run(questions: list[Question], settings: Settings, k: int = 5) -> dict:
    LlamaSettings.embed_model = embedder.embed_model(settings)
    LlamaSettings.llm = None  # explicit: llama-index would otherwise reach for OpenAI
    docs = SimpleDirectoryReader(str(settings.corpus_dir), required_exts=[".txt", ".md"], recursive=True).load_data()
    index = VectorStoreIndex.from_documents(docs, embed_model=LlamaSettings.embed_model)
    retriever = index.as_retriever(similarity_top_k=k)
    by_id = {q.id: q for q in questions}
    rows = {}
    for q in questions:
        nodes = retriever.retrieve(retrieval.query_text(q, by_id))
        retrieved = [{"chunk_id": n.node.node_id, "text": n.node.get_content(), "score": n.score} for n in nodes]
        top = retrieved[0]["text"] if retrieved else ""
        row = {"answer": top, "language": q.lang, "refused": False, "retrieved": retrieved,
               "citations": [{"chunk_id": retrieved[0]["chunk_id"], "quote": top}] if retrieved else []}
        row["scores"] = scoring.score(q, row)
        rows[q.id] = row
    summary = scoring.summarise(questions, rows)
    keep = ("hit@1", "hit@3", "hit@5", "mrr", "facts_right", "cite_precision", "refusal_accuracy")
    return {g: {m: v for m, v in s.items() if m in keep} for g, s in summary.items()} | {
        "_chunks": len(index.docstore.docs)}
