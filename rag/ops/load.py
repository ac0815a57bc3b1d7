"""Load test: simulated users drive the running app through ``gradio_client``, on loopback only.

    python -m rag.ops.load --start                                # extractive, N = 1, 4, 16, 64
    python -m rag.ops.load --start --backend bundled              # bundled LLM, N = 1, 2, 4, 8
    python -m rag.ops.load --start --mixed 8,4,2                  # 8 bundled + 4 extractive + 2 quote users
    python -m rag.ops.load --start --soak 10                      # 8 extractive users for 10 minutes
    python -m rag.ops.load --url http://127.0.0.1:7860/ --users 4 --duration 20

Why it exists: the app promises that many users at once queue rather than fail, that the LLM is
rationed (RAG_LLM_CONCURRENCY) so the two cores are not swamped, and that extractive answers and
quote checks are not stuck behind LLM answers. This measures each promise instead of asserting it.

Each simulated user is a thread with its own ``gradio_client.Client`` (its own connection and
event stream, as a browser tab would have), asking the eval set's questions in mixed languages,
round-robin from a per-user offset. Every level is bounded by a duration and a request count,
whichever comes first, and the whole run by a hard cap after which the script stops the app it
started and exits.

Per request it records the latency and the *time in queue*, which is latency minus the
server-side ``timings.total_ms`` in the Answer: everything that was not answering (Gradio's queue,
the wait for the LLM gate inside the handler, transport). The client's own status updates cannot
give it: the LLM gate is waited for after the server's ``process_starts`` message, and that
message reaches the client late under load (measured: often after the pipeline had started). What
they give is kept as ``seen_queue`` (submission to the client seeing ``process_starts``), and is
the only queue figure for /quote, which returns no timings. An error is an exception, a timeout,
or an answer that is not well-formed (no text, or neither refused nor cited).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import itertools
import json
import os
import platform
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag import config
from rag.config import ROOT
from rag.ops import procs

LOOPBACK = ("127.0.0.1", "localhost", "::1")
VERDICTS = ("verbatim", "near", "meaning", "not_found")
DEFAULT_USERS = {"extractive": (1, 4, 16, 64), "bundled": (1, 2, 4, 8)}
DEFAULT_DURATION = {"extractive": 30.0, "bundled": 90.0}
DEFAULT_MAX_REQUESTS = {"extractive": 200, "bundled": 16}


# ─── what one request and one group of users are ─────────────────────────────────────────────────


@dataclass(frozen=True)
class Group:
    """Users who call the same API the same way; a scenario runs one or more groups at once."""

    name: str
    users: int
    api: str  # "/answer" or "/quote"
    items: tuple[str, ...]  # questions (for /answer) or quotes (for /quote)
    backend: str = "extractive"
    max_requests: int = 200
    #: at the deadline, wait for requests in flight (True) or cancel them and count them unfinished
    #: (False: a bundled group would otherwise hold a short scenario open for minutes).
    drain: bool = True


@dataclass
class Sample:
    """One request as the client saw it."""

    group: str
    user: int
    item: int
    start_s: float  # since the scenario started
    latency_ms: float
    server_ms: float | None = None  # the Answer's timings.total_ms: the pipeline's own time
    #: submission → the client seeing the server's process_starts message (Gradio's queue, plus the
    #: lag in delivering that message: an upper bound, often close to the whole latency under load)
    seen_queue_ms: float | None = None
    error: str = ""
    unfinished: bool = False

    @property
    def queue_ms(self) -> float | None:
        """Time in queue: latency minus the pipeline's own time (Gradio's queue, the LLM gate, transport).

        The client cannot see the wait for the LLM gate (it happens after process_starts), so for
        /answer this is the measure; /quote has no server timing and falls back on what was seen.
        """
        if self.server_ms is None:
            return self.seen_queue_ms
        return max(0.0, self.latency_ms - self.server_ms)


# ─── checks on what comes back ────────────────────────────────────────────────────────────────


def answer_problem(result: object) -> str:
    """Why an /answer result is not well-formed, or "" when it is.

    Well-formed means what the issue asks of every answer: some text, and either a refusal or at
    least one citation with a quote and a place.
    """
    if not isinstance(result, dict):
        return f"not a dict: {type(result).__name__}"
    text = result.get("answer")
    if not isinstance(text, str) or not text.strip():
        return "no answer text"
    cites = result.get("citations")
    if result.get("refused") is True:
        return ""
    if not isinstance(cites, list) or not cites:
        return "neither refused nor cited"
    for c in cites:
        if not isinstance(c, dict) or not c.get("quote") or not c.get("spans"):
            return "citation without quote or place"
    return ""


def quote_problem(result: object) -> str:
    """Why a /quote result is not well-formed, or "" when it is: it must carry a known verdict."""
    if not isinstance(result, dict):
        return f"not a dict: {type(result).__name__}"
    if result.get("verdict") not in VERDICTS:
        return f"unknown verdict {result.get('verdict')!r}"
    return ""


# ─── the app's memory ─────────────────────────────────────────────────────────────────────────


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (VmRSS from /proc), None when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class RssSampler:
    """Samples a process's RSS every few seconds in a background thread, for flat-memory checks."""

    def __init__(self, pid: int | None, every_s: float = 2.0) -> None:
        self.pid, self.every_s = pid, every_s
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MB)
        self._stop = threading.Event()
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss")

    def _take(self) -> None:
        if self.pid is not None and (mb := rss_mb(self.pid)) is not None:
            self.samples.append((round(time.monotonic() - self._t0, 2), round(mb, 1)))

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self._take()

    def __enter__(self) -> RssSampler:
        self._take()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._take()

    @property
    def start_mb(self) -> float | None:
        return self.samples[0][1] if self.samples else None

    @property
    def end_mb(self) -> float | None:
        return self.samples[-1][1] if self.samples else None


