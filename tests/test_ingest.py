"""Ingest and search against a real Chroma: embedded, and a server on loopback, through one code path."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from rag.index import ingest, store
from rag.index.chunks import chunk_article
from rag.index.corpus import CorpusError, read_article
from rag.index.retrieve import open_index

from .conftest import ARTICLE, ROOT, env_for

TARGET = "撥款5,000萬元支持全民AI培訓"
EXTRA = "# 另一篇報道\n\n數碼港今年將舉辦青年創科比賽，總獎金為三百萬元。\n"


@pytest.fixture(params=["embedded", "server"])
def settings(request, make_settings):
    if request.param == "server":
        server = request.getfixturevalue("chroma_server")
        # Each test gets its own collection on the one server.
        return make_settings(chroma_url=server["url"], collection=f"t{random.getrandbits(40):x}")
    return make_settings()


def test_ingest_search_and_reingest(settings):
    first = ingest.run(settings)
    expected = len(chunk_article(read_article(ARTICLE), settings.chunk_chars, settings.chunk_overlap))
    assert first.changed and first.chunks == expected and first.added == [ARTICLE.name]

    index = open_index(settings)
    assert index.size == expected
    for question in ("撥咗幾多錢搞全民AI培訓？", "How much money goes to AI training for the public?"):
        hits = index.search(question, k=3)
        assert any(TARGET in h.chunk.text for h in hits), [h.chunk.text[:30] for h in hits]
    for h in index.search("沙嶺數據園有幾大？", k=5):
        c = h.chunk
        assert ARTICLE.read_text(encoding="utf-8")[c.start:c.end] == c.text or len(c.spans) > 1
        assert 0.0 < h.score <= 1.0

    again = ingest.run(settings)
    assert not again.changed and "nothing to do" in again.summary()
    assert store.active(store.connect(settings), settings).collection == first.generation

    # A new file is embedded; the unchanged one is carried over with its vectors.
    (settings.corpus_dir / "extra.md").write_text(EXTRA, encoding="utf-8")
    added = ingest.run(settings)
    assert added.added == ["extra.md"] and added.kept == [ARTICLE.name]
    assert open_index(settings).size == expected + 2
    assert "三百萬" in open_index(settings).search("數碼港比賽獎金有幾多？", k=1)[0].chunk.text

    # A changed file's chunks are replaced; a removed file's chunks are deleted.
    (settings.corpus_dir / "extra.md").write_text(EXTRA.replace("三百萬", "四百萬"), encoding="utf-8")
    changed = ingest.run(settings)
    assert changed.added == ["extra.md"]
    texts = [h.chunk.text for h in open_index(settings).search("數碼港比賽獎金", k=10)]
    assert any("四百萬" in t for t in texts) and not any("三百萬" in t for t in texts)

    (settings.corpus_dir / "extra.md").unlink()
    removed = ingest.run(settings)
    assert removed.removed == ["extra.md"] and open_index(settings).size == expected

    # Old generations are dropped: only the live one and the one it replaced remain.
    client = store.connect(settings)
    names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    gens = [n for n in names if n.startswith(settings.collection + store.GENERATION_MARK)]
    assert len(gens) == 2


def test_bad_file_changes_nothing(settings):
    ingest.run(settings)
    live = store.active(store.connect(settings), settings)
    for name, data in [("empty.txt", b""), ("blob.txt", b"\x00\x01\x02binary"), ("latin.txt", b"caf\xe9\xff")]:
        (settings.corpus_dir / name).write_bytes(data)
        with pytest.raises(CorpusError) as e:
            ingest.run(settings)
        assert name in str(e.value) and "Nothing was changed" in str(e.value)
        (settings.corpus_dir / name).unlink()
    assert store.active(store.connect(settings), settings) == live
    assert any(TARGET in h.chunk.text for h in open_index(settings).search("全民AI培訓撥款", k=3))


def test_missing_corpus_folder(make_settings, tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        ingest.run(make_settings(corpus_dir=tmp_path / "missing"))


def test_search_before_any_ingest_says_what_to_do(make_settings):
    with pytest.raises(store.StoreError, match="ingest"):
        open_index(make_settings())


def test_unreachable_server_is_a_clear_error(make_settings):
    from .conftest import free_port

    with pytest.raises(store.StoreError, match="Cannot reach the Chroma server"):
        store.connect(make_settings(chroma_url=f"http://127.0.0.1:{free_port()}"))


def _cli(settings, *args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env_for(settings), capture_output=True,
                          text=True, timeout=timeout)


def test_cli_ingest_and_search_json(make_settings):
    settings = make_settings()
    out = _cli(settings, "ingest.py")
    assert out.returncode == 0, out.stderr
    assert "Index updated" in out.stdout
    out = _cli(settings, "-m", "rag", "search", "How much money goes to AI training for the public?", "--json")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)["hits"]
    assert any(TARGET in h["text"] for h in hits[:3])
    assert {"score", "sub_article", "heading", "start", "end", "text", "chunk_id"} <= set(hits[0])
    again = _cli(settings, "ingest.py")
    assert "nothing to do" in again.stdout

    (settings.corpus_dir / "empty.txt").write_bytes(b"")
    bad = _cli(settings, "ingest.py")
    assert bad.returncode == 2 and "empty.txt" in bad.stderr and "Traceback" not in bad.stderr


#: A second document long enough (about 25 chunks, 50 vectors) that embedding it takes seconds, so the
#: kill below can land in the middle of it. Made-up test data, not news.
LONG_EXTRA = "# 示範報道\n\n" + "".join(
    f"第{i}個示範項目位於{place}，由{body}負責，獲撥款{i * 37}萬元，預計{2027 + i % 4}年完成第{i % 3 + 1}期工程。"
    + ("\n\n" if i % 3 == 2 else "")
    for i, (place, body) in enumerate([("觀塘", "創新科技署"), ("沙田", "科學園"), ("元朗", "數碼港"),
                                       ("屯門", "生產力局"), ("大埔", "科技大學"), ("荃灣", "理工大學")] * 10))


def _bar(err: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in re.findall(r"\| *(\d+)/(\d+) \[", err)]


def _kill_when(proc: subprocess.Popen, seen: Callable[[str], bool], then: float) -> str:
    """SIGKILL ``proc`` ``then`` seconds after its stderr first satisfies ``seen``; return the stderr read.

    The markers are the ingest's own output: its start line and the embedding progress bar."""
    buf = b""
    os.set_blocking(proc.stderr.fileno(), False)
    deadline = time.monotonic() + 240
    while not seen(buf.decode("utf-8", "replace")):
        assert proc.poll() is None, f"ingest ended before the kill point: {buf.decode()[-500:]}"
        assert time.monotonic() < deadline, buf.decode()[-500:]
        chunk = proc.stderr.read()
        buf += chunk or b""
        time.sleep(0.05)
    time.sleep(then)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return buf.decode("utf-8", "replace")


