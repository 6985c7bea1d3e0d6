#!/usr/bin/env python3
"""The end-to-end benchmark's driver (Python 3, standard library only).

For each server implementation it starts `e2e-server IMPL 127.0.0.1:0` as a
child process (which picks a free port and prints it), runs the workload
matrix against it with `e2e-load echo` (a separate process), then, on a
fresh server process, measures the server's resident memory before and
after `e2e-load idle` opens the idle connections; then prints markdown
tables. With `taskset` and at least two CPUs the server runs on one CPU and
the load generator on another.

    python3 benches/e2e/run.py            # the full matrix (about 5 minutes)
    python3 benches/e2e/run.py --quick    # the smoke test (well under a minute)

Exits 1 if any server failed to echo correctly, to close properly, or to
keep its idle connections; 2 on a usage or build error.
"""

import argparse
import json
import os
import resource
import select
import shutil
import subprocess
import sys
import time

IMPLS = ["rfc6455", "rfc6455-send", "rfc6455-forward", "tungstenite", "fastwebsockets", "tokio-websockets", "yawc"]
OURS = "rfc6455"
SIZES = [16, 1024, 64 * 1024]
CONNS = [1, 16]
INFLIGHT = [1, 16]
HERE = os.path.dirname(os.path.abspath(__file__))


def size_name(size):
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} B"


def log(message):
    print(message, file=sys.stderr, flush=True)


def raise_nofile(wanted=20000):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard == resource.RLIM_INFINITY else min(hard, max(wanted, soft))
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def pinning():
    """The taskset prefixes for the server and the load generator."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:
        cpus = list(range(os.cpu_count() or 1))
    if shutil.which("taskset") and len(cpus) >= 2:
        return ["taskset", "-c", str(cpus[0])], ["taskset", "-c", str(cpus[1])], cpus[:2]
    return [], [], None


def build(target_dir):
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir)
    manifest = os.path.join(HERE, "Cargo.toml")
    log(f"building: cargo build --release --manifest-path {manifest} (CARGO_TARGET_DIR={target_dir})")
    done = subprocess.run(["cargo", "build", "--release", "--manifest-path", manifest], env=env)
    if done.returncode != 0:
        sys.exit(2)


def vm_rss(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def read_line(pipe, timeout):
    """One line from a child's pipe, or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([pipe], [], [], left)[0]:
            return None
        byte = os.read(pipe.fileno(), 1)
        if not byte:
            return None
        line += byte
    return line.decode().strip()


