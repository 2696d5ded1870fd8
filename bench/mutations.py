"""How many one-digit slips in a worked example does `derive check` refute at their line?

    python bench/mutations.py tests/examples/two_two_two.md --from-line 22 --delta 1

changes the last digit of every decimal number after the bindings (one at a time, by +delta mod 10)
and checks each variant. A slip "escapes" when no claim at its line is refuted; the escapes are
printed, to be read: some are no slips at all (the rounding of the lecturer's own arithmetic from
rounded numbers, a weight multiplied by an input of 0).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DERIVE_WORKERS", "1")

from derive.pipeline.options import Options  # noqa: E402
from derive.pipeline.run import check_paths  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("document")
    parser.add_argument("--from-line", type=int, default=1)
    parser.add_argument("--delta", type=int, default=1)
    args = parser.parse_args()
    lines = Path(args.document).read_text(encoding="utf-8").split("\n")
    escaped, total = [], 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(args.document).name
        for n, line in enumerate(lines, 1):
            if n < args.from_line or line.strip() in ("", "$$"):
                continue
            for m in re.finditer(r"\d+\.\d+", line):
                text = m.group()
                new = text[:-1] + str((int(text[-1]) + args.delta) % 10)
                variant = list(lines)
                variant[n - 1] = line[:m.start()] + new + line[m.end():]
                path.write_text("\n".join(variant), encoding="utf-8")
                report = check_paths([str(path)], Options())
                total += 1
                if not any(r.line == n and r.verdict == "refuted" for r in report.results):
                    escaped.append(f"line {n}: {text} -> {new}")
    print(f"{total} one-digit slips, {total - len(escaped)} refuted at their line, {len(escaped)} not:")
    for e in escaped:
        print("   ", e)


if __name__ == "__main__":
    main()
