"""``python -m rag.ops.audit``: known vulnerabilities in the locked dependency set, each fixed or explained.

    python -m rag.ops.audit [--lock requirements.lock] [--json FILE]

Why not pip-audit: it asks PyPI's per-release JSON (``/pypi/NAME/VERSION/json``) or OSV's API, and
neither answers from here (the reachable PyPI serves 404 for every per-release page; OSV is
unreachable), so it skips every package and reports nothing. The project page
(``/pypi/NAME/json``) does answer, and it carries PyPI's own OSV-sourced advisories for the
*latest* release. So this audit reads that page for every package pinned in the lock:

* locked == latest: the advisories listed are exactly those of the locked release;
* locked < latest: the advisories still open on the latest release are shown (they may affect the
  locked one too); ones fixed before the latest are not visible here, so the package is reported
  as *partly audited* with the newer release named, for someone to look at by hand.

Every advisory must be explained in ``rag/data/advisories.tsv`` (id, package, why it does or does
not apply, what to do); an unexplained one makes the audit exit 1, so a new advisory is noticed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rag.config import PACKAGE_DATA, ROOT

LOCK = ROOT / "requirements.lock"
NOTES = PACKAGE_DATA / "advisories.tsv"
#: PyPI's JSON API; RAG_AUDIT_URL points it at a mirror that serves the same pages.
PYPI = os.environ.get("RAG_AUDIT_URL", "https://pypi.org/pypi")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


@dataclass
class Finding:
    package: str
    locked: str
    latest: str | None
    status: str  # audited · partly audited · not found
    advisories: list[dict] = field(default_factory=list)


def pins(lock: Path) -> dict[str, str]:
    """name → version for every ``name==version`` line of a pip-freeze style lock."""
    out = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        m = _PIN.match(line.strip())
        if m:
            out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def notes(path: Path = NOTES) -> dict[str, str]:
    """advisory id → the explanation recorded for it."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            adv, _package, why = line.split("\t", 2)
            out[adv] = why
    return out


def check(name: str, version: str, base: str = PYPI, timeout: float = 30) -> Finding:
    try:
        with urllib.request.urlopen(f"{base}/{name}/json", timeout=timeout) as r:
            page = json.load(r)
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return Finding(name, version, None, "not found")
        raise
    latest = page["info"]["version"]
    advisories: list[dict] = []
    seen: set[str] = set()
    for v in page.get("vulnerabilities") or []:
        ids = {v["id"], *(v.get("aliases") or [])}
        if v.get("withdrawn") or ids & seen:  # PyPI lists one advisory under each of its ids (GHSA, PYSEC)
            continue
        seen |= ids
        advisories.append({"id": v["id"], "aliases": v.get("aliases") or [], "fixed_in": v.get("fixed_in") or [],
                           "link": v.get("link"), "details": (v.get("summary") or v.get("details") or "")[:300]})
    return Finding(name, version, latest, "audited" if latest == version else "partly audited", advisories)


def explanation(advisory: dict, explained: dict[str, str]) -> str | None:
    """The note for an advisory, found under its id or any alias (CVE, PYSEC), or None."""
    return next((explained[i] for i in [advisory["id"], *advisory["aliases"]] if i in explained), None)


def unexplained(findings: list[Finding], explained: dict[str, str]) -> list[str]:
    """Advisory ids with no note."""
    return [f"{f.package} {a['id']}" for f in findings for a in f.advisories if explanation(a, explained) is None]


def run(lock: Path = LOCK, base: str = PYPI) -> list[Finding]:
    todo = sorted(pins(lock).items())
    with ThreadPoolExecutor(8) as pool:  # ~150 pages; one at a time takes a minute
        return list(pool.map(lambda p: check(*p, base=base), todo))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag.ops.audit", description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=LOCK)
    parser.add_argument("--json", type=Path, help="also write the findings here")
    args = parser.parse_args(argv)
    try:
        findings = run(args.lock)
    except (OSError, urllib.error.URLError) as e:
        print(f"Could not read PyPI's advisories ({e}); the audit needs {PYPI} to be reachable.", file=sys.stderr)
        return 2
    explained = notes()
    partly = [f for f in findings if f.status != "audited"]
    print(f"{len(findings)} packages in {args.lock.name}: {len(findings) - len(partly)} audited exactly "
          f"(locked = latest), {len(partly)} partly (locked older than latest, or not on PyPI).")
    for f in findings:
        for a in f.advisories:
            ids = ", ".join([a["id"], *a["aliases"]])
            why = explanation(a, explained) or "NOT EXPLAINED"
            print(f"- {f.package} {f.locked} (latest {f.latest}): {ids}; fixed in {a['fixed_in'] or 'no release'}\n"
                  f"    {why}")
    for f in partly:
        print(f"  partly: {f.package} {f.locked}" + (f" (latest {f.latest})" if f.latest else " (not on PyPI)"))
    if args.json:
        args.json.write_text(json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=1), "utf-8")
    missing = unexplained(findings, explained)
    if missing:
        print(f"{len(missing)} advisories have no note in {NOTES.name}: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
