#!/usr/bin/env python3
"""Summarise Autobahn|Testsuite results and decide whether they pass.

Usage: report.py [--expected CASES.json] ROLE=OUTDIR [ROLE=OUTDIR ...]

Reads OUTDIR/index.json, shaped {agent: {case_id: {"behavior", "behaviorClose",
"duration", ...}}}, prints a summary per role and exits 1 if any role fails:

  * index.json is missing, unreadable or holds no case, or (with --expected, a
    JSON list of case ids) a case that should have run is absent;
  * a behavior other than OK or INFORMATIONAL; UNIMPLEMENTED is allowed only
    for 12.x and 13.x (permessage-deflate is not implemented);
  * a behaviorClose other than OK; INFORMATIONAL is allowed only when the
    behavior is INFORMATIONAL too (wstest reports that pair for 7.1.6, 7.13.1
    and 7.13.2, whose outcome the RFC leaves open).

Standard library only.
"""

import json
import os
import sys

BEHAVIORS = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]
UNIMPLEMENTED_OK = ("12", "13")  # permessage-deflate groups


def case_key(case_id):
    """'6.4.3' < '6.10.1': compare the dotted parts as numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in case_id.split("."))


def problem(case_id, res):
    """Why this case fails the run, or None if it is acceptable."""
    behavior = res.get("behavior")
    close = res.get("behaviorClose")
    group = case_id.split(".")[0]
    if behavior == "UNIMPLEMENTED":
        if group not in UNIMPLEMENTED_OK:
            return "UNIMPLEMENTED outside 12.x/13.x"
    elif behavior not in ("OK", "INFORMATIONAL"):
        return "behavior %s" % behavior
    if close == "OK" or (close == "INFORMATIONAL" and behavior == "INFORMATIONAL"):
        return None
    return "behaviorClose %s" % close


def count_table(title, counts, always):
    print("  %-16s %5s" % (title, "cases"))
    for name in always + sorted(set(counts) - set(always)):
        print("    %-14s %5d" % (name, counts.get(name, 0)))


def report_role(role, outdir, expected):
    """Print one role's summary; return a list of failure messages."""
    path = os.path.join(outdir, "index.json")
    print("== %s role: %s" % (role, path))
    try:
        with open(path) as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        print("  cannot read results: %s" % e)
        return ["%s: no readable index.json (%s)" % (role, e)]
    if not isinstance(index, dict):
        return ["%s: index.json is not an object" % role]

    failures = []
    if not any(index.values()):
        failures.append("%s: index.json has no cases" % role)
    for agent in sorted(index):
        cases = index[agent]
        print("  agent %r: %d cases" % (agent, len(cases)))
        behaviors, closes, not_ok = {}, {}, {}
        duration_9, count_9 = 0, 0
        for case_id in sorted(cases, key=case_key):
            res = cases[case_id]
            b, c = res.get("behavior"), res.get("behaviorClose")
            behaviors[b] = behaviors.get(b, 0) + 1
            closes[c] = closes.get(c, 0) + 1
            if b != "OK" or c != "OK":
                not_ok.setdefault("%s/%s" % (b, c), []).append(case_id)
            why = problem(case_id, res)
            if why:
                failures.append("%s: case %s: %s" % (role, case_id, why))
            if case_id.split(".")[0] == "9":
                duration_9 += res.get("duration") or 0
                count_9 += 1
        count_table("behavior", behaviors, BEHAVIORS)
        count_table("behaviorClose", closes, ["OK"])
        if not_ok:
            print("  not OK (behavior/behaviorClose: case ids):")
            for outcome in sorted(not_ok):
                ids = not_ok[outcome]
                print("    %s (%d): %s" % (outcome, len(ids), " ".join(ids)))
        else:
            print("  not OK: none")
        print("  9.x total duration: %d ms over %d cases" % (duration_9, count_9))
        if expected is not None:
            missing = sorted(set(expected) - set(cases), key=case_key)
            if missing:
                shown = " ".join(missing[:20]) + (" ..." if len(missing) > 20 else "")
                failures.append("%s: agent %r: %d expected cases did not run: %s"
                                % (role, agent, len(missing), shown))
    if expected is not None and not index:
        failures.append("%s: none of the %d expected cases ran" % (role, len(expected)))
    return failures


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

    failures = []
    for role, outdir in roles:
        failures += report_role(role, outdir, expected)
        print()
    if failures:
        print("AUTOBAHN: FAIL (%d problems)" % len(failures))
        for msg in failures:
            print("  " + msg)
        return 1
    print("AUTOBAHN: PASS (%s)" % ", ".join(role for role, _ in roles))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
