"""Chroma: the embedded PersistentClient or a Chroma server (HttpClient), one code path.

An index is a *generation*: a Chroma collection written whole by one ingest. A small pointer
collection names the generation that queries read. Ingest writes a new generation beside the live
one and only then moves the pointer (one metadata update), so an ingest killed at any point leaves
the previous index whole, and readers never see half of one ingest and half of another.

Why by hand: Chroma has no collection alias or transaction across many writes, and llama-index's
ChromaVectorStore writes into one collection in place.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection

from rag.config import Settings

POINTER_SUFFIX = ".active"
GENERATION_MARK = ".gen-"


class StoreError(RuntimeError):
    """The index cannot be reached or read; the message says how to fix it."""


@dataclass(frozen=True)
class Generation:
    """What the pointer says about the live index."""

    collection: str
    files: dict[str, str]  # source -> content hash
    embed_model: str
    chunking: str
    chunks: int
    created: float
    #: Each file's meta.json as ingested (``rag.index.sources``): what names the articles where the corpus
    #: folder is not beside the app (a Chroma server's deployment).
    metas: dict[str, dict] = field(default_factory=dict)


def where(settings: Settings) -> str:
    """The index's place, as an operator would look for it: the server's URL or the folder."""
    return f"the Chroma server at {settings.chroma_url}" if settings.chroma_url else str(settings.chroma_path)


def failure(settings: Settings, exc: BaseException) -> StoreError:
    """A ``StoreError`` that says what is wrong with the index and the command that fixes it.

    Chroma reports one cause under several unrelated types (httpx errors, ``sqlite3`` errors, its
    Rust bindings' ``InternalError``), so the cause is read off the place itself: a server that does
    not answer, a folder that is gone, not a folder, not readable by this user, or else damaged.
    """
    if isinstance(exc, StoreError):
        return exc
    what = f"{type(exc).__name__}: {str(exc)[:200]}"
    if settings.chroma_url:
        return StoreError(
            f"Cannot reach the Chroma server at {settings.chroma_url} ({what}). Start it again "
            "(`chroma run --path DIR --host 127.0.0.1 --port PORT`, with the DIR it had); questions work "
            "again once it answers. Or unset RAG_CHROMA_URL to use the embedded store."
        )
    path = settings.chroma_path
    if not path.exists():
        return StoreError(
            f"The index folder {path} is missing ({what}). Run `python ingest.py` to build it again, "
            "then restart the app."
        )
    if not path.is_dir():
        return StoreError(
            f"The index folder {path} is not a folder. Move that file aside (or set RAG_CHROMA_PATH) "
            "and run `python ingest.py` to build the index."
        )
    db = path / "chroma.sqlite3"
    need = os.R_OK | os.W_OK | os.X_OK
    if not os.access(path, need) or (db.exists() and not os.access(db, os.R_OK | os.W_OK)):
        return StoreError(
            f"The index folder {path} cannot be read and written by this user (uid {os.getuid()}; {what}). "
            "Give it back to the user running the app (chown -R / chmod -R u+rwX), "
            "or set RAG_CHROMA_PATH to a folder it can use and run `python ingest.py`."
        )
    return StoreError(
        f"The index at {path} is damaged ({what}). Move that folder aside and run `python ingest.py` "
        "to rebuild it."
    )


@contextmanager
def guard(settings: Settings) -> Iterator[None]:
    """Turn a failure of the store met while using an open index into ``StoreError`` with the fix.

    For faults that come after the index opened: the Chroma server killed mid-session, the folder
    deleted or overwritten under a running app. Only errors that come from Chroma, its HTTP client or
    SQLite are translated; anything else (a bug, the embedder failing) passes through as it is.
    """
    try:
        yield
    except StoreError:
        forget(settings)
        raise
    except BaseException as e:
        # A panic in Chroma's Rust core reaches Python as pyo3's PanicException, which derives from
        # BaseException so that `except Exception` lets it through: it would end the app's worker.
        if not (isinstance(e, Exception) and _from_store(e)) and not is_panic(e):
            raise
        forget(settings)
        raise failure(settings, e) from e


def is_panic(e: BaseException) -> bool:
    """pyo3's ``PanicException`` (its module, ``pyo3_runtime``, cannot be imported to name it)."""
    return type(e).__name__ == "PanicException"


def forget(settings: Settings) -> None:
    """Make the next ``connect`` open the embedded store afresh.

    Chroma keeps one open "system" per folder for the life of the process and hands it to every
    later client of that folder, so a database replaced on disk (rebuilt by `python ingest.py` after
    it was damaged) would stay unreadable to a running app until restarted. Clients still holding
    the dropped system fail, which is what they would do anyway: the store under them is broken.
    """
    if settings.chroma_url:
        return
    from chromadb.api.shared_system_client import SharedSystemClient

    key = str(settings.chroma_path)
    system = SharedSystemClient._identifier_to_system.pop(key, None)
    SharedSystemClient._identifier_to_refcount.pop(key, None)
    if system is not None:
        with contextlib.suppress(Exception):  # stopping a broken store may fail too; it is let go anyway
            system.stop()


def _from_store(exc: BaseException) -> bool:
    """Did ``exc`` (or what caused it) come from Chroma, httpx or SQLite?"""
    seen = 0
    cause: BaseException | None = exc
    while cause is not None and seen < 10:
        module = type(cause).__module__ or ""
        if isinstance(cause, sqlite3.Error) or module.split(".")[0] in ("chromadb", "httpx", "httpcore"):
            return True
        cause = cause.__cause__ or cause.__context__
        seen += 1
    return False


def connect(settings: Settings) -> ClientAPI:
    """A client for the configured store; ``StoreError`` with the fix if it cannot be had."""
    chroma_settings = chromadb.Settings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url if "//" in settings.chroma_url else f"http://{settings.chroma_url}")
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as e:  # the client raises several unrelated types for one cause
            raise failure(settings, e) from e
        return client
    try:
        # Inside the try: a file where the folder should be makes mkdir itself fail.
        settings.chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except Exception as e:
        forget(settings)
        raise failure(settings, e) from e


