"""The chat app: ``python app.py`` (or ``make run``, ``budget-bot serve``) serves http://127.0.0.1:7860.

An interface only: every answer comes from ``rag.answer.pipeline.Bot``. What lives here is what a
page needs: escaping (no HTML, Markdown or script from a question, an answer or the article ever
runs in the page), the sources block under each answer, the article view with a passage
highlighted in place, feedback, and the queue that keeps the LLM from being swamped while quick
(extractive) answers go straight through.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import logging
import re
import sys
import time
from pathlib import Path

import anyio

# At module level, not inside build(): Gradio finds the ``gr.LikeData`` parameter of the feedback
# handler by resolving its type hint in this module's globals; with a local import it could not,
# passed no LikeData, and every thumbs up/down failed ("expected 2 arguments, got 1").
import gradio as gr

from rag import config
from rag.answer import pipeline, prompts
from rag.answer.pipeline import Bot
from rag.index import store
from rag.index.store import StoreError
from rag.quote import check as check_quote
from rag.records import Answer

log = logging.getLogger("app")

EXAMPLES = [
    "撥咗幾多錢搞全民AI培訓？",
    "人工智能研發院幾時開始運作？",
    "沙嶺數據園可以提供多少樓面面積？",
    "国家制造业创新中心选址在哪里？",
    "How big is the new I&T Industry-Oriented Fund?",
    "Who will run the national manufacturing innovation centre?",
]
LABELS = {
    "title": "2026財政預算案 · AI及新產業 問答 ｜ Budget 2026 AI Q&A",
    "intro": "就香港文匯報一篇關於2026年財政預算案AI及新產業措施的報道發問：廣東話、普通話（繁／簡）或英文都得。"
             "每個答案都附原文出處。 Ask about one Wen Wei Po article on the 2026 Budget's AI and new-industry "
             "measures, in Cantonese, Mandarin or English; every answer cites the article.",
    "sources": "來源 Sources",
    "nearest": "最接近的段落 Nearest passages",
    "article": "原文 The article",
    "show": "在原文中顯示 Show in the article",
}
#: Extractive answers computed at once (chat and API together); more only share the same 2 cores.
QUICK_CONCURRENCY = 8
_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+\-!|~>]")


def safe(text: str) -> str:
    """Escaped for HTML and inert for Markdown: shown as typed, never interpreted."""
    return _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", html.escape(text, quote=True))


def _answer_html(ans: Answer) -> str:
    body = safe(ans.text).replace("\n", "<br>")
    body = re.sub(r"&#91;(\d{1,2})&#93;", r"<sup>[\1]</sup>", body)
    return body + _sources_html(ans)


def _sources_html(ans: Answer) -> str:
    by_id = {h.chunk.id: h.chunk for h in ans.retrieved}
    items = []
    if ans.citations:
        title = f"{LABELS['sources']} ({len(ans.citations)})"
        for c in ans.citations:
            chunk = by_id.get(c.chunk_id)
            context = chunk.text if chunk else c.quote
            i = context.find(c.quote)
            shown = (safe(context[:i]) + f"<mark>{safe(c.quote)}</mark>" + safe(context[i + len(c.quote):])
                     if i >= 0 else f"<mark>{safe(c.quote)}</mark>")
            where = safe(c.sub_article) + (f" › {safe(c.heading)}" if c.heading and c.heading != c.sub_article else "")
            para = f" · {safe(chunk.kind)} {chunk.paragraph}" if chunk else ""
            items.append(f"<p><b>[{c.n}]</b> {where}{para} · chars {c.start}–{c.end}</p>"
                         f"<blockquote>{shown}</blockquote>")
    elif ans.refused and ans.retrieved:
        title = LABELS["nearest"]
        for h in ans.retrieved[:3]:
            where = safe(h.chunk.sub_article)
            items.append(f"<p>{where} · chars {h.chunk.start}–{h.chunk.end}</p>"
                         f"<blockquote>{safe(h.chunk.text)}</blockquote>")
    else:
        return ""
    return f"<details class='sources'><summary>{title}</summary>{''.join(items)}</details>"


VERDICTS = {
    "verbatim": "✅ 逐字引用 Verbatim",
    "near": "⚠️ 近似，有差異 Nearly, with differences",
    "meaning": "🔎 意思相近，需人手核實 Same meaning: needs human confirmation",
    "not_found": "❌ 文章中找不到 Not in the article",
}


def _quote_html(r, source: str) -> str:
    parts = [f"<p><b>{VERDICTS[r.verdict]}</b> · score {r.score}</p>"]
    if r.note:
        parts.append(f"<p>{safe(r.note)}</p>")
    if r.match:
        m = r.match
        where = safe(m.sub_article) + (f" › {safe(m.heading)}" if m.heading and m.heading != m.sub_article else "")
        parts.append(f"<p>{where} · {safe(m.kind)} {m.paragraph} · chars {m.start}–{m.end}</p>")
        a, b = m.start, m.end
        ctx = (safe(source[max(0, a - 60):a]) + f"<mark>{safe(source[a:b])}</mark>" + safe(source[b:b + 60]))
        parts.append(f"<blockquote>{ctx.replace(chr(10), ' ')}</blockquote>")
    if r.differences:
        rows = "".join(
            f"<tr><td>{safe(d.kind)}</td><td>{safe(d.quote)}</td><td>{safe(d.article)}</td>"
            f"<td>{'⚠️ ' + safe(d.why or 'material') if d.material else ''}</td></tr>" for d in r.differences)
        parts.append("<table><tr><th>差異 Difference</th><th>引文 Quote</th><th>原文 Article</th><th></th></tr>"
                     f"{rows}</table>")
    return "".join(parts)


def article_html(source: str, spans: list[tuple[int, int]] | None = None) -> str:
    """The whole article, escaped, with the cited spans marked in place."""
    spans = sorted(spans or [])
    out, pos = [], 0
    for a, b in spans:
        out.append(safe(source[pos:a]))
        out.append(f"<mark id='cited'>{safe(source[a:b])}</mark>")
        pos = b
    out.append(safe(source[pos:]))
    return "<div class='article'>" + "".join(out).replace("\n", "<br>") + "</div>"


def save_feedback(path: Path, record: dict) -> bool:
    """Append one feedback line; a full disk or unwritable file is logged, never shown as a crash."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        return True
    except OSError as e:
        log.error("feedback not saved to %s: %s", path, e)
        return False


