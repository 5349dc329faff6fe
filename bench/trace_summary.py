"""Where a page load's time goes, from a Chromium trace (Playwright's `browser.start_tracing`).

    .venv/bin/python bench/trace_summary.py TRACE.json [TRACE.json ...]

From the login form's POST (its `ResourceSendRequest`) to the trace's end (the step's "usable"),
on the renderers' main threads: the self time of compiling (script and module compiles, code
cache production), running scripts, taking in network data, garbage collection,
style/layout/paint, other tasks, and idle (no task running: waiting for the network or the
server); the scripts' parse and compile on worker threads; and the /static/ files fetched
in that window (count, bytes on the wire, when the last one finished). Used by
bench_pages_browser.py --trace (issue 13's "where the time goes").
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

BUCKETS = {
    "compile": (
        "v8.compile", "v8.compileModule", "V8.CompileCode", "v8.produceCache",
        "v8.produceModuleCache", "v8.parseOnBackground", "CacheScript", "v8.deserializeCodeCache",
        "V8.ScriptCompiler", "v8.newScript",
    ),
    "scripting": (
        "FunctionCall", "EvaluateScript", "v8.evaluateModule", "TimerFire", "EventDispatch",
        "FireAnimationFrame", "RunMicrotasks", "v8.run", "V8.Execute", "XHRReadyStateChange",
        "v8.callFunction", "V8.BytecodeBudgetInterrupt", "V8.StackGuard", "V8.HandleInterrupts",
    ),
    # The renderer taking in what the network sent (responses, script bodies, websocket frames).
    "loading": ("Receive mojo message", "SimpleWatcher::OnHandleReady",
                "NavigationBodyLoader::OnReadable", "ResourceReceivedData"),
    "gc": ("MajorGC", "MinorGC", "V8.GCScavenger", "V8.GCCompactor", "BlinkGC.AtomicPhase",
           "V8.GC_MC_BACKGROUND_MARKING", "V8.GCFinalizeMC", "V8.GCIncrementalMarking"),
    "render": (
        "Layout", "UpdateLayoutTree", "Paint", "PrePaint", "Layerize", "RecalculateStyles",
        "ParseHTML", "ParseAuthorStyleSheet", "UpdateLayerTree", "Commit", "HitTest",
        "ScheduleStyleRecalculation",
    ),
}  # fmt: skip
KIND = {name: bucket for bucket, names in BUCKETS.items() for name in names}
TOP = ("RunTask", "ThreadControllerImpl::RunTask", "ThreadPool_RunTask")


def summarize(events: list[dict]) -> dict[str, float]:
    """Seconds per bucket (and idle, window) and the window's /static/ fetches."""
    mains = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
        and e.get("args", {}).get("name") == "CrRendererMain"
    }  # fmt: skip
    posts = {  # the login form's submission: a POST that loads a document
        e["args"]["data"]["requestId"]
        for e in events
        if e.get("name") == "ResourceSendRequest"
        and e.get("args", {}).get("data", {}).get("requestMethod") == "POST"
        and e.get("args", {}).get("data", {}).get("resourceType") == "Document"
    }
    # Its first event (ResourceWillSendRequest, ~0.1 s after the click; the trace also holds
    # events older than the tracing's start, so its first event is no start).
    start = min(
        (e["ts"] for e in events if e.get("args", {}).get("data", {}).get("requestId") in posts),
        default=min(e["ts"] for e in events if e.get("ts")),
    )
    end = max(e.get("ts", 0) + e.get("dur", 0) for e in events)
    spans = []  # (start, end, name) of complete events on main threads, inside the window
    for e in events:
        if e.get("ph") != "X" or (e["pid"], e["tid"]) not in mains or "dur" not in e:
            continue
        s, f = max(e["ts"], start), min(e["ts"] + e["dur"], end)
        if f > s:
            spans.append((s, f, e["name"], (e["pid"], e["tid"])))
    spans.sort(key=lambda x: (x[3], x[0], -x[1]))
    self_time: dict[str, float] = defaultdict(float)
    busy = 0.0
    stack: list[list] = []  # [end, bucket, thread, last child end]
    for s, f, name, thread in spans:
        while stack and (stack[-1][2] != thread or stack[-1][0] <= s):
            stack.pop()
        parent = stack[-1][1] if stack else None
        if not stack:
            busy += f - s
        bucket = KIND.get(name, parent or "other")
        # Self time: an event's duration minus its children's (subtracted as they come).
        self_time[bucket] += f - s
        if stack:
            self_time[stack[-1][1]] -= f - s
        stack.append([f, bucket, thread, s])
    out = {k: v / 1e6 for k, v in self_time.items()}
    # This Chromium parses and compiles most module scripts off the main thread (script
    # streaming): their time on the worker threads, summed (it overlaps the main thread's).
    out["compile off-thread"] = sum(
        min(e["ts"] + e["dur"], end) - max(e["ts"], start)
        for e in events
        if e.get("ph") == "X" and e.get("name") == "v8.parseOnBackground" and "dur" in e
        and (e["pid"], e["tid"]) not in mains and e["ts"] + e["dur"] > start and e["ts"] < end
    ) / 1e6  # fmt: skip
    out["window"] = (end - start) / 1e6
    out["busy"] = busy / 1e6
    out["idle"] = out["window"] - out["busy"]
    sent = {
        e["args"]["data"]["requestId"]: e["ts"]
        for e in events
        if e.get("name") == "ResourceSendRequest"
        and "/static/" in e.get("args", {}).get("data", {}).get("url", "")
        and e["ts"] >= start
    }
    done = [
        e
        for e in events
        if e.get("name") == "ResourceFinish"
        and e.get("args", {}).get("data", {}).get("requestId") in sent
    ]
    out["static files"] = len(sent)
    out["static MB"] = sum(e["args"]["data"].get("encodedDataLength", 0) for e in done) / 1e6
    out["static first sent"] = (min(sent.values(), default=start) - start) / 1e6
    out["static last done"] = (max((e["ts"] for e in done), default=start) - start) / 1e6
    return out


def load(path: Path) -> list[dict]:
    """The events of a trace file (either a bare list or {"traceEvents": [...]})."""
    data = json.loads(path.read_text())
    return data["traceEvents"] if isinstance(data, dict) else data


ORDER = ("window", "compile", "scripting", "loading", "gc", "render", "other", "idle",
         "compile off-thread", "static files", "static MB", "static first sent",
         "static last done")  # fmt: skip


def medians(summaries: list[dict[str, float]]) -> dict[str, float]:
    """The median of each figure over several traces."""
    return {k: statistics.median(s.get(k, 0.0) for s in summaries) for k in ORDER}


def line(figures: dict[str, float]) -> str:
    """One summary as a line: `window 2.51 s: compile 0.47, scripting ...`."""
    parts = [f"{k} {figures[k]:.2f}" for k in ORDER[1:9]]
    return (
        f"window {figures['window']:.2f} s, main thread: " + ", ".join(parts)
        + f"; {figures['static files']:.0f} /static/ files, {figures['static MB']:.2f} MB on the"
        f" wire, sent from {figures['static first sent']:.2f} s, the last done at"
        f" {figures['static last done']:.2f} s"
    )  # fmt: skip


if __name__ == "__main__":
    got = [summarize(load(Path(p))) for p in sys.argv[1:]]
    for path, s in zip(sys.argv[1:], got, strict=True):
        print(f"{path}: {line(s)}")
    if len(got) > 1:
        print(f"median of {len(got)}: {line(medians(got))}")