def _pointer(client: ClientAPI, settings: Settings, create: bool = False) -> Collection | None:
    name = settings.collection + POINTER_SUFFIX
    with guard(settings):
        if create:
            return client.get_or_create_collection(name, embedding_function=None)
        try:
            return client.get_collection(name, embedding_function=None)
        except Exception as e:
            # Only "no such collection" means no index yet; a dead server or a damaged database must
            # not pass for an empty store (it would tell the operator to ingest, and ingest would fail).
            if _not_found(e):
                return None
            raise


def _not_found(exc: BaseException) -> bool:
    """Chroma's "collection does not exist" (NotFoundError in 1.x, ValueError in older clients)."""
    return type(exc).__name__ == "NotFoundError" or (isinstance(exc, ValueError) and "does not exist" in str(exc))


def active(client: ClientAPI, settings: Settings) -> Generation | None:
    """The live generation, or None before the first ingest."""
    ptr = _pointer(client, settings)
    if ptr is None or not ptr.metadata or "generation" not in ptr.metadata:
        return None
    m = ptr.metadata
    return Generation(
        collection=str(m["generation"]),
        files=json.loads(str(m.get("files", "{}"))),
        embed_model=str(m.get("embed_model", "")),
        chunking=str(m.get("chunking", "")),
        chunks=int(m.get("chunks", 0)),
        created=float(m.get("created", 0)),
        metas=_metas(m.get("metas")),
    )


def _metas(value: object) -> dict[str, dict]:
    """The pointer's stored meta.json files; {} for an index built before they were stored, or unreadable."""
    try:
        metas = json.loads(str(value)) if value else {}
    except ValueError:
        return {}
    return {k: v for k, v in metas.items() if isinstance(v, dict)} if isinstance(metas, dict) else {}


def open_active(client: ClientAPI, settings: Settings) -> tuple[Generation, Collection]:
    gen = active(client, settings)
    if gen is None:
        raise StoreError(f"There is no index in {where(settings)} yet. Run `python ingest.py` (or `make run`) "
                         "to build it.")
    try:
        return gen, client.get_collection(gen.collection, embedding_function=None)
    except Exception as e:
        if not _not_found(e):
            raise failure(settings, e) from e
        raise StoreError(
            f"The index names collection {gen.collection}, which cannot be opened ({type(e).__name__}). "
            "Run `python ingest.py --force` to rebuild it."
        ) from e


def new_generation(client: ClientAPI, settings: Settings) -> Collection:
    name = f"{settings.collection}{GENERATION_MARK}{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 10**6:06d}"
    return client.create_collection(
        name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )


def promote(client: ClientAPI, settings: Settings, gen: Generation) -> None:
    """Point readers at ``gen.collection``: the single write that makes a new index live (or, for the live one,
    records what changed about it)."""
    ptr = _pointer(client, settings, create=True)
    previous = (ptr.metadata or {}).get("generation", "")
    ptr.modify(metadata={
        "generation": gen.collection,
        "previous": previous if previous != gen.collection else "",
        "files": json.dumps(gen.files, ensure_ascii=False, sort_keys=True),
        "embed_model": gen.embed_model,
        "chunking": gen.chunking,
        "chunks": gen.chunks,
        "created": gen.created,
        "metas": json.dumps(gen.metas, ensure_ascii=False, sort_keys=True),
    })


def drop_stale(client: ClientAPI, settings: Settings) -> list[str]:
    """Delete generations that are neither live nor the one just replaced.

    The one just replaced is kept until the next ingest, so a reader that opened it a moment ago
    (the app answering a question) finishes its query; anything older, or left by a killed
    ingest, goes.
    """
    ptr = _pointer(client, settings)
    meta = (ptr.metadata or {}) if ptr is not None else {}
    keep = {meta.get("generation"), meta.get("previous")}
    prefix = settings.collection + GENERATION_MARK
    dropped = []
    for col in client.list_collections():
        name = col if isinstance(col, str) else col.name
        if name.startswith(prefix) and name not in keep:
            client.delete_collection(name)
            dropped.append(name)
    return dropped