class _Handlers:
    """What the page's events call: every answer through one ``Bot``, and a gate per kind of answer.

    Waiting for the LLM must not hold one of Gradio's workers: with 8 LLM requests waiting on a
    blocking gate, every worker of the event was taken and extractive answers queued behind LLM
    answers (docs/operations.md). So the answer handlers are async: they wait for a gate in the event
    loop, where waiting costs nothing, and only the work runs in a thread. anyio's run_sync is not
    abandoned on cancellation, so a gate is released only when its work has really finished.
    """

    def __init__(self, bot: Bot, source: str) -> None:
        self.bot = bot
        self.settings = bot.settings
        self.source = source
        self.llm_gate = asyncio.Semaphore(max(1, self.settings.llm_concurrency))
        self.quick_gate = asyncio.Semaphore(QUICK_CONCURRENCY)

    def gate_for(self, backend: str) -> asyncio.Semaphore:
        return self.quick_gate if backend == "extractive" else self.llm_gate

    async def respond(self, message: str, chat: list, turns: list, backend: str):
        message = message or ""
        earlier = [t["question"] for t in turns]
        chat = [*chat, {"role": "user", "content": safe(message)}, {"role": "assistant", "content": "…"}]
        yield chat, turns, ""
        async with self.gate_for(backend):
            parts = self.bot.stream(message, earlier, backend)
            try:
                final = None
                while (item := await anyio.to_thread.run_sync(next, parts, None)) is not None:
                    if isinstance(item, Answer):
                        final = item
                    else:
                        chat[-1] = {"role": "assistant", "content": safe(item)}
                        yield chat, turns, ""
            except StoreError as e:  # the index cannot be read: say so, and give no answer without sources
                log.error("no answer, the index cannot be read: %s", e)
                chat[-1] = {"role": "assistant", "content": safe(pipeline.unavailable(message, backend).text)}
                yield chat, turns, ""
                return
            except BaseException as e:  # never a traceback in the page, not even for a Rust panic
                if not isinstance(e, Exception) and not store.is_panic(e):
                    raise  # cancellation, exit
                log.exception("answer failed")
                lang = pipeline.check_input(message, self.settings)[1]
                chat[-1] = {"role": "assistant", "content": safe(prompts.FAILED[lang])}
                yield chat, turns, ""
                return
            finally:
                parts.close()
        chat[-1] = {"role": "assistant", "content": _answer_html(final)}
        turns = [*turns, {"question": message, "answer": final.to_dict()}]
        yield chat, turns, ""

    def whole_answer(self, question: str, backend: str) -> dict:
        try:
            return self.bot.answer(question or "", None, backend).to_dict()
        except StoreError as e:
            log.error("no answer, the index cannot be read: %s", e)
            return pipeline.unavailable(question or "", backend).to_dict()

    async def answer_api(self, question: str, backend: str) -> dict:
        """For programs (gradio_client): the whole Answer as JSON."""
        async with self.gate_for(backend):
            return await anyio.to_thread.run_sync(self.whole_answer, question, backend)

    def show_in_article(self, turns: list, choice: str):
        if not turns or not choice:
            return article_html(self.source)
        n = int(choice.split("]")[0].strip("["))
        cites = turns[-1]["answer"]["citations"]
        spans = [tuple(s) for c in cites if c["n"] == n for s in c["spans"]]
        return article_html(self.source, spans)

    def quote_check(self, text: str):
        r = check_quote(text or "", self.settings)
        return _quote_html(r, self.source), r.to_dict()

    @staticmethod
    def citation_choices(turns: list):
        cites = turns[-1]["answer"]["citations"] if turns else []
        return gr.update(choices=[f"[{c['n']}] {c['quote'][:30]}…" for c in cites], value=None)

    # Called by Gradio with the LikeData found by its type hint (hence gr at module level).
    def feedback(self, turns: list, data: gr.LikeData):
        i = data.index[0] // 2 if isinstance(data.index, (list, tuple)) else int(data.index) // 2
        if 0 <= i < len(turns):
            save_feedback(self.settings.data_dir / "feedback.jsonl",
                          {"time": time.time(), "liked": data.liked, **turns[i]})


