"""The locked dependency set: installed as locked, in step with pyproject.toml, and audited.

The audit tests read PyPI's real project pages (the registry `make setup` installs from), so they
see the advisories as they stand today; a new advisory against a locked package fails
``test_every_advisory_in_the_lock_is_explained`` until it is fixed or explained.
"""

from __future__ import annotations

import re
from importlib import metadata

from rag.config import ROOT
from rag.ops import audit


def _requirement_pins() -> dict[str, str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pinned = re.finditer(r'"([A-Za-z0-9._-]+)==([^"]+)"', text)
    return {m.group(1).lower().replace("_", "-"): m.group(2) for m in pinned}


def test_the_lock_agrees_with_pyproject():
    locked = audit.pins(audit.LOCK)
    for name, version in _requirement_pins().items():
        assert name in locked, f"{name} is in pyproject.toml but not in requirements.lock: run `make lock`"
        assert locked[name].split("+")[0] == version, f"{name}: {version} in pyproject, {locked[name]} locked"


def test_what_is_installed_is_what_is_locked():
    """`make setup` installs with the lock as constraints; a package at another version means it did not."""
    wrong = []
    for name, version in audit.pins(audit.LOCK).items():
        try:
            got = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} not installed")
            continue
        if got != version:
            wrong.append(f"{name} {got} (locked {version})")
    assert not wrong, wrong


def test_audit_finds_a_known_advisory_and_tells_latest_from_older(tmp_path):
    lock = tmp_path / "requirements.lock"
    # chromadb 1.5.9 is the latest release and has known, unfixed advisories (CVE-2026-45829 among them);
    # numpy 2.0.0 is long superseded, so PyPI's page cannot speak for it.
    lock.write_text("# a comment\nchromadb==1.5.9\nnumpy==2.0.0\nno-such-package-rag-audit-test==1.0\n")
    found = {f.package: f for f in audit.run(lock)}
    chroma = found["chromadb"]
    assert chroma.status == "audited"
    ids = {i for a in chroma.advisories for i in [a["id"], *a["aliases"]]}
    assert "CVE-2026-45829" in ids
    # One entry per advisory, though PyPI lists it under its GHSA and its PYSEC id.
    assert len([a for a in chroma.advisories if "CVE-2026-45829" in [a["id"], *a["aliases"]]]) == 1
    assert found["numpy"].status == "partly audited" and found["numpy"].latest != "2.0.0"
    assert found["no-such-package-rag-audit-test"].status == "not found"
    explained = audit.notes()
    assert not audit.unexplained([chroma], explained)
    assert audit.unexplained([chroma], {}) == [f"chromadb {a['id']}" for a in chroma.advisories]


def test_every_advisory_in_the_lock_is_explained(capsys):
    assert audit.main([]) == 0, capsys.readouterr().err
    assert "packages in requirements.lock" in capsys.readouterr().out
