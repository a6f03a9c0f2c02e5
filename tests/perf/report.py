#!/usr/bin/env python3
"""Writes what one `./playground bench` sitting measured as a new section at the top of
BENCHMARKS.md: the command, the machine, the figures and the ratios.

Reads from OUT (the bench command's output directory): criterion's estimates of the benches
run in this sitting (those under CRITERION newer than OUT/started), memory.txt (the
workload_memory bench's lines), wasm.json (tests/perf/wasm.mjs), peer.json (tests/perf/peer.py),
cli.json (`kafka-sim workload`), fuzz.txt, bundle.txt, load.txt. A piece that is missing is
reported as not measured, never invented.

Also checkpoints.txt (the checkpoint_memory bench), page.json and page-6-brokers.json
(tests/perf/page.mjs): the page's figures, then each of issue 17's targets against what was
measured.

Usage: report.py OUT CRITERION BENCHMARKS_MD COMMAND
"""

import datetime
import json
import os
import pathlib
import platform
import re
import subprocess
import sys

CASES = [
    ("3_brokers_4_partitions", "3 brokers, 4 partitions"),
    ("12_brokers_100_partitions", "12 brokers, 100 partitions"),
]
PHASES = ["produce", "consume", "end_to_end"]


def read_json(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def criterion_results(criterion, since):
    """{(group, function): (median ns, elements or None)} of the benches run since `since`."""
    results = {}
    for benchmark in criterion.glob("**/new/benchmark.json"):
        estimates = benchmark.with_name("estimates.json")
        if not estimates.exists() or estimates.stat().st_mtime < since:
            continue
        meta, est = read_json(benchmark), read_json(estimates)
        if not meta or not est:
            continue
        elements = (meta.get("throughput") or {}).get("Elements")
        key = (meta["group_id"], meta.get("function_id") or "")
        results[key] = (est["median"]["point_estimate"], elements)
    return results


def machine():
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1))
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores ({model}){memory}, {platform.system()} {platform.release()}, {rustc}"


def rate(records, ms):
    return records / (ms / 1e3) if ms else None


def fmt_rate(per_s):
    if per_s is None:
        return "not measured"
    if per_s >= 1e6:
        return f"{per_s / 1e6:.2f} M/s"
    return f"{per_s / 1e3:.1f} K/s"


def fmt_ms(ms):
    return "—" if ms is None else f"{ms:,.1f} ms"


def ratio(a, b):
    return "—" if not a or not b else f"{a / b:.2f}x"


# A frame's time is a difference of requestAnimationFrame stamps, which jitter by a tenth of a
# millisecond around the display's 60 Hz: one frame reads 16.7 or 16.8 ms, two 33.3 or 33.4.
JITTER_MS = 0.2


def fmt_kb(size):
    return "not measured" if size is None else f"{size / 1000:,.0f} KB"


def page_jumps(page):
    """The long run's ten-minute jumps, the first and the further ones, each as timed."""
    return [j for j in [page.get("jump_forward"), *(page.get("jumps_further") or [])] if j]