CSS = ("mark{background:#ffe58a;padding:0 2px} .article{line-height:1.8;max-height:480px;overflow:auto} "
       "details.sources{margin-top:.6em;font-size:.92em} blockquote{margin:.3em 0 .6em 0}")


def _status(bot: Bot) -> str:
    index, settings = bot.index, bot.settings
    return (f"Backend: **{settings.llm_backend}** · embedding {index.generation.embed_model} · "
            f"{index.size} chunks · corpus {', '.join(sorted(index.generation.files))} "
            f"(indexed {time.strftime('%Y-%m-%d %H:%M', time.localtime(index.generation.created))})")


def _ask_tab(h: _Handlers, turns: gr.State) -> None:
    settings = h.settings
    backends = [b for b in config.BACKENDS if b != "openai" or settings.llm_base_url]
    chat = gr.Chatbot(label="對話 Chat", height=460, sanitize_html=True, elem_id="chat",
                      feedback_options=("Like", "Dislike"))
    with gr.Row():
        box = gr.Textbox(placeholder="輸入問題 Type a question…", show_label=False, scale=5,
                         max_length=settings.max_question_chars, elem_id="question")
        send = gr.Button("發問 Ask", variant="primary", scale=1, elem_id="ask")
    backend = gr.Radio(backends, value=settings.llm_backend if settings.llm_backend in backends else "bundled",
                       label="回答方式 Backend", elem_id="backend")
    gr.Examples(EXAMPLES, inputs=box, label="例子 Examples")
    with gr.Accordion(LABELS["article"], open=False):
        pick = gr.Dropdown(choices=[], label=LABELS["show"], elem_id="pick")
        view = gr.HTML(article_html(h.source), elem_id="article")
    for trigger in (box.submit, send.click):
        trigger(h.respond, [box, chat, turns, backend], [chat, turns, box], concurrency_limit=None,
                api_name=False).then(h.citation_choices, turns, pick, api_name=False)
    pick.change(h.show_in_article, [turns, pick], view, api_name=False)
    chat.like(h.feedback, turns, None, api_name=False)