class Server:
    def __init__(self, binary, impl, prefix, log_dir, mode=None):
        self.impl = impl
        self.stderr = open(os.path.join(log_dir, f"server-{impl}.log"), "ab")
        self.proc = subprocess.Popen(
            prefix + [binary, impl, "127.0.0.1:0"] + ([mode] if mode else []),
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            stdin=subprocess.DEVNULL,
        )
        line = read_line(self.proc.stdout, 10)
        if not line or not line.startswith("listening 127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"{impl}: the server did not start ({line!r})")
        self.addr = line.split()[1]

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.stderr.close()


def run_cell(load, prefix, addr, size, conns, inflight, warmup, duration):
    command = prefix + [load, "echo", "--addr", addr, "--size", str(size), "--conns", str(conns),
                        "--inflight", str(inflight), "--warmup", str(warmup), "--duration", str(duration)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=warmup + duration + 45)
    except subprocess.TimeoutExpired:
        return {"errors": 1, "first_error": "the load generator overran its bound", "msgs_per_s": 0}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"errors": 1, "msgs_per_s": 0,
                "first_error": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
    result = json.loads(lines[-1])
    if done.returncode != 0 and not result.get("errors"):
        result["errors"] = 1
        result["first_error"] = f"exit {done.returncode} with no echo counted"
    return result


def measure_memory(server_bin, load, impl, server_prefix, load_prefix, idle, log_dir):
    server = Server(server_bin, impl, server_prefix, log_dir)
    try:
        time.sleep(0.5)
        before = vm_rss(server.proc.pid)
        started = time.monotonic()
        proc = subprocess.Popen(
            load_prefix + [load, "idle", "--addr", server.addr, "--conns", str(idle), "--hold", "120"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        line = read_line(proc.stdout, 120)
        opened = json.loads(line) if line else {"open": 0, "failed": idle, "first_error": "no report"}
        open_seconds = time.monotonic() - started
        time.sleep(1.0)  # let the server settle
        after = vm_rss(server.proc.pid)
        alive = server.alive()
        try:
            proc.stdin.write(b"\n")
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        line = read_line(proc.stdout, 30)
        still = json.loads(line)["still_open"] if line else 0
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        ok = alive and opened.get("open") == idle and still == idle
        return {
            "rss_before": before,
            "rss_after": after,
            "open": opened.get("open", 0),
            "still_open": still,
            "open_seconds": open_seconds,
            "per_conn": (after - before) / idle,
            "ok": ok,
            "error": opened.get("first_error", "") if not ok else "",
        }
    finally:
        server.stop()


def fmt_rate(value):
    return f"{value:,.0f}"


def fmt_us(value):
    return f"{value:,.0f} µs" if value >= 100 else f"{value:.1f} µs"


def tables(impls, cells, results, memory):
    out = []
    head = ["workload (size, conns, in flight)"]
    for impl in impls:
        head += [f"{impl} msgs/s", f"{impl} p99"]
    peers = [impl for impl in impls if not impl.startswith(OURS)]
    if OURS in impls and peers:
        head.append(f"{OURS} / best peer")
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * 1 + "---:|" * (len(head) - 1))
    for cell in cells:
        row = [f"{size_name(cell[0])}, {cell[1]}, {cell[2]}"]
        for impl in impls:
            r = results[impl].get(cell)
            if r is None or r.get("errors"):
                row += ["FAILED", "-"]
            else:
                row += [fmt_rate(r["msgs_per_s"]), fmt_us(r["p99_us"])]
        if OURS in impls and peers:
            ours = results[OURS].get(cell)
            best = max((results[p].get(cell, {}).get("msgs_per_s", 0), p) for p in peers
                       if not results[p].get(cell, {}).get("errors"))
            if ours and not ours.get("errors") and best[0] > 0:
                row.append(f"{ours['msgs_per_s'] / best[0]:.2f} ({best[1]})")
            else:
                row.append("-")
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("p50 round trip:")
    out.append("")
    head = ["workload"] + [f"{impl} p50" for impl in impls]
    out.append("| " + " | ".join(head) + " |")
    out.append("|---|" + "---:|" * len(impls))
    for cell in cells:
        row = [f"{size_name(cell[0])}, {cell[1]}, {cell[2]}"]
        for impl in impls:
            r = results[impl].get(cell)
            row.append("-" if r is None or r.get("errors") else fmt_us(r["p50_us"]))
        out.append("| " + " | ".join(row) + " |")
    if memory:
        out.append("")
        out.append("| server | RSS before | RSS with idle connections | idle connections | bytes per idle connection |")
        out.append("|---|---:|---:|---:|---:|")
        for impl in impls:
            m = memory.get(impl)
            if m is None:
                continue
            status = "" if m["ok"] else f" (FAILED: {m['still_open']} of {m['open']} still open; {m['error']})"
            out.append(f"| {impl} | {m['rss_before'] / 1048576:.1f} MiB | {m['rss_after'] / 1048576:.1f} MiB"
                       f" | {m['open']:,} | {m['per_conn']:,.0f}{status} |")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: one short 1 KiB cell per server and 200 idle connections")
    parser.add_argument("--impls", default=",".join(IMPLS), help="comma-separated servers to run")
    parser.add_argument("--warmup", type=float, default=0.5, help="seconds of warm-up per cell")
    parser.add_argument("--duration", type=float, default=2.5, help="measured seconds per cell")
    parser.add_argument("--idle", type=int, default=10000, help="idle connections for the memory table")
    parser.add_argument("--target-dir", default=os.environ.get("CARGO_TARGET_DIR", os.path.join(HERE, "target")))
    parser.add_argument("--no-build", action="store_true", help="use the binaries already built")
    parser.add_argument("--json", help="also write every result to this file")
    args = parser.parse_args()

    impls = [impl for impl in args.impls.split(",") if impl]
    unknown = [impl for impl in impls if impl not in IMPLS]
    if unknown:
        parser.error(f"unknown implementations {unknown}; known: {IMPLS}")
    if args.quick:
        cells = [(1024, 2, 4)]
        warmup, duration, idle = 0.2, 0.5, 200
    else:
        cells = [(s, n, w) for s in SIZES for n in CONNS for w in INFLIGHT]
        warmup, duration, idle = args.warmup, args.duration, args.idle

    if not args.no_build:
        build(args.target_dir)
    server_bin = os.path.join(args.target_dir, "release", "e2e-server")
    load = os.path.join(args.target_dir, "release", "e2e-load")
    for binary in (server_bin, load):
        if not os.access(binary, os.X_OK):
            log(f"missing {binary}: build first (or drop --no-build)")
            sys.exit(2)

    soft, hard = raise_nofile(idle * 2 + 1000)
    server_prefix, load_prefix, cpus = pinning()
    log(f"RLIMIT_NOFILE {soft}/{hard}; " +
        (f"server on CPU {cpus[0]}, load generator on CPU {cpus[1]} (taskset)" if cpus else "no CPU pinning"))
    if soft < idle + 100:
        log(f"warning: the open-file limit {soft} is too low for {idle} idle connections")
    log_dir = os.path.join(args.target_dir, "e2e-logs")
    os.makedirs(log_dir, exist_ok=True)

    results = {impl: {} for impl in impls}
    memory = {}
    failures = []
    started = time.monotonic()
    for impl in impls:
        try:
            server = Server(server_bin, impl, server_prefix, log_dir)
        except RuntimeError as error:
            failures.append(str(error))
            log(str(error))
            continue
        try:
            for cell in cells:
                r = run_cell(load, load_prefix, server.addr, *cell, warmup, duration)
                results[impl][cell] = r
                label = f"{impl:17} {size_name(cell[0]):>6} N={cell[1]:<2} W={cell[2]:<2}"
                if r.get("errors"):
                    failures.append(f"{label}: {r.get('first_error')}")
                    log(f"{label} FAILED: {r.get('first_error')}")
                else:
                    log(f"{label} {r['msgs_per_s']:>12,.0f} msgs/s  p50 {r['p50_us']:>8.1f} µs  p99 {r['p99_us']:>8.1f} µs")
                if not server.alive():
                    failures.append(f"{impl}: the server exited during the run")
                    break
        finally:
            server.stop()
        m = measure_memory(server_bin, load, impl, server_prefix, load_prefix, idle, log_dir)
        memory[impl] = m
        log(f"{impl:17} idle: {m['open']} open in {m['open_seconds']:.1f} s, RSS {m['rss_before'] / 1048576:.1f}"
            f" -> {m['rss_after'] / 1048576:.1f} MiB, {m['per_conn']:,.0f} B per connection"
            + ("" if m["ok"] else f"  FAILED ({m['still_open']} still open; {m['error']})"))
        if not m["ok"]:
            failures.append(f"{impl}: idle connections: {m['open']} opened, {m['still_open']} still open {m['error']}")

    log(f"total {time.monotonic() - started:.0f} s")
    print(tables(impls, cells, results, memory))
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"results": {impl: {f"{c[0]},{c[1]},{c[2]}": r for c, r in rs.items()}
                                   for impl, rs in results.items()},
                       "memory": memory, "failures": failures}, out, indent=1)
    if failures:
        print("\nFAILURES:\n" + "\n".join(f"- {f}" for f in failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
