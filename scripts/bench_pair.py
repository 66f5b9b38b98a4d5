"""Runs a binding's benchmark and the Rust reference (benches/ffi_reference.rs) one after the
other three times (this machine's speed drifts), keeps each side's best figure, and prints each
figure with its ratio to the reference. Used by scripts/bench-c.sh and scripts/bench-python.sh.

    bench_pair.py LABEL 'COMMAND' ROW...

COMMAND prints `name value` lines, like the reference. A ROW is `name[=reference_name]:unit:goal`
(the reference's figure of the same name unless given; `-` for none, and then the third
field is a remark, not a goal; it may be empty)."""

import subprocess
import sys


def best(out: str, into: dict[str, float]) -> None:
    for line in out.strip().splitlines():
        k, v = line.split()
        into[k] = min(into.get(k, float("inf")), float(v))


def main() -> None:
    label, command, rows = sys.argv[1], sys.argv[2], sys.argv[3:]
    ours: dict[str, float] = {}
    rust: dict[str, float] = {}
    reference = ["cargo", "bench", "--quiet", "--bench", "ffi_reference"]
    for _ in range(3):
        best(subprocess.run(command, shell=True, check=True, capture_output=True, text=True).stdout, ours)
        best(subprocess.run(reference, check=True, capture_output=True, text=True).stdout, rust)
    for row in rows:
        names, unit, goal = row.split(":", 2)
        name, _, ref = names.partition("=")
        shown = f"{name:16} {label} {ours[name]:9.3f} {unit}"
        if ref != "-":
            r = rust[ref or name]
            shown += f"   Rust {r:9.3f} {unit}   {label}/Rust {ours[name] / r:.3f}x"
        if goal:
            shown += f"   (goal {goal})" if ref != "-" else f"   ({goal})"
        print(shown)


if __name__ == "__main__":
    main()