def page_lines(page, six):
    """The page's figures from tests/perf/page.mjs: the busy cluster played, an hour's run
    made by ten-minute jumps, reloaded and rewound; and the same cluster on six brokers."""
    lines = [
        "**The page** (`tests/perf/page.mjs` on the release bundle in headless Chromium, "
        f"1280x900: the busy cluster, `docs/examples/busy-cluster.toml`, played {page.get('play_s', '?')} s at each speed; "
        "then ten-minute jumps ahead make the long run, which is played, reloaded and rewound. "
        "A frame is the time between two animation frames; a long task is one over 50 ms):",
        "",
        "| | figure |",
        "|---|---|",
    ]

    def played(label, run):
        if run:
            lines.append(
                f"| {label} | {run['virtual_per_real']}x real time; frames p50 {run['p50_ms']} ms, "
                f"p95 {run['p95_ms']} ms, longest {run['max_frame_ms']} ms; script "
                f"{run['script_ms_per_frame']} ms a frame |"
            )

    lines.append(f"| first render | {page.get('first_render_ms')} ms |")
    played(f"{page.get('brokers')} brokers at 1x", page.get("play_1x"))
    played(f"{page.get('brokers')} brokers at 100x", page.get("play_100x"))
    if six:
        played("6 brokers at 1x", six.get("play_1x"))
        played("6 brokers at 100x", six.get("play_100x"))
    short = page.get("rewind_short")
    if short:
        lines.append(
            f"| rewind to {short['to_s']:.0f} s, half the short run | {short['ms']} ms to the "
            f"moment drawn, {short['checked_ms']} ms with the checker's marks |"
        )
    jumps = page_jumps(page)
    if jumps:
        lines.append(
            f"| {len(jumps)} jump{'s' if len(jumps) != 1 else ''} ten minutes ahead | "
            + ", ".join(f"{j['ms'] / 1000:.1f} s" for j in jumps)
            + f"; longest task {max(j['longest_task_ms'] for j in jumps)} ms (0: none over 50 ms) |"
        )
    long_s = page.get("long_run_s")
    played(f"the {long_s:,.0f} s run at 1x" if long_s else "the long run at 1x", page.get("play_1x_long"))
    played(f"the {long_s:,.0f} s run at 100x" if long_s else "the long run at 100x", page.get("play_100x_long"))
    if page.get("reload_first_draw_ms") is not None:
        replay = page.get("reload_replay") or {}
        lines.append(
            f"| reload of the long run | first draw {page['reload_first_draw_ms']} ms; its replay behind "
            f"the progress bar {replay.get('ms', 0) / 1000:.1f} s, longest task "
            f"{replay.get('longest_task_ms')} ms |"
        )
    rewinds = page.get("rewinds") or []
    if rewinds:
        lines.append(
            "| rewinds in the long run | "
            + ", ".join(f"to {r['to_s']:,.0f} s {r['ms']} ms" for r in rewinds)
            + f"; longest task {max(r['longest_task_ms'] for r in rewinds)} ms |"
        )
    lines.append("")
    return lines


def target_lines(native, wasm_cases, records, page, six, bundle_gzip, checkpoints):
    """Issue 17's targets, each with what this sitting measured and whether it is met."""
    rows = []

    def row(target, measured, met):
        verdict = met if isinstance(met, str) else (
            "not measured" if met is None else ("met" if met else "**not met**"))
        rows.append(f"| {target} | {measured} | {verdict} |")

    e2e = native.get((CASES[0][0], "end_to_end"))
    per_s = rate(records, e2e) if records and e2e else None
    row("end to end, 3 brokers, natively: at least 5,000,000 records/s", fmt_rate(per_s),
        None if per_s is None else per_s >= 5e6)
    for case, label in CASES:
        n_ms = native.get((case, "end_to_end"))
        w_ms = (wasm_cases.get(case) or {}).get("end_to_end_ms")
        share = n_ms / w_ms if n_ms and w_ms else None
        row(f"wasm at least 60 % of native ({label}, end to end)", ratio(n_ms, w_ms),
            None if share is None else share >= 0.6)
    # The six-broker run, or the main one when it was played on six brokers.
    run = (six or {}).get("play_1x") or (page.get("play_1x") if page.get("brokers") == 6 else None)
    row("the page at 1x, 6 brokers: p95 frame at most 16.7 ms",
        f"{run['p95_ms']} ms" if run else "not measured",
        None if not run else run["p95_ms"] <= 16.7 + JITTER_MS)
    for key, label in [("play_100x", "the short run"), ("play_100x_long", "the long run")]:
        run = page.get(key)
        # 33 ms is two frames at 60 Hz, which animation-frame stamps read as 33.3 ms.
        row(f"the page at 100x ({label}): p95 frame at most 33 ms (two frames at 60 Hz), at least 90x real time",
            f"p95 {run['p95_ms']} ms, {run['virtual_per_real']}x" if run else "not measured",
            None if not run else run["p95_ms"] <= 33.3 + JITTER_MS and run["virtual_per_real"] >= 90)
    long_s = page.get("long_run_s")
    hour = long_s is not None and long_s >= 3_600
    # Measured on a run shorter than the target's hour: said so rather than judged.
    short = "not an hour's run"
    rewinds = page.get("rewinds") or []
    row(f"a rewind in an hour's run under 200 ms ({len(rewinds)} rewinds in a run of "
        f"{long_s or 0:,.0f} s, the longest)",
        f"{max(r['ms'] for r in rewinds)} ms" if rewinds else "not measured",
        None if not rewinds else (max(r["ms"] for r in rewinds) < 200 if hour else short))
    first = page.get("reload_first_draw_ms")
    row(f"reload of an hour's run drawn within 1 s (a run of {long_s or 0:,.0f} s)",
        "not measured" if first is None else f"{first} ms",
        None if first is None else (first <= 1_000 if hour else short))
    jumps = page_jumps(page)
    longest = max((j["longest_task_ms"] for j in jumps), default=None)
    row("a jump of ten simulated minutes never blocks input over 50 ms",
        "not measured" if longest is None else
        ("no task over 50 ms" if longest == 0 else f"longest task {longest} ms")
        + f" in {len(jumps)} jump{'s' if len(jumps) != 1 else ''}",
        None if longest is None else longest <= 50)
    render = page.get("first_render_ms")
    row("first render under 500 ms", "not measured" if render is None else f"{render} ms",
        None if render is None else render < 500)
    row("release wasm at most 400 KB gzip", fmt_kb(bundle_gzip),
        None if bundle_gzip is None else bundle_gzip <= 400_000)
    if checkpoints:
        row("rewind checkpoints, with their memory measured", checkpoints, "measured")
    return [
        "**Issue 17's targets** against this sitting (a frame's p95 allows the 0.2 ms that "
        "animation-frame stamps jitter by; \"not measured\" where a piece did not run):",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *rows,
        "",
    ]