def test_killed_ingest_leaves_the_previous_index_whole(make_settings):
    """Kill a forced re-ingest at its start, mid-embedding and while it writes; every time, the index
    must be the previous one or a complete new one, and answer; the next ingest completes."""
    settings = make_settings()
    ingest.run(settings)  # in this process: the model is loaded once for the whole test session
    live = store.active(store.connect(settings), settings)
    # A fresh tag per run: text the vector cache has never seen, so this ingest embeds it for real.
    tag = f"{random.getrandbits(32):08x}"
    (settings.corpus_dir / "extra.md").write_text(LONG_EXTRA.replace("。", f"（{tag}）。"), encoding="utf-8")
    extra = len(chunk_article(read_article(settings.corpus_dir / "extra.md", settings.corpus_dir),
                              settings.chunk_chars, settings.chunk_overlap))
    assert extra * len(ingest.VIEWS) > 32  # three batches of 16 or more: a middle to kill in
    rng = random.Random()
    points = [
        ("at its start", lambda err: "Ingesting" in err, rng.uniform(0, 3)),
        # tqdm's bar: some batches done, not all (the article's vectors come from the cache).
        ("mid-embedding", lambda err: any(0 < done < total for done, total in _bar(err)), 0),
        ("while it writes", lambda err: any(0 < done == total for done, total in _bar(err)), rng.uniform(0, 0.3)),
    ]
    for what, seen, then in points:
        proc = subprocess.Popen([sys.executable, "ingest.py", "--force"], cwd=ROOT, env=env_for(settings),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _kill_when(proc, seen, then)
        now = store.active(store.connect(settings), settings)
        # Either the old index or a complete new one: never a mixture.
        assert now == live or now.chunks == live.chunks + extra, what
        index = open_index(settings)
        assert index.size == now.chunks, what
        assert any(TARGET in h.chunk.text for h in index.search("全民AI培訓撥款", k=3)), what
    done = _cli(settings, "ingest.py")
    assert done.returncode == 0, done.stderr
    assert open_index(settings).size == live.chunks + extra


def test_vector_cache_gives_the_vectors_the_model_gives(make_settings, tmp_path):
    """A forced re-ingest takes its vectors from the cache, and they are the model's own; a cache file
    that is not a database is passed over (the model embeds), and RAG_VECTOR_CACHE=0 never writes one."""
    import dataclasses

    import numpy as np

    from rag.index import e5_convert, embedder

    texts = ["passage one 沙嶺數據園", f"an unseen text {random.getrandbits(64):x}"]
    off = make_settings(vector_cache=False)
    fresh = np.asarray(embedder.embed_passages(off, texts))

    model_dir = e5_convert.ensure_model(off.model_cache)
    for name in ("models", "elsewhere"):  # private caches holding the converted model, not a copy
        (tmp_path / name).mkdir()
        (tmp_path / name / model_dir.name).symlink_to(model_dir)
    on = dataclasses.replace(off, vector_cache=True, model_cache=tmp_path / "models")
    first = np.asarray(embedder.embed_passages(on, texts))
    assert (tmp_path / "models" / "vectors.sqlite").is_file()
    assert set(embedder.VectorCache.open(on).get(texts)) == set(texts)
    again = np.asarray(embedder.embed_passages(on, texts))
    assert np.allclose(first, fresh, atol=1e-6) and np.allclose(again, fresh, atol=1e-6)
    # The query form is a different vector, cached apart.
    assert embedder.VectorCache.open(on, prefix=on.embed_query_prefix).get(texts) == {}

    (tmp_path / "models" / "vectors.sqlite").write_bytes(b"not a database" * 100)
    assert np.allclose(np.asarray(embedder.embed_passages(on, texts)), fresh, atol=1e-6)

    off2 = dataclasses.replace(off, model_cache=tmp_path / "elsewhere")
    embedder.embed_passages(off2, texts)
    assert not (tmp_path / "elsewhere" / "vectors.sqlite").exists()
