#!/usr/bin/env python3
"""Turns criterion's output (target/criterion/**/new/*.json) into tables of
ratios measured in the same run.

    python3 benches/report.py [CRITERION_DIR] [--markdown]

For every group (one workload) it prints each implementation's payload
throughput and its ratios: to tungstenite, to fastwebsockets, and to the two
ceilings of the same group (memcpy and in-place XOR of the payloads).
"""
import json
import os
import sys

ORDER = ["rfc6455", "tungstenite", "fastwebsockets"]


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
    rows = []
    for name in sorted(groups, key=sort_key):
        g = groups[name]
        if "rfc6455" not in g:
            continue
        ours = rate(*g["rfc6455"])
        row = [name, fmt_rate(ours, g["rfc6455"][2])]
        for peer in ("tungstenite", "fastwebsockets"):
            row.append(f"{ours / rate(*g[peer]):.2f}x" if peer in g else "-")
        for ceiling in ("ceiling_memcpy", "ceiling_xor"):
            row.append(f"{ours / rate(*g[ceiling]):.2f}" if ceiling in g else "-")
        row.append(f"{g['rfc6455'][0]:.0f} ns")
        rows.append(row)
    header = ["workload", "rfc6455", "vs tungstenite", "vs fastwebsockets",
              "of memcpy", "of XOR", "batch time"]
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
