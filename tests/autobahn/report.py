#!/usr/bin/env python3
"""Summarise Autobahn|Testsuite results and decide whether they pass.

Usage: report.py [--expected CASES.json] ROLE=OUTDIR [ROLE=OUTDIR ...]

Reads OUTDIR/index.json, shaped {agent: {case_id: {"behavior", "behaviorClose",
"duration", ...}}}, prints a summary per role and exits 1 if any role fails:

  * index.json is missing, unreadable or holds no case, or (with --expected, a
    JSON list of case ids) a case that should have run is absent;
  * a behavior other than OK or INFORMATIONAL (UNIMPLEMENTED included: the
    testees are built with permessage-deflate, so 12.x and 13.x must pass);
  * a behaviorClose other than OK; INFORMATIONAL is allowed only when the
    behavior is INFORMATIONAL too (wstest reports that pair for 7.1.6, 7.13.1
    and 7.13.2, whose outcome the RFC leaves open).

The last line counts acceptable and failing cases over all roles, as
"autobahn: N passed, M failed" (cases that should have run but did not count
as failed).

Standard library only.
"""

import json
import os
import sys

BEHAVIORS = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]


def case_key(case_id):
    """'6.4.3' < '6.10.1': compare the dotted parts as numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in case_id.split("."))


def is_next(a, b):
    """Is case b the sibling right after case a (6.4.3, 6.4.4)?"""
    head_a, _, last_a = a.rpartition(".")
    head_b, _, last_b = b.rpartition(".")
    return head_a == head_b and last_a.isdigit() and last_b.isdigit() and int(last_b) == int(last_a) + 1


def compact(ids):
    """Sorted ids, runs of 3+ consecutive siblings as ranges: 12.1.1-12.1.18."""
    runs = []
    for case_id in sorted(ids, key=case_key):
        if runs and is_next(runs[-1][-1], case_id):
            runs[-1].append(case_id)
        else:
            runs.append([case_id])
    return " ".join("%s-%s" % (r[0], r[-1]) if len(r) >= 3 else " ".join(r) for r in runs)


def problem(case_id, res):
    """Why this case fails the run, or None if it is acceptable."""
    behavior, close = res.get("behavior"), res.get("behaviorClose")
    reasons = []
    if behavior not in ("OK", "INFORMATIONAL"):
        reasons.append("behavior %s" % behavior)
    if not (close == "OK" or (close == "INFORMATIONAL" and behavior == "INFORMATIONAL")):
        reasons.append("behaviorClose %s" % close)
    return ", ".join(reasons) or None


def count_table(title, counts, always):
    print("  %-16s %5s" % (title, "cases"))
    for name in always + sorted(set(counts) - set(always)):
        print("    %-14s %5d" % (name, counts.get(name, 0)))


def report_role(role, outdir, expected):
    """Print one role's summary; return (cases passed, cases failed, failure lines)."""
    path = os.path.join(outdir, "index.json")
    print("== %s role: %s" % (role, path))
    try:
        with open(path) as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        print("  no results")
        return 0, len(expected or [None]), ["no readable %s (%s)" % (path, e)]
    if not isinstance(index, dict) or not any(index.values()):
        print("  no results")
        return 0, len(expected or [None]), ["%s holds no case" % path]

    passed = failed = 0
    failures = []
    for agent, cases in sorted(index.items()):
        print("  agent %r: %d cases" % (agent, len(cases)))
        prefix = "agent %r: " % agent if len(index) > 1 else ""
        behaviors, closes, not_ok, bad = {}, {}, {}, {}
        duration_9 = count_9 = 0
        for case_id, res in cases.items():
            b, c = res.get("behavior"), res.get("behaviorClose")
            behaviors[b] = behaviors.get(b, 0) + 1
            closes[c] = closes.get(c, 0) + 1
            if b != "OK" or c != "OK":
                not_ok.setdefault("%s/%s" % (b, c), []).append(case_id)
            why = problem(case_id, res)
            if why:
                bad.setdefault(why, []).append(case_id)
                failed += 1
            else:
                passed += 1
            if case_id.split(".")[0] == "9":
                duration_9 += res.get("duration") or 0
                count_9 += 1
        count_table("behavior", behaviors, BEHAVIORS)
        count_table("behaviorClose", closes, ["OK"])
        print("  not OK (behavior/behaviorClose: case ids):%s" % ("" if not_ok else " none"))
        for outcome, ids in sorted(not_ok.items()):
            print("    %s (%d): %s" % (outcome, len(ids), compact(ids)))
        print("  9.x total duration: %d ms over %d cases" % (duration_9, count_9))

        for why, ids in sorted(bad.items()):
            failures.append("%s%s (%d): %s" % (prefix, why, len(ids), compact(ids)))
        missing = set(expected or ()) - set(cases)
        if missing:
            failed += len(missing)
            failures.append("%sexpected cases that did not run (%d): %s"
                            % (prefix, len(missing), compact(missing)))
    return passed, failed, failures


def main(argv):
    expected = None
    if len(argv) >= 2 and argv[0] == "--expected":
        with open(argv[1]) as f:
            expected = json.load(f)
        argv = argv[2:]
    roles = [a.split("=", 1) for a in argv]
    if not roles or any(len(r) != 2 for r in roles):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2

    passed = failed = 0
    failures = []
    for role, outdir in roles:
        role_passed, role_failed, role_failures = report_role(role, outdir, expected)
        passed += role_passed
        failed += role_failed
        failures += ["%s: %s" % (role, why) for why in role_failures]
        print()
    if failures:
        print("AUTOBAHN: FAIL")
        for line in failures:
            print("  " + line)
    else:
        print("AUTOBAHN: PASS (%s)" % ", ".join(role for role, _ in roles))
    print("autobahn: %d passed, %d failed" % (passed, failed))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
