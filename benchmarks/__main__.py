"""Run every benchmark (or those named) one after the other, each in its own process."""

from __future__ import annotations

import subprocess
import sys

ORDER = ["pdf", "sms", "audio", "epub", "braille", "catalogs", "reuse", "build", "serve"]


def main(argv: list[str]) -> int:
    names = argv or ORDER
    unknown = [name for name in names if name not in ORDER]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)} (known: {', '.join(ORDER)})",
              file=sys.stderr)
        return 2
    status = 0
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        # One process each: a benchmark's warm caches and memory must not help the next one.
        status |= subprocess.run([sys.executable, "-m", f"benchmarks.{name}"]).returncode
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