def slope_mb_per_min(samples: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of RSS over time, in MB per minute: a leak shows as a steady rise."""
    if len(samples) < 3:
        return None
    n = len(samples)
    mt = sum(t for t, _ in samples) / n
    mm = sum(m for _, m in samples) / n
    var = sum((t - mt) ** 2 for t, _ in samples)
    if var == 0:
        return None
    return round(sum((t - mt) * (m - mm) for t, m in samples) / var * 60, 3)


# ─── running users ────────────────────────────────────────────────────────────────────────────


def check_loopback(url: str) -> None:
    """Refuse any target but this machine: a load test must never hit someone else's server."""
    host = urllib.parse.urlparse(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load {url}: only loopback ({', '.join(LOOPBACK)}) is allowed")


def _queue_ms(job: object, submitted: dt.datetime) -> float | None:
    """Submission → process_starts, from the status updates gradio_client keeps for the job.

    gradio_client 2.x puts every server message, time-stamped on arrival, into the job's
    ``communicator.updates``; after the job is done nothing else writes to it, so draining it
    here is safe. It is not a documented attribute: when it is missing this returns None and the
    report has only the queue time from the server's timings.
    """
    from gradio_client.utils import Status, StatusUpdate

    updates = getattr(getattr(job, "communicator", None), "updates", None)
    if updates is None:
        return None
    started = None
    while not updates.empty():
        u = updates.get_nowait()
        if isinstance(u, StatusUpdate) and u.code == Status.PROCESSING and started is None and u.time:
            started = u.time
    return None if started is None else max(0.0, (started - submitted).total_seconds() * 1000)


@dataclass
class _Window:
    """When a scenario's clock started and when users stop asking; set once all clients are connected."""

    duration_s: float
    t0: float = 0.0
    deadline: float = float("inf")

    def open(self) -> None:
        self.t0 = time.monotonic()
        self.deadline = self.t0 + self.duration_s


@dataclass
class _Shared:
    """What a scenario's user threads share."""

    url: str
    window: _Window
    ready: threading.Barrier
    stop: threading.Event
    request_timeout: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: list[Sample] = field(default_factory=list)
    tickets: dict[str, Iterator[int]] = field(default_factory=dict)


def _ask(client: object, group: Group, item: int, shared: _Shared, user: int) -> Sample:
    """One request, waited for in one-second slices so a deadline or the hard cap can cut it short."""
    w = shared.window
    args = (group.items[item], group.backend) if group.api == "/answer" else (group.items[item],)
    submitted, t_start = dt.datetime.now(), time.monotonic()
    sample = Sample(group.name, user, item, round(t_start - w.t0, 3), 0.0)
    try:
        job = client.submit(*args, api_name=group.api)
        while True:
            try:
                result = job.result(timeout=1.0)
                break
            except TimeoutError:
                now = time.monotonic()
                if shared.stop.is_set() or (not group.drain and now >= w.deadline):
                    job.cancel()
                    sample.unfinished = True
                    sample.latency_ms = (now - t_start) * 1000
                    return sample
                if now - t_start > shared.request_timeout:
                    job.cancel()
                    raise TimeoutError(f"no answer in {shared.request_timeout:.0f} s") from None
        sample.latency_ms = (time.monotonic() - t_start) * 1000
        sample.seen_queue_ms = _queue_ms(job, submitted)
        if group.api == "/answer":
            sample.error = answer_problem(result)
            total = (result.get("timings") or {}).get("total_ms") if isinstance(result, dict) else None
            sample.server_ms = float(total) if isinstance(total, (int, float)) else None
        else:
            sample.error = quote_problem(result)
    except Exception as e:
        sample.latency_ms = (time.monotonic() - t_start) * 1000
        sample.error = f"{type(e).__name__}: {e}"[:300]
    return sample


def _user(group: Group, user: int, shared: _Shared) -> None:
    """One simulated user: its own client, asking in turn until the deadline or the tickets run out.

    Users start at different places in the question list (a per-user offset), so N users do not
    all ask the same question at the same moment, which would flatter any cache.
    """
    from gradio_client import Client

    client = None
    try:
        client = Client(shared.url, verbose=False, analytics_enabled=False, download_files=False)
    except Exception as e:
        with shared.lock:
            shared.samples.append(Sample(group.name, user, -1, 0.0, 0.0, error=f"connect: {type(e).__name__}: {e}"))
    with contextlib.suppress(threading.BrokenBarrierError):
        shared.ready.wait()
    if client is None:
        return
    step = max(1, len(group.items) // max(1, group.users))
    for k in itertools.count():
        if shared.stop.is_set() or time.monotonic() >= shared.window.deadline:
            return
        with shared.lock:
            if next(shared.tickets[group.name]) >= group.max_requests:
                return
        sample = _ask(client, group, (user * step + k) % len(group.items), shared, user)
        with shared.lock:
            shared.samples.append(sample)
        if sample.unfinished:
            return


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0-100), None for no values."""
    if not values:
        return None
    v = sorted(values)
    pos = (len(v) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return round(v[lo] + (v[hi] - v[lo]) * (pos - lo), 1)


def summarize(group: Group, samples: Sequence[Sample]) -> dict:
    """A group's figures. Latency percentiles are over the well-formed answers; errors are counted apart."""
    finished = [s for s in samples if not s.unfinished]
    ok = [s for s in finished if not s.error]
    lat = [s.latency_ms for s in ok]
    queue = [q for s in ok if (q := s.queue_ms) is not None]
    seen = [s.seen_queue_ms for s in ok if s.seen_queue_ms is not None]
    server = [s.server_ms for s in ok if s.server_ms is not None]
    ends = [s.start_s + s.latency_ms / 1000 for s in finished]
    span = max(ends) if ends else 0.0
    errors = [s.error for s in finished if s.error]
    return {
        "group": group.name, "api": group.api, "backend": group.backend if group.api == "/answer" else None,
        "users": group.users, "requests": len(finished), "ok": len(ok), "errors": len(errors),
        "unfinished": sum(s.unfinished for s in samples),
        "error_kinds": sorted({e.split(":")[0] for e in errors}),
        "error_examples": errors[:5],
        "wall_s": round(span, 2),
        "throughput_rps": round(len(ok) / span, 3) if span > 0 else 0.0,
        "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95), "p99_ms": percentile(lat, 99),
        "max_ms": round(max(lat), 1) if lat else None,
        "queue_p50_ms": percentile(queue, 50), "queue_p95_ms": percentile(queue, 95),
        "seen_queue_p50_ms": percentile(seen, 50), "seen_queue_p95_ms": percentile(seen, 95),
        "server_p50_ms": percentile(server, 50),
    }


def run_scenario(url: str, groups: Sequence[Group], duration_s: float, pid: int | None = None,
                 request_timeout: float = 600.0, rss_every_s: float = 2.0,
                 stop: threading.Event | None = None) -> dict:
    """Run every group's users at once for ``duration_s`` (or their request budgets); figures per group.

    Clients connect before the clock starts (a barrier), so connecting is not counted as latency
    and every user starts together.
    """
    check_loopback(url)
    window = _Window(duration_s)
    n = sum(g.users for g in groups)
    shared = _Shared(url, window, threading.Barrier(n + 1, action=window.open), stop or threading.Event(),
                     request_timeout, tickets={g.name: itertools.count() for g in groups})
    threads = [threading.Thread(target=_user, args=(g, u, shared), daemon=True, name=f"{g.name}-{u}")
               for g in groups for u in range(g.users)]
    load_before = os.getloadavg()
    with RssSampler(pid, rss_every_s) as rss:
        for t in threads:
            t.start()
        try:
            shared.ready.wait(timeout=120 + n)
        except threading.BrokenBarrierError:
            shared.stop.set()
            raise RuntimeError(f"{n} clients could not connect to {url} within {120 + n} s") from None
        for t in threads:
            t.join()
    return {
        "groups": {g.name: summarize(g, [s for s in shared.samples if s.group == g.name])
                   for g in groups},
        "duration_s": duration_s, "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "rss_mb_start": rss.start_mb, "rss_mb_end": rss.end_mb,
        "rss_mb_max": max((m for _, m in rss.samples), default=None), "rss_samples": rss.samples,
        "samples": [dataclasses.asdict(s) for s in shared.samples],
    }


def run_load(url: str, users: int, questions: list[str], backend: str, duration_s: float, max_requests: int,
             pid: int | None = None, request_timeout: float = 600.0) -> dict:
    """``users`` simulated users asking ``questions`` of ``/answer`` with ``backend``; one level's figures.

    The function other code (rag/ops/reliability.py, the tests) calls. Keys: users, requests, errors,
    throughput_rps, p50_ms, p95_ms, p99_ms, queue_p50_ms, rss_mb_start, rss_mb_end (the RSS keys
    are None when ``pid`` is not given), plus queue_p95_ms, seen_queue_p50/p95_ms, server_p50_ms,
    error_examples, loadavg and the raw samples.
    """
    group = Group("answer", users, "/answer", tuple(questions), backend, max_requests)
    r = run_scenario(url, [group], duration_s, pid, request_timeout)
    out = dict(r["groups"]["answer"])
    for k in ("duration_s", "loadavg_before", "loadavg_after", "rss_mb_start", "rss_mb_end", "rss_mb_max",
              "rss_samples", "samples"):
        out[k] = r[k]
    return out


# ─── questions ────────────────────────────────────────────────────────────────────────────────


def mixed_questions(path: Path | None = None) -> list[str]:
    """The eval set's stand-alone questions, languages interleaved (en, yue, Hant, Hans, en, …).

    Follow-ups are left out: /answer is asked without history, so a follow-up on its own would
    test nothing the first questions do not.
    """
    from evals import dataset

    qs = [q for q in dataset.load([path] if path else None) if not q.followup_of]
    by_lang = [[q.question for q in qs if q.lang == lang] for lang in dataset.LANGS]
    return [q for row in itertools.zip_longest(*by_lang) for q in row if q]


def quotes(path: Path | None = None) -> list[str]:
    """Quotes for the /quote users: the eval set's evidence spans (verbatim) and, every third one, the
    same span with its first digit changed (a `near` with a material difference, the slower path)."""
    from evals import dataset

    spans = list(dict.fromkeys(e for q in dataset.load([path] if path else None) for e in q.evidence))
    out = []
    for i, s in enumerate(spans):
        digit = next((c for c in s if c.isdigit()), None)
        out.append(s.replace(digit, str((int(digit) + 1) % 10), 1) if i % 3 == 2 and digit else s)
    return out


# ─── starting the app ─────────────────────────────────────────────────────────────────────────


def wait_ready(url: str, timeout: float) -> None:
    """Until the page of an app started elsewhere (``--url``) answers."""
    ready, deadline = procs.url_ready(url), time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the app at {url} was not ready within {timeout:.0f} s")
        time.sleep(0.5)


@contextlib.contextmanager
def started_app(backend: str, log_path: Path, timeout: float = 300.0, env: dict[str, str] | None = None
                ) -> Iterator[tuple[str, subprocess.Popen]]:
    """``python app.py --port P`` on 127.0.0.1 with RAG_LLM_BACKEND=backend, stopped afterwards.

    The rest of the configuration (RAG_DATA_DIR, RAG_LLM_CONCURRENCY, RAG_LLM_THREADS, …) comes
    from this process's environment, as it would for ``make run``.
    """
    port = procs.free_port()
    child_env = {**os.environ, **(env or {}), "RAG_HOST": "127.0.0.1", "RAG_LLM_BACKEND": backend,
                 "GRADIO_ANALYTICS_ENABLED": "False"}
    url = f"http://127.0.0.1:{port}/"
    with procs.serve([sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port)], procs.url_ready(url),
                     log_path, "app.py", timeout, cwd=ROOT, env=child_env) as proc:
        yield url, proc


# ─── the report ───────────────────────────────────────────────────────────────────────────────


def machine() -> dict:
    """What the figures were measured on, for the report's table."""
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), None)
    return {"date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "platform": platform.platform(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "mem_mb": mem,
            "python": platform.python_version(),
            "llm_concurrency": config.load().llm_concurrency, "llm_threads": config.load().llm_threads}


