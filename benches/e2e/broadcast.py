#!/usr/bin/env python3
"""The broadcast benchmark (Python 3, standard library only).

For each server with a room mode (`e2e-server IMPL 127.0.0.1:0 room`) and
each cell, a fresh server process, then `e2e-load room` (a separate process:
N receivers, optionally K clients that never read, one publisher). Measures
deliveries per second at the receivers, the server's CPU time (user + system,
from /proc) per delivery, messages the server skipped, and the server's peak
resident memory (VmHWM); prints a markdown table with each peer's ratio to
ours. Cells that offer permessage-deflate (with and without
server_no_context_takeover) run the servers that have it (ours and yawc). Servers and load are pinned to different CPUs as in run.py.

    python3 benches/e2e/broadcast.py            # the full table (a few minutes)
    python3 benches/e2e/broadcast.py --quick    # one small cell per server

Exits 1 if any run failed (a stalled socket, a close, a server that died).
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as e2e  # noqa: E402  (the shared driver pieces)

ROOM_IMPLS = ["rfc6455", "tungstenite", "tokio-websockets", "yawc"]
# The servers with permessage-deflate (the others skip the cells that offer it).
DEFLATE_IMPLS = ["rfc6455", "yawc"]
TAKEOVER = "permessage-deflate"
NO_TAKEOVER = "permessage-deflate; server_no_context_takeover"
# (receivers, message size, messages, clients that never read, the receivers' deflate offer)
CELLS = [(1000, 16, 500, 0, None), (1000, 1024, 500, 0, None), (10000, 16, 100, 0, None),
         (10000, 1024, 100, 0, None), (100, 1024, 20000, 0, None), (100, 1024, 20000, 1, None),
         (1000, 1024, 200, 0, TAKEOVER), (1000, 1024, 200, 0, NO_TAKEOVER)]
QUICK_CELLS = [(200, 1024, 50, 1, None), (200, 1024, 20, 0, NO_TAKEOVER)]


def deflate_name(offer):
    return {None: "-", TAKEOVER: "takeover", NO_TAKEOVER: "no takeover"}[offer]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # utime and stime: the 14th and 15th fields, counted from 1 with the pid.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def run_cell(server_bin, load, impl, cell, server_prefix, load_prefix, log_dir):
    conns, size, messages, stalled, offer = cell
    server = e2e.Server(server_bin, impl, server_prefix, log_dir, mode="room")
    try:
        cpu_before = cpu_seconds(server.proc.pid)
        command = load_prefix + [load, "room", "--addr", server.addr, "--conns", str(conns), "--size",
                                 str(size), "--messages", str(messages), "--stalled", str(stalled)]
        if offer:
            command += ["--deflate", offer]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return {"errors": 1, "first_error": "the load generator overran 300 s"}
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if not lines:
            return {"errors": 1, "first_error": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
        result = json.loads(lines[-1])
        if not server.alive():
            result["errors"] = result.get("errors", 0) + 1
            result["first_error"] = "the server exited during the run"
            return result
        result["cpu_s"] = cpu_seconds(server.proc.pid) - cpu_before
        result["peak_rss"] = peak_rss(server.proc.pid)
        result["cpu_us_per_delivery"] = 1e6 * result["cpu_s"] / max(result["delivered"], 1)
        return result
    finally:
        server.stop()


def table(impls, cells, results):
    out = ["| server | receivers | size | never read | deflate | deliveries/s | server CPU per delivery | "
           "skipped | server peak RSS |", "|---|---:|---:|---:|---|---:|---:|---:|---:|"]
    for cell in cells:
        ours = results.get(e2e.OURS, {}).get(cell)
        for impl in impls:
            if cell[4] and impl not in DEFLATE_IMPLS:
                continue
            r = results[impl].get(cell)
            head = f"| {impl} | {cell[0]:,} | {e2e.size_name(cell[1])} | {cell[3]} | {deflate_name(cell[4])} |"
            if not r or r.get("errors"):
                out.append(f"{head} FAILED: {(r or {}).get('first_error', 'not run')} | | | |")
                continue
            rate, cpu = r["deliveries_per_s"], r["cpu_us_per_delivery"]
            if impl != e2e.OURS and ours and not ours.get("errors"):
                rate_s = f"{rate:,.0f} ({rate / ours['deliveries_per_s']:.2f}x)"
                # CPU time comes in clock ticks: a short run may show none.
                ours_cpu = ours["cpu_us_per_delivery"]
                cpu_s = f"{cpu:.3f} µs" + (f" ({cpu / ours_cpu:.2f}x)" if ours_cpu > 0 else "")
            else:
                rate_s, cpu_s = f"{rate:,.0f}", f"{cpu:.3f} µs"
            out.append(f"{head} {rate_s} | {cpu_s} | {r['missed']:,} | {r['peak_rss'] / 1048576:.1f} MiB |")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one small cell per server")
    parser.add_argument("--impls", default=",".join(ROOM_IMPLS), help="comma-separated servers to run")
    parser.add_argument("--target-dir", default=os.environ.get("CARGO_TARGET_DIR", os.path.join(e2e.HERE, "target")))
    parser.add_argument("--no-build", action="store_true", help="use the binaries already built")
    args = parser.parse_args()
    impls = [impl for impl in args.impls.split(",") if impl]
    if any(impl not in ROOM_IMPLS for impl in impls):
        parser.error(f"servers with a room mode: {ROOM_IMPLS}")
    cells = QUICK_CELLS if args.quick else CELLS
    if not args.no_build:
        e2e.build(args.target_dir)
    server_bin = os.path.join(args.target_dir, "release", "e2e-server")
    load = os.path.join(args.target_dir, "release", "e2e-load")
    e2e.raise_nofile(max(c[0] for c in cells) * 2 + 1000)
    server_prefix, load_prefix, cpus = e2e.pinning()
    log_dir = os.path.join(args.target_dir, "e2e-logs")
    os.makedirs(log_dir, exist_ok=True)
    results = {impl: {} for impl in impls}
    failures = []
    started = time.monotonic()
    for cell in cells:
        for impl in impls:
            if cell[4] and impl not in DEFLATE_IMPLS:
                continue
            r = run_cell(server_bin, load, impl, cell, server_prefix, load_prefix, log_dir)
            results[impl][cell] = r
            label = (f"{impl:17} N={cell[0]:<6} {e2e.size_name(cell[1]):>6} x{cell[2]:<5} stalled={cell[3]}"
                     f" deflate={deflate_name(cell[4])}")
            if r.get("errors"):
                failures.append(f"{label}: {r.get('first_error')}")
                e2e.log(f"{label} FAILED: {r.get('first_error')}")
            else:
                e2e.log(f"{label} {r['deliveries_per_s']:>12,.0f}/s  {r['cpu_us_per_delivery']:.3f} µs CPU each"
                        f"  skipped {r['missed']}  peak RSS {r['peak_rss'] / 1048576:.1f} MiB")
    e2e.log(f"total {time.monotonic() - started:.0f} s")
    print(table(impls, cells, results))
    if failures:
        print("\nFAILURES:\n" + "\n".join(f"- {f}" for f in failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