def _quote_tab(h: _Handlers) -> None:
    gr.Markdown("貼上一段引文，查看它是否逐字出自文章、在哪裏。 Paste a quote to see whether it is in the "
                "article word for word, and where.")
    qbox = gr.Textbox(label="引文 Quote", lines=3, max_length=h.settings.max_question_chars * 5, elem_id="quote")
    qbtn = gr.Button("核對 Check", variant="primary", elem_id="check")
    qout = gr.HTML(elem_id="quote-result")
    qjson = gr.JSON(visible=False)
    for trigger in (qbox.submit, qbtn.click):
        trigger(h.quote_check, qbox, [qout, qjson], concurrency_limit=8, api_name=False)
    qj_in = gr.Textbox(visible=False)
    qj_in.submit(lambda t: h.quote_check(t)[1], qj_in, qjson, api_name="quote", concurrency_limit=8)


def build(bot: Bot) -> gr.Blocks:
    """The page: a chat tab, a quote-check tab, and the API endpoints ``/answer`` and ``/quote``."""
    h = _Handlers(bot, _source_text(bot.settings))
    with gr.Blocks(title="Budget 2026 AI Q&A", analytics_enabled=False) as demo:
        gr.Markdown(f"## {LABELS['title']}\n{LABELS['intro']}")
        gr.Markdown(_status(bot), elem_id="status")
        turns = gr.State([])
        with gr.Tab("問答 Ask"):
            _ask_tab(h, turns)
        with gr.Tab("引文核對 Quote check"):
            _quote_tab(h)
        api_q = gr.Textbox(visible=False)
        api_b = gr.Textbox(visible=False)
        api_out = gr.JSON(visible=False)
        api_q.submit(h.answer_api, [api_q, api_b], api_out, api_name="answer", concurrency_limit=None)
    demo.css = CSS
    return demo


def _source_text(settings: config.Settings) -> str:
    """The article the view shows: the corpus's first .txt, by the rules ingest reads it with
    (no link out of the corpus folder), so the page never shows a file the index would refuse."""
    from rag.index.corpus import CorpusError, corpus_files

    try:
        files = [p for p in corpus_files(settings.corpus_dir) if p.suffix.lower() == ".txt"]
    except CorpusError as e:
        log.error("article view left empty: %s", e)
        return ""
    return files[0].read_text(encoding="utf-8") if files else ""


def ensure_index(settings: config.Settings) -> None:
    """Build the index on first start, with progress on the console."""
    from rag.index import ingest

    client = store.connect(settings)
    if store.active(client, settings) is None:
        print("No index yet: building it from", settings.corpus_dir, flush=True)
        print(ingest.run(settings).summary(), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python app.py", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=None, help="default RAG_HOST (127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="default RAG_PORT (7860)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    t0 = time.perf_counter()
    try:
        settings = config.load()
        ensure_index(settings)
        bot = Bot(settings)
        bot.warm()
    except (StoreError, config.ConfigError) as e:  # a bad setting or an unreadable index: the fix, not a traceback
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    demo = build(bot)
    print(f"Ready in {time.perf_counter() - t0:.1f} s", flush=True)
    demo.queue(default_concurrency_limit=8).launch(
        server_name=args.host or settings.host, server_port=args.port or settings.port, show_error=False,
        inbrowser=False,
    )


if __name__ == "__main__":
    main()
