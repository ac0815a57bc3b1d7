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
from collections.abc import Sequence
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
from rag.index.corpus import CorpusError
from rag.index.sources import Source
from rag.index.store import StoreError
from rag.quote import CONTEXT, Match
from rag.quote import check as check_quote
from rag.records import Answer, Chunk

log = logging.getLogger("app")

QUOTE_UNAVAILABLE = ("引文核對暫時無法使用：讀不到文章的原文檔案，問題已記錄。 The quote checker is unavailable: the "
                     "article files cannot be read right now; the problem has been logged for the operators.")

# The page's title, intro and examples name the indexed sources (``header``): an article's meta.json "app"
# gives them for a corpus of that article alone (the Budget article's are there); otherwise these.
LABELS = {
    "title_one": "《{headline}》 問答 ｜ Q&A",
    "intro_one": "就《{headline}》這篇報道發問：廣東話、普通話（繁／簡）或英文都得。每個答案都附原文出處。 "
                 "Ask about the article \"{headline}\", in Cantonese, Mandarin or English; every answer cites "
                 "the article.",
    "title_many": "{n}篇報道 問答 ｜ Q&A on {n} articles",
    "intro_many": "就以下{n}篇報道發問：廣東話、普通話（繁／簡）或英文都得。每個答案都附原文出處。 Ask about these "
                  "{n} articles, in Cantonese, Mandarin or English; every answer cites its article.",
    "source": "文章 Article",
    "sources": "來源 Sources",
    "nearest": "最接近的段落 Nearest passages",
    "article": "原文 The article",
    "show": "在原文中顯示 Show in the article",
}
#: Examples shown per article when several are indexed (all of them for one article), and at most in all.
EXAMPLES_EACH = 3
EXAMPLES_MAX = 12
#: Extractive answers computed at once (chat and API together); more only share the same 2 cores.
QUICK_CONCURRENCY = 8
_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+\-!|~>]")


def safe(text: str) -> str:
    """Escaped for HTML and inert for Markdown: shown as typed, never interpreted."""
    return _MD_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", html.escape(text, quote=True))


def header(sources: Sequence[Source]) -> tuple[str, str, list[str]]:
    """(title, intro, examples) of the page for the indexed ``sources``, the intro as safe Markdown.

    One article: its meta.json's "app" title, intro and examples (the Budget article's page is as it always
    was), else its headline and no examples. Several: how many, each listed by headline and file, and the
    examples of those that have some (``EXAMPLES_EACH`` each): a generic question ("what does it say?") would
    only show the bot quoting a headline, so an article without examples offers none.
    """
    if len(sources) == 1:
        s = sources[0]
        title = str(s.app.get("title") or LABELS["title_one"].format(headline=s.headline))
        intro = str(s.app.get("intro") or LABELS["intro_one"].format(headline=s.headline))
        return safe(title), safe(intro), list(s.examples)
    title = safe(LABELS["title_many"].format(n=len(sources)))
    listed = "".join(f"\n- 《{safe(s.headline)}》 · {safe(s.file)}" for s in sources)
    examples = [e for s in sources for e in s.examples[:EXAMPLES_EACH]][:EXAMPLES_MAX]
    return title, safe(LABELS["intro_many"].format(n=len(sources))) + "\n" + listed, examples


def source_label(source: Source) -> str:
    """How the article view's selector names a source: its headline and its file."""
    return f"{source.headline} · {source.file}"


def _where(file: str, sub_article: str, heading: str) -> str:
    """Where a passage is: its file, its story's headline, and its section if it has one (escaped)."""
    story = safe(sub_article) + (f" › {safe(heading)}" if heading and heading != sub_article else "")
    return f"{safe(file)} · {story}" if file else story


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
            where = _where(c.source, c.sub_article, c.heading)
            para = f" · {safe(chunk.kind)} {chunk.paragraph}" if chunk else ""
            items.append(f"<p><b>[{c.n}]</b> {where}{para} · chars {c.start}–{c.end}</p>"
                         f"<blockquote>{shown}</blockquote>")
    elif ans.refused and ans.retrieved:
        title = LABELS["nearest"]
        for h in ans.retrieved[:3]:
            where = _where(h.chunk.source, h.chunk.sub_article, "")
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