def _f(x: float | None, nd: int = 0) -> str:
    return "–" if x is None else f"{x:,.{nd}f}"


def markdown(report: dict) -> str:
    """The tables: one row per level (and per group of the mixed scenario), then the soak line."""
    m = report["machine"]
    lines = [f"Measured {m['date']} on {m['machine']}, {m['cpus']} cores, {m['mem_mb'] // 1024} GiB, "
             f"Python {m['python']}; RAG_LLM_CONCURRENCY={m['llm_concurrency']}, "
             f"RAG_LLM_THREADS={m['llm_threads']}.", ""]
    head = ("| level | users | requests | errors | req/s | p50 ms | p95 ms | p99 ms | queue p50/p95 ms "
            "| server p50 ms | RSS start→end MB | load avg |")
    sep = "|" + "---|" * 12
    rows = []
    for lv in report.get("levels", []):
        rows.append(f"| {lv['level']} | {lv['users']} | {lv['requests']} | {lv['errors']} | "
                    f"{_f(lv['throughput_rps'], 2)} | {_f(lv['p50_ms'])} | {_f(lv['p95_ms'])} | {_f(lv['p99_ms'])} | "
                    f"{_f(lv['queue_p50_ms'])} / {_f(lv['queue_p95_ms'])} | "
                    f"{_f(lv['server_p50_ms'])} | "
                    f"{_f(lv['rss_mb_start'])} → {_f(lv['rss_mb_end'])} | {lv['loadavg_before'][0]:.1f} |")
    if rows:
        lines += [head, sep, *rows, "",
                  "Latency percentiles are over well-formed answers; errors are counted apart. Queue = latency "
                  "minus the server's own time (timings.total_ms): Gradio's queue, the LLM gate, transport. "
                  "Load avg: 1-minute, when the level started.", ""]
    mixed = report.get("mixed")
    if mixed:
        lines += ["Mixed: groups at once, against each group alone (the solo run just before).", "",
                  "| group | users | requests | errors | unfinished | req/s | p50 ms | p95 ms | solo p50 ms "
                  "| p50 ÷ solo | queue p50/p95 ms | solo queue p50 ms |", "|" + "---|" * 12]
        for name, g in mixed["together"]["groups"].items():
            solo = mixed["solo"].get(name, {})
            ratio = (g["p50_ms"] / solo["p50_ms"]) if g["p50_ms"] and solo.get("p50_ms") else None
            lines.append(f"| {name} | {g['users']} | {g['requests']} | {g['errors']} | {g['unfinished']} | "
                         f"{_f(g['throughput_rps'], 2)} | {_f(g['p50_ms'])} | {_f(g['p95_ms'])} | "
                         f"{_f(solo.get('p50_ms'))} | {_f(ratio, 1)} | {_f(g['queue_p50_ms'])} / "
                         f"{_f(g['queue_p95_ms'])} | {_f(solo.get('queue_p50_ms'))} |")
        lines.append("")
    soak = report.get("soak")
    if soak:
        lines.append(f"Soak: {soak['users']} {soak['backend']} users for {soak['minutes']} min: "
                     f"{soak['requests']} requests, {soak['errors']} errors, p50 {_f(soak['p50_ms'])} ms, "
                     f"p99 {_f(soak['p99_ms'])} ms; RSS {_f(soak['rss_mb_start'])} → {_f(soak['rss_mb_end'])} MB "
                     f"(min {_f(soak['rss_mb_min'])}, max {_f(soak['rss_mb_max'])}, "
                     f"max−min {_f(soak['rss_mb_range'], 1)} MB), slope {_f(soak['slope_mb_per_min'], 2)} MB/min "
                     f"overall, {_f(soak['slope_second_half_mb_per_min'], 2)} MB/min over the second half.")
    return "\n".join(lines) + "\n"


