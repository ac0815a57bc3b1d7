"""Chroma: the embedded PersistentClient or a Chroma server (HttpClient), one code path.

An index is a *generation*: a Chroma collection written whole by one ingest. A small pointer
collection names the generation that queries read. Ingest writes a new generation beside the live
one and only then moves the pointer (one metadata update), so an ingest killed at any point leaves
the previous index whole, and readers never see half of one ingest and half of another.

Why by hand: Chroma has no collection alias or transaction across many writes, and llama-index's
ChromaVectorStore writes into one collection in place.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
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


def connect(settings: Settings) -> ClientAPI:
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
            raise StoreError(
                f"Cannot reach the Chroma server at {settings.chroma_url} ({type(e).__name__}). "
                "Start it (chroma run --path DIR --port PORT) or unset RAG_CHROMA_URL to use the embedded store."
            ) from e
        return client
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    except Exception as e:
        raise StoreError(
            f"Cannot open the index at {settings.chroma_path} ({type(e).__name__}: {e}). "
            f"Move that folder aside and run `python ingest.py` to rebuild it."
        ) from e


def _pointer(client: ClientAPI, settings: Settings, create: bool = False) -> Collection | None:
    name = settings.collection + POINTER_SUFFIX
    if create:
        return client.get_or_create_collection(name, embedding_function=None)
    try:
        return client.get_collection(name, embedding_function=None)
    except Exception:  # NotFoundError in 1.x, ValueError in older clients
        return None


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
    )


def open_active(client: ClientAPI, settings: Settings) -> tuple[Generation, Collection]:
    gen = active(client, settings)
    if gen is None:
        raise StoreError("There is no index yet. Run `python ingest.py` (or `make run`) to build it.")
    try:
        return gen, client.get_collection(gen.collection, embedding_function=None)
    except Exception as e:
        raise StoreError(
            f"The index names collection {gen.collection}, which cannot be opened ({type(e).__name__}). "
            "Run `python ingest.py --force` to rebuild it."
        ) from e


def new_generation(client: ClientAPI, settings: Settings) -> Collection:
    name = f"{settings.collection}{GENERATION_MARK}{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 10**6:06d}"
    return client.create_collection(
        name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )


def promote(client: ClientAPI, settings: Settings, collection: Collection, gen: Generation) -> None:
    """Point readers at ``collection``: the single write that makes a new index live."""
    ptr = _pointer(client, settings, create=True)
    previous = (ptr.metadata or {}).get("generation", "")
    ptr.modify(metadata={
        "generation": collection.name,
        "previous": previous if previous != collection.name else "",
        "files": json.dumps(gen.files, ensure_ascii=False, sort_keys=True),
        "embed_model": gen.embed_model,
        "chunking": gen.chunking,
        "chunks": gen.chunks,
        "created": gen.created,
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