def _context_html(m: Match) -> str:
    """The match in its context, the match marked: ``Match.context`` is the text before it, 【the match】
    and the text after, so this needs no file (the match may be in any source)."""
    before = m.context[:min(CONTEXT, m.start)]
    body = m.context[len(before) + 1:len(before) + 1 + len(m.text)]
    after = m.context[len(before) + len(m.text) + 2:]
    return safe(before) + f"<mark>{safe(body)}</mark>" + safe(after)


def _quote_html(r) -> str:
    parts = [f"<p><b>{VERDICTS[r.verdict]}</b> · score {r.score}</p>"]
    if r.note:
        parts.append(f"<p>{safe(r.note)}</p>")
    if r.match:
        m = r.match
        where = _where(m.source, m.sub_article, m.heading)
        parts.append(f"<p>{where} · {safe(m.kind)} {m.paragraph} · chars {m.start}–{m.end}</p>")
        parts.append(f"<blockquote>{_context_html(m)}</blockquote>")
    if r.differences:
        rows = "".join(
            f"<tr><td>{safe(d.kind)}</td><td>{safe(d.quote)}</td><td>{safe(d.article)}</td>"
            f"<td>{'⚠️ ' + safe(d.why or 'material') if d.material else ''}</td></tr>" for d in r.differences)
        parts.append("<table><tr><th>差異 Difference</th><th>引文 Quote</th><th>原文 Article</th><th></th></tr>"
                     f"{rows}</table>")
    return "".join(parts)


def _marked(block: Chunk, cited: list[tuple[int, int]]) -> str:
    """A block's text, escaped, with the characters inside ``cited`` (offsets into its file) marked.

    A block's text is its spans' characters in order (``rag.records``), so each character's offset is known.
    """
    runs: list[tuple[bool, str]] = []
    pos = 0
    for a, b in block.spans or ((block.start, block.end),):
        for i, ch in enumerate(block.text[pos:pos + b - a]):
            inside = any(x <= a + i < y for x, y in cited)
            if runs and runs[-1][0] == inside:
                runs[-1] = (inside, runs[-1][1] + ch)
            else:
                runs.append((inside, ch))
        pos += b - a
    return "".join(f"<mark id='cited'>{safe(t)}</mark>" if inside else safe(t) for inside, t in runs)


_BLOCK_TAGS = {"headline": ("<p class='headline'><b>", "</b></p>"), "byline": ("<p class='byline'><i>", "</i></p>"),
               "caption": ("<p class='caption'>", "</p>"), "list_item": ("<p>• ", "</p>")}