def main():
    out, criterion, benchmarks, command = sys.argv[1:5]
    out, criterion, benchmarks = pathlib.Path(out), pathlib.Path(criterion), pathlib.Path(benchmarks)
    since = (out / "started").stat().st_mtime
    results = criterion_results(criterion, since)
    memory = {}
    for line in (out / "memory.txt").read_text().splitlines() if (out / "memory.txt").exists() else []:
        if line.startswith("workload-memory: "):
            entry = json.loads(line.split(": ", 1)[1])
            memory[entry["case"]] = entry
    wasm = read_json(out / "wasm.json") or {}
    wasm_cases = {c["case"]: c for c in wasm.get("cases", [])}
    peer = read_json(out / "peer.json")
    cli = read_json(out / "cli.json")
    try:
        cli_time = [float(x) for x in (out / "cli-time.txt").read_text().split()[-3:]]
    except (OSError, ValueError):
        cli_time = None
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    load = (out / "load.txt").read_text().split() if (out / "load.txt").exists() else []

    lines = []
    today = datetime.datetime.now(datetime.timezone.utc)
    lines.append(f"## {today:%Y-%m-%d} (`./playground bench`): issue 17's workload, natively, as wasm and against a peer")
    lines.append("")
    lines.append(f"**Command**: `{command}` on {head}, {today:%H:%M} UTC. **Machine**: {machine()}.")
    if load:
        lines.append(f"Load average (1 min) {load[0]} at the start, {load[-1]} at the end.")
    lines.append("")
    records = None
    native = {}
    for case, _ in CASES:
        for phase in PHASES:
            found = results.get((f"workload/{case}", phase))
            if found:
                native[(case, phase)] = found[0] / 1e6
                records = found[1] or records
    records = records or (cli or {}).get("records")
    lines.append(
        f"**The workload** (`kafka_sim::workload`, {records or '?'} records a run): keyed 100-byte records, "
        "acks=all, idempotence, RF=3, min.insync.replicas=2, linger.ms=5, default batch.size, "
        "100 records per virtual millisecond, then one consumer of one group reads them all from the "
        "beginning (its join is in the consume phase); the run keeps its history and the checker "
        "finds nothing in it. Native: criterion's median (`cargo bench -p kafka-sim --bench "
        "workload`, bench profile: opt-level 3, fat LTO); the consume phase starts from a copy of "
        "the produced world made outside the timing. Wasm: the same function built for "
        f"wasm32-unknown-unknown ({wasm.get('build', 'release profile')}; `crates/bench-wasm`), run in headless "
        f"{wasm.get('browser', 'Chromium')}, timed with `performance.now()`, median of "
        f"{wasm.get('repeats', '?')} runs. wasm/native is native time over wasm time (1.00x: as fast)."
    )
    lines.append("")
    lines.append("| case | phase | native | native rate | wasm | wasm rate | wasm/native |")
    lines.append("|---|---|---|---|---|---|---|")
    for case, label in CASES:
        w = wasm_cases.get(case, {})
        for phase in PHASES:
            n_ms = native.get((case, phase))
            w_ms = w.get(f"{phase}_ms")
            lines.append(
                f"| {label} | {phase.replace('_', ' ')} | {fmt_ms(n_ms)} | "
                f"{fmt_rate(rate(records, n_ms) if records else None)} | {fmt_ms(w_ms)} | "
                f"{fmt_rate(rate(w.get('records'), w_ms) if w_ms else None)} | {ratio(w_ms and n_ms, w_ms)} |"
            )
    native_hash = (cli or {}).get("trace_hash")
    wasm_hash = next(
        (c.get("trace_hash") for c in wasm_cases.values()
         if cli and (c.get("brokers"), c.get("partitions")) == (cli.get("brokers"), cli.get("partitions"))),
        None,
    )
    if native_hash and wasm_hash:
        same = "the same" if native_hash == wasm_hash else "DIFFERENT: the wasm build does not run what native runs"
        lines.append("")
        lines.append(f"Trace hash of the {cli.get('brokers')}-broker run: native `{native_hash}`, wasm `{wasm_hash}` ({same}).")
    bad = [c for c in wasm_cases.values() if c.get("violations")]
    if bad:
        lines.append("")
        lines.append(f"The checker found anomalies in the wasm run: {bad}")
    lines.append("")

    e2e3, e2e12 = native.get((CASES[0][0], "end_to_end")), native.get((CASES[1][0], "end_to_end"))
    lines.append(
        f"**12 brokers / 100 partitions against 3 / 4** (end to end, native): "
        f"{ratio(e2e3, e2e12)} the 3-broker rate (at 100 records per virtual millisecond the "
        "100 partitions' batches hold about 5 records each, where the 4 partitions' fill to "
        "batch.size)."
    )
    lines.append("")
    if memory:
        lines.append(
            "**Memory a run keeps** (`cargo bench -p kafka-sim --bench workload_memory`: bytes still "
            "allocated after the end-to-end run, counted by a counting global allocator, "
            "`stats_alloc`, in that bench binary; malloc's own overhead is not in it; the "
            "process's resident-set growth over the run is beside it):"
        )
        lines.append("")
        lines.append("| case | records | retained | per million records | resident growth per million | allocations per record |")
        lines.append("|---|---|---|---|---|---|")
        for case, label in CASES:
            m = memory.get(case)
            if m:
                lines.append(
                    f"| {label} | {m['records']:,} | {m['retained_bytes'] / 2**20:,.1f} MiB | "
                    f"{m['retained_bytes_per_million_records'] / 2**20:,.0f} MiB | "
                    f"{m['resident_growth_per_million_records'] / 2**20:,.0f} MiB | "
                    f"{m['allocations'] / m['records']:.1f} |"
                )
        lines.append("")
    if peer:
        ours = {p: rate(records, native.get((CASES[0][0], p))) for p in PHASES}
        theirs = {"produce": peer["produce_per_s"], "consume": peer["consume_per_s"], "end_to_end": peer["end_to_end_per_s"]}
        lines.append(
            f"**Against a peer** (`tests/perf/peer.py`: {peer['peer']}, `test.mock.num.brokers="
            f"{peer['brokers']}`, the topic the mock auto-creates: {peer['partitions']} partitions, "
            f"RF={peer['replication_factor']}; {peer['records']:,} records, the same keys and values, "
            "acks=all, idempotence, linger.ms=5; produce is produce() to flush(), consume is "
            "subscribe() to the last record with one consumer; the mock keeps one log per partition "
            "and does not replicate). Ours is the native 3-broker case above:"
        )
        lines.append("")
        lines.append("| phase | ours | peer | ours/peer |")
        lines.append("|---|---|---|---|")
        for phase in PHASES:
            lines.append(
                f"| {phase.replace('_', ' ')} | {fmt_rate(ours[phase])} | {fmt_rate(theirs[phase])} | "
                f"{ratio(ours[phase], theirs[phase])} |"
            )
        lines.append("")
        peer_cpu = peer.get("produce_cpu_s", 0) + peer.get("consume_cpu_s", 0)
        if cli_time and peer_cpu and cli["records"] == peer["records"]:
            ours_cpu = cli_time[1] + cli_time[2]
            lines.append(
                f"Per CPU second, end to end: ours {fmt_rate(cli['records'] / ours_cpu)} (user and system "
                f"time of the `kafka-sim workload` process below, one thread), the peer "
                f"{fmt_rate(peer['records'] / peer_cpu)} (its two phases, every thread of its process: the "
                f"application's, librdkafka's, the mock brokers'): ours/peer "
                f"{ratio(cli['records'] / ours_cpu, peer['records'] / peer_cpu)}. On a loaded machine the "
                "wall clock also counts waiting for a core, which costs the peer more (its work hops "
                "between threads at every request); its waits (linger, the group's join) take no CPU."
            )
            lines.append("")
        after_first = peer.get("consume_after_first_record_s")
        if after_first:
            lines.append(
                f"The peer's consume phase is mostly its group join: from the first record to the last it read "
                f"{fmt_rate(peer['records'] / after_first)}."
            )
            lines.append("")
    if cli:
        timed = ""
        if cli_time:
            timed = (
                f" in {cli_time[0]:.2f} s wall, {cli_time[1] + cli_time[2]:.2f} s CPU "
                f"({fmt_rate(cli['records'] / cli_time[0])} end to end, with process start and exit)"
            )
        lines.append(
            f"**`kafka-sim workload --records {cli['records']}`** (release build, one run{timed}): "
            f"{cli['records_read']:,} records read, {cli['events']:,} events and {cli['messages']:,} "
            f"messages over {cli['virtual_ms']:,} ms of virtual time, trace hash {cli['trace_hash']}, "
            f"{len(cli['violations'])} anomalies."
        )
        lines.append("")
    others = sorted(k for k in results if not k[0].startswith("workload/"))
    if others:
        lines.append("**The engine and page benches** (`cargo bench -p kafka-sim --bench engine --bench page`, criterion's median; the rate is of criterion's elements: records, or events for `engine/*` and `*_events`):")
        lines.append("")
        lines.append("| bench | median | rate |")
        lines.append("|---|---|---|")
        for key in others:
            ns, elements = results[key]
            per_s = elements / (ns / 1e9) if elements else None
            lines.append(f"| {'/'.join(p for p in key if p)} | {fmt_ms(ns / 1e6)} | {fmt_rate(per_s) if per_s else '—'} |")
        lines.append("")
    checkpoints = None
    for line in (out / "checkpoints.txt").read_text().splitlines() if (out / "checkpoints.txt").exists() else []:
        if "the page's policy" in line:
            checkpoints = line.split(": ", 1)[1]
    if checkpoints:
        lines.append(f"**Rewind copies** (`cargo bench -p kafka-sim --bench checkpoint_memory`, natively): {checkpoints}.")
        lines.append("")
    for name, label in [("fuzz.txt", "Fuzz"), ("bundle.txt", "Bundle")]:
        path = out / name
        if path.exists() and path.read_text().strip():
            lines.append(f"**{label}**: {path.read_text().strip().splitlines()[-1]}")
            lines.append("")
    page, six = read_json(out / "page.json") or {}, read_json(out / "page-6-brokers.json")
    if page:
        lines.extend(page_lines(page, six))
    bundle_gzip = None
    if (out / "bundle.txt").exists():
        found = re.search(r"(\d+) bytes gzip", (out / "bundle.txt").read_text())
        bundle_gzip = int(found.group(1)) if found else None
    lines.extend(target_lines(native, wasm_cases, records, page, six, bundle_gzip, checkpoints))

    section = "\n".join(lines) + "\n"
    (out / "section.md").write_text(section)
    text = benchmarks.read_text()
    at = text.find("\n## ")
    # The section ends in a blank line, which parts it from the next.
    text = text[: at + 1] + section + text[at + 1 :] if at >= 0 else text + "\n" + section
    benchmarks.write_text(text)
    print(section)


if __name__ == "__main__":
    main()
