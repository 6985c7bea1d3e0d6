#!/usr/bin/env python3
"""Turns criterion's output (target/criterion/**/new/*.json) into tables of
ratios measured in the same run.

    python3 benches/report.py [CRITERION_DIR] [--markdown]

For every group (one workload) it prints each implementation's payload
throughput and its ratios: to tungstenite, to fastwebsockets, and to the two
ceilings of the same group (memcpy and in-place XOR of the payloads).

    python3 benches/report.py [CRITERION_DIR] --deflate [--markdown]

prints the permessage-deflate bench instead (groups `deflate/*`): one row
per workload, the uncompressed-payload throughput of send_server,
send_client and receive.

    python3 benches/report.py [CRITERION_DIR] --peers [--markdown]

prints the peers bench (benches/peers, its own criterion directory): for
every workload our throughput, our ratio to every peer that ran it ("-"
where a peer was left out), the fastest peer's name and our ratio to it, and
our fraction of the two ceilings.
"""
import json
import os
import sys

ORDER = ["rfc6455", "tungstenite", "fastwebsockets"]
PEERS = ["tungstenite", "fastwebsockets", "tokio-websockets", "sockudo-ws", "yawc", "wtx"]


def load(root):
    groups = {}
    for dirpath, _, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        # The median resists the noise of a shared machine better than the mean.
        ns = est["median"]["point_estimate"]
        thr = bench.get("throughput") or {}
        if "Bytes" in thr:
            amount, unit = thr["Bytes"], "B"
        else:
            amount, unit = thr.get("Elements", 1), "E"
        groups.setdefault(bench["group_id"], {})[bench["function_id"]] = (ns, amount, unit)
    return groups


def rate(ns, amount, unit=None):
    return amount / ns  # bytes (or elements) per ns


def fmt_rate(x, unit):
    if unit == "E":
        per_s = x * 1e9
        return f"{per_s / 1e3:.1f} k/s"
    return f"{x:.2f} GB/s" if x >= 1 else f"{x * 1000:.0f} MB/s"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    markdown = "--markdown" in sys.argv
    root = args[0] if args else os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")
    groups = load(root)
    if not groups:
        sys.exit(f"no criterion results under {root}")
    if "--deflate" in sys.argv:
        return deflate_table(groups, markdown)
    if "--peers" in sys.argv:
        return peers_table(groups, markdown)
    rows = []
    for g, ours, row in our_rows(groups):
        for peer in ("tungstenite", "fastwebsockets"):
            row.append(f"{ours / rate(*g[peer]):.2f}x" if peer in g else "-")
        for ceiling in ("ceiling_memcpy", "ceiling_xor"):
            row.append(f"{ours / rate(*g[ceiling]):.2f}" if ceiling in g else "-")
        row.append(f"{g['rfc6455'][0]:.0f} ns")
        owned = g.get("rfc6455_owned")
        row.append(f"{rate(*owned) / rate(*g['tungstenite']):.2f}x"
                   if owned and "tungstenite" in g else "-")
        rows.append(row)
    header = ["workload", "rfc6455", "vs tungstenite", "vs fastwebsockets",
              "of memcpy", "of XOR", "batch time", "owned vs tungstenite"]
    print_table(header, rows, markdown)


def our_rows(groups):
    """Each group that has an rfc6455 result, in order: its results, our
    rate, and the row's first cells (the workload, our throughput)."""
    for name in sorted(groups, key=sort_key):
        g = groups[name]
        if "rfc6455" in g:
            ours = rate(*g["rfc6455"])
            yield g, ours, [name, fmt_rate(ours, g["rfc6455"][2])]


def peers_table(groups, markdown):
    rows = []
    for g, ours, row in our_rows(groups):
        present = [p for p in PEERS if p in g]
        for peer in PEERS:
            row.append(f"{ours / rate(*g[peer]):.2f}x" if peer in g else "-")
        if present:
            best = max(present, key=lambda p: rate(*g[p]))
            row += [best, f"{ours / rate(*g[best]):.2f}x"]
        else:
            row += ["-", "-"]
        for ceiling in ("ceiling_memcpy", "ceiling_xor"):
            row.append(f"{ours / rate(*g[ceiling]):.2f}" if ceiling in g else "-")
        rows.append(row)
    if not rows:
        sys.exit("no peers results (cd benches/peers && cargo bench)")
    header = (["workload", "rfc6455"] + [f"vs {p}" for p in PEERS]
              + ["best peer", "vs best", "of memcpy", "of XOR"])
    print_table(header, rows, markdown)


def deflate_table(groups, markdown):
    functions = ["send_server", "send_client", "receive"]
    rows = []
    for name in sorted((n for n in groups if n.startswith("deflate/")), key=deflate_key):
        g = groups[name]
        rows.append([name.partition("/")[2]] + [
            fmt_rate(rate(*g[f]), g[f][2]) if f in g else "-" for f in functions])
    if not rows:
        sys.exit("no deflate results (cargo bench --all-features --bench deflate)")
    print_table(["workload"] + functions, rows, markdown)


def deflate_key(name):
    # json_<size>_w<bits>_<takeover>: by size, then window bits descending.
    parts = name.partition("/")[2].split("_")
    size = parts[1]
    scale = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20}
    number = size.rstrip("KMiB")
    bits = int(parts[2][1:])
    return (int(number) * scale[size[len(number):]], -bits, "_".join(parts[3:]) != "takeover")


def print_table(header, rows, markdown):
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
        for r in [header] + rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))


def sort_key(name):
    kind, _, rest = name.partition("/")
    return (kind, rest)


if __name__ == "__main__":
    main()