def _write(report: dict, out: Path) -> None:
    """Written after every level, so a run cut short by the hard cap still leaves what it measured."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    out.with_suffix(".md").write_text(markdown(report))


def _without_samples(r: dict) -> dict:
    return {k: v for k, v in r.items() if k != "samples"}


# ─── the command ──────────────────────────────────────────────────────────────────────────────


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rag.ops.load", description=__doc__.splitlines()[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running app, e.g. http://127.0.0.1:7860/ (loopback only)")
    where.add_argument("--start", action="store_true", help="start app.py on a free loopback port, stop it after")
    p.add_argument("--pid", type=int, help="the running app's PID, for RSS (with --url)")
    p.add_argument("--backend", choices=("extractive", "bundled"), default="extractive")
    p.add_argument("--users", type=_ints, help="levels, e.g. 1,4,16,64 (default by backend; 0 = none)")
    p.add_argument("--duration", type=float, help="seconds per level (default 30 extractive, 90 bundled)")
    p.add_argument("--max-requests", type=int, help="requests per level (default 200 extractive, 16 bundled)")
    p.add_argument("--mixed", type=_ints, metavar="B,E,Q",
                   help="after the levels: B bundled + E extractive + Q quote users at once, each group also alone")
    p.add_argument("--mixed-duration", type=float, default=60.0, help="seconds of the mixed scenario")
    p.add_argument("--soak", type=float, metavar="MINUTES", help="after the rest: fixed users for this long")
    p.add_argument("--soak-users", type=int, default=8)
    p.add_argument("--request-timeout", type=float, default=600.0)
    p.add_argument("--hard-cap", type=float, default=3600.0, help="seconds for the whole run (default 3600)")
    p.add_argument("--out", type=Path, default=None, help="JSON report (default .rag/load.json; .md beside it)")
    p.add_argument("--questions", type=Path, default=None,
                   help="an eval set to ask (default evals/questions.jsonl), e.g. a second article's")
    args = p.parse_args(argv)

    settings = config.load()
    out = args.out or settings.data_dir / "load.json"
    levels = DEFAULT_USERS[args.backend] if args.users is None else [u for u in args.users if u > 0]
    duration = args.duration or DEFAULT_DURATION[args.backend]
    max_requests = args.max_requests or DEFAULT_MAX_REQUESTS[args.backend]
    questions, quote_items = mixed_questions(args.questions), quotes(args.questions)
    stop = threading.Event()
    app_proc: list[subprocess.Popen] = []

    def hard_cap() -> None:
        # Past the cap nothing is waited for: the app we started is stopped and the process exits.
        print(f"hard cap of {args.hard_cap:.0f} s reached: stopping", file=sys.stderr, flush=True)
        stop.set()
        for proc in app_proc:
            proc.kill()
        os._exit(3)

    watchdog = threading.Timer(args.hard_cap, hard_cap)
    watchdog.daemon = True
    watchdog.start()
    needs_llm = args.backend == "bundled" or bool(args.mixed and args.mixed[0])
    with contextlib.ExitStack() as stack:
        if args.start:
            print("starting app.py …", flush=True)
            url, proc = stack.enter_context(started_app("bundled" if needs_llm else "extractive",
                                                        out.with_suffix(".app.log")))
            app_proc.append(proc)
            pid = proc.pid
        else:
            url, pid = args.url, args.pid
            check_loopback(url)
            wait_ready(url, 30)
        report: dict = {"machine": machine(), "url": url, "backend": args.backend, "levels": []}
        for n in levels:
            print(f"{args.backend}: {n} users, up to {duration:.0f} s or {max_requests} requests …", flush=True)
            r = run_load(url, n, questions, args.backend, duration, max_requests, pid, args.request_timeout)
            report["levels"].append({"level": f"{args.backend} N={n}", **_without_samples(r)})
            report.setdefault("samples", {})[f"{args.backend} N={n}"] = r["samples"]
            _write(report, out)
        if args.mixed:
            report["mixed"] = mixed_scenario(url, args.mixed, questions, quote_items, args.mixed_duration, pid,
                                             args.request_timeout, stop, drain=False)
            _write(report, out)
        if args.soak:
            report["soak"] = soak(url, args.soak_users, questions, args.soak, pid, args.request_timeout)
            _write(report, out)
    watchdog.cancel()
    print(markdown(report))
    print(f"written: {out} and {out.with_suffix('.md')}")
    errors = sum(lv["errors"] for lv in report["levels"]) + (report.get("soak") or {}).get("errors", 0)
    if report.get("mixed"):
        errors += sum(g["errors"] for g in report["mixed"]["together"]["groups"].values())
    return 1 if errors else 0


def mixed_groups(bundled: int, extractive: int, quote: int, questions: list[str], quote_items: list[str],
                 drain: bool) -> list[Group]:
    """The groups of the mixed scenario; zero-user groups are left out."""
    groups = [Group("bundled", bundled, "/answer", tuple(questions), "bundled", 10**6, drain=drain),
              Group("extractive", extractive, "/answer", tuple(questions), "extractive", 10**6),
              Group("quote", quote, "/quote", tuple(quote_items), "", 10**6)]
    return [g for g in groups if g.users > 0]


def mixed_scenario(url: str, counts: Sequence[int], questions: list[str], quote_items: list[str],
                   duration_s: float, pid: int | None = None, request_timeout: float = 600.0,
                   stop: threading.Event | None = None, drain: bool = False) -> dict:
    """Extractive and quote users alone, then together with bundled users: are they stuck behind the LLM?

    The solo runs come first, on an idle app, so the comparison is against the same machine a
    minute earlier. Each group keeps its own latency figures. By default the bundled users' requests
    still open at the deadline are cancelled and counted as unfinished (waiting for eight LLM
    answers to drain would take minutes and measure nothing new); the one being generated runs on.
    """
    b, e, q = [*counts, 0, 0, 0][:3]
    together = mixed_groups(b, e, q, questions, quote_items, drain)
    solo = {}
    for g in together:
        if g.name == "bundled":
            continue
        print(f"mixed: {g.users} {g.name} users alone for {duration_s / 2:.0f} s …", flush=True)
        solo[g.name] = run_scenario(url, [g], duration_s / 2, pid, request_timeout, stop=stop)["groups"][g.name]
    print(f"mixed: {b} bundled + {e} extractive + {q} quote users together for {duration_s:.0f} s …", flush=True)
    r = run_scenario(url, together, duration_s, pid, request_timeout, stop=stop)
    return {"counts": {"bundled": b, "extractive": e, "quote": q}, "solo": solo, "together": _without_samples(r),
            "samples": r["samples"]}


def soak(url: str, users: int, questions: list[str], minutes: float, pid: int | None,
         request_timeout: float = 600.0) -> dict:
    """Fixed extractive users for ``minutes``: is the app's memory flat? Slope and max−min of RSS.

    The second-half slope is the leak signal: the first minutes include allocator and cache warm-up
    that settles, while a leak keeps rising.
    """
    print(f"soak: {users} extractive users for {minutes:g} min …", flush=True)
    r = run_load(url, users, questions, "extractive", minutes * 60, 10**9, pid, request_timeout)
    rs = r["rss_samples"]
    half = [s for s in rs if s[0] >= minutes * 30]
    mbs = [m for _, m in rs]
    return {**{k: r[k] for k in ("users", "requests", "errors", "error_examples", "throughput_rps", "p50_ms",
                                 "p95_ms", "p99_ms", "queue_p50_ms", "queue_p95_ms", "rss_mb_start", "rss_mb_end",
                                 "loadavg_before", "loadavg_after", "rss_samples")},
            "backend": "extractive", "minutes": minutes,
            "rss_mb_min": min(mbs, default=None), "rss_mb_max": max(mbs, default=None),
            "rss_mb_range": round(max(mbs) - min(mbs), 1) if mbs else None,
            "slope_mb_per_min": slope_mb_per_min(rs), "slope_second_half_mb_per_min": slope_mb_per_min(half)}


if __name__ == "__main__":
    sys.exit(main())
