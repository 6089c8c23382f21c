"""Summarise a run of the vendored redis-py suite on the drop-in (a JUnit XML file):
per test file the passed / failed / not-applicable counts, then every failure with the
first line of its reason.

Not applicable: tests redis-py itself skips for this server (version, modules, cluster,
enterprise, RESP gates), tests the conftest marks so (NOT_APPLICABLE, cluster-only and
replica tests), and tests that fail only because they call a command outside redipy's
command table, or a subcommand its table entry does not offer (the conftest reports those
as skipped "not applicable: ..."). A failure on a command in the table counts as a
failure, and so does a known failure (a strict xfail of the conftest's KNOWN_FAILURES).

    REDIPY_REDISPY_SUITE=1 python -m pytest tests/third_party/redispy --junitxml=suite.xml
    python tests/third_party/redispy/report.py suite.xml
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict

from redipy import commands

UNKNOWN = re.compile(r"unknown command '([^']+)'")


def classify(case: ET.Element) -> tuple[str, str]:
    for tag in ("failure", "error"):
        node = case.find(tag)
        if node is not None:
            text = (node.get("message") or node.text or "").strip()
            found = UNKNOWN.search(text)
            if found and found.group(1).upper() not in commands.COMMANDS:
                return "n/a", f"{found.group(1).upper()} is not in the command table"
            return "failed", text.splitlines()[0][:160] if text else tag
    skipped = case.find("skipped")
    if skipped is not None:
        if skipped.get("type") == "pytest.xfail":  # a known failure (conftest KNOWN_FAILURES)
            return "failed", (skipped.get("message") or "xfail")[:160]
        return "n/a", (skipped.get("message") or "skipped")[:160]
    return "passed", ""


def main(path: str) -> None:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    failures: list[tuple[str, str]] = []
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("classname", "").split(".")[-1]
        module = next((part for part in case.get("classname", "").split(".")
                       if part.startswith("test_")), name)
        kind, why = classify(case)
        counts[module][kind] += 1
        if kind == "failed":
            failures.append((f"{module}::{case.get('name')}", why))
    total = defaultdict(int)
    print("| file | passed | failed | not applicable | pass rate of applicable |")
    print("| --- | --- | --- | --- | --- |")
    for module in sorted(counts):
        c = counts[module]
        for key in ("passed", "failed", "n/a"):
            total[key] += c[key]
        applicable = c["passed"] + c["failed"]
        rate = f"{c['passed'] / applicable:.1%}" if applicable else "-"
        print(f"| {module}.py | {c['passed']} | {c['failed']} | {c['n/a']} | {rate} |")
    applicable = total["passed"] + total["failed"]
    print(f"| all | {total['passed']} | {total['failed']} | {total['n/a']} | "
          f"{total['passed'] / max(applicable, 1):.1%} |")
    print()
    for name, why in failures:
        print(f"- `{name}`: {why}")


if __name__ == "__main__":
    main(sys.argv[1])