def article_html(blocks: Sequence[Chunk], spans: list[tuple[int, int]] | None = None) -> str:
    """One article as a reader sees it, block by block (``Source.blocks``, from the index, so a deployment
    with no corpus files shows it too), escaped, with the cited ``spans`` (offsets into its file) marked."""
    cited = sorted(tuple(s) for s in spans or [])
    out = []
    for b in blocks:
        lead, end = _BLOCK_TAGS.get(b.kind, ("<p>", "</p>"))
        out.append(lead + _marked(b, cited) + end)
    return "<div class='article'>" + "".join(out) + "</div>"


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

    def __init__(self, bot: Bot, sources: Sequence[Source]) -> None:
        self.bot = bot
        self.settings = bot.settings
        #: The indexed articles, by the selector's label for each (``source_label``).
        self.sources = {source_label(s): s for s in sources}
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

    def article(self, label: str | None, spans: list[tuple[int, int]] | None = None) -> str:
        """The article view of the source the selector names (the first if it names none)."""
        source = self.sources.get(label or "") or next(iter(self.sources.values()), None)
        return article_html(source.blocks, spans) if source else article_html([])

    def show_in_article(self, turns: list, choice: str, label: str | None = None):
        """(the view, the selector's value): the cited passage marked in its own article, which is selected."""
        if not turns or not choice:
            return self.article(label), gr.update()
        n = int(choice.split("]")[0].strip("["))
        cites = [c for c in turns[-1]["answer"]["citations"] if c["n"] == n]
        file = cites[0].get("source", "") if cites else ""
        label = next((k for k, s in self.sources.items() if s.file == file), label)
        spans = [tuple(s) for c in cites for s in c["spans"]]
        return self.article(label, spans), gr.update(value=label)

    def quote_check(self, text: str):
        """(the verdict as HTML, as JSON). The checker reads the article files themselves (their print layout
        and offsets are not in the index): a deployment whose RAG_CORPUS_DIR lacks them gets a message, not an
        error page, and the operator the cause in the log."""
        try:
            r = check_quote(text or "", self.settings)
        except (CorpusError, OSError) as e:
            log.warning("the quote checker cannot read the articles: %s", e)
            return f"<p>{safe(QUOTE_UNAVAILABLE)}</p>", {"error": QUOTE_UNAVAILABLE}
        return _quote_html(r), r.to_dict()

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
       ".article p{margin:.2em 0 .5em 0} .article .caption,.article .byline{color:#666;font-size:.92em} "
       "details.sources{margin-top:.6em;font-size:.92em} blockquote{margin:.3em 0 .6em 0}")


def _status(bot: Bot) -> str:
    index, settings = bot.index, bot.settings
    return (f"Backend: **{settings.llm_backend}** · embedding {index.generation.embed_model} · "
            f"{index.size} chunks · corpus {', '.join(sorted(index.generation.files))} "
            f"(indexed {time.strftime('%Y-%m-%d %H:%M', time.localtime(index.generation.created))})")


def _ask_tab(h: _Handlers, turns: gr.State, examples: list[str]) -> None:
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
    if examples:
        gr.Examples(examples, inputs=box, label="例子 Examples")
    with gr.Accordion(LABELS["article"], open=False):
        labels = list(h.sources)
        # Each indexed article can be read here; with one, there is nothing to choose.
        which = gr.Dropdown(choices=labels, value=labels[0] if labels else None, label=LABELS["source"],
                            visible=len(labels) > 1, elem_id="source")
        pick = gr.Dropdown(choices=[], label=LABELS["show"], elem_id="pick")
        view = gr.HTML(h.article(which.value), elem_id="article")
    for trigger in (box.submit, send.click):
        trigger(h.respond, [box, chat, turns, backend], [chat, turns, box], concurrency_limit=None,
                api_name=False).then(h.citation_choices, turns, pick, api_name=False)
    pick.change(h.show_in_article, [turns, pick, which], [view, which], api_name=False)
    which.input(h.article, which, view, api_name=False)
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
    sources = bot.index.sources
    h = _Handlers(bot, sources)
    title, intro, examples = header(sources)
    # The browser tab: the title's English part (after ｜) when it has one.
    with gr.Blocks(title=html.unescape(title).split("｜")[-1].strip(), analytics_enabled=False) as demo:
        gr.Markdown(f"## {title}\n{intro}")
        gr.Markdown(_status(bot), elem_id="status")
        turns = gr.State([])
        with gr.Tab("問答 Ask"):
            _ask_tab(h, turns, examples)
        with gr.Tab("引文核對 Quote check"):
            _quote_tab(h)
        api_q = gr.Textbox(visible=False)
        api_b = gr.Textbox(visible=False)
        api_out = gr.JSON(visible=False)
        api_q.submit(h.answer_api, [api_q, api_b], api_out, api_name="answer", concurrency_limit=None)
    demo.css = CSS
    return demo


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
