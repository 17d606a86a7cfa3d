"""Time and peak memory of the readers on the xlsx files of issue 11 that exhaust resources.

Cases (built by tests/io/hostile_corpus.py's helpers, written to a temporary folder):

- ``stray_M1048576``: a small Biểu 06 workbook with one stray cell at M1048576 (used range A1:M1048576);
- ``stray_XFD1048576``: the same with the stray cell at XFD1048576;
- ``declared_M1048576`` / ``declared_XFD1048576``: the sheet only *declares* that dimension (the cells end
  at M18), read by ``read_bieu06`` and, as a loose file, sniffed and read by ``load_counts``;
- ``shared_strings_600MB``: a ~1 MB workbook whose shared-strings table inflates to 600 MB.

Each read runs in its own process (peak memory = its VmHWM), with a time limit.  Run it against another
checkout with ``PYTHONPATH=/path/to/other/src`` to compare (the numbers in the report were taken that way).

    .venv/bin/python benchmarks/xlsx_guards.py [--timeout 900] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "io"))
import hostile_corpus as hc  # noqa: E402

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
kind, path = sys.argv[1], sys.argv[2]
import analysis.io as io
t = time.perf_counter()
try:
    reader = {"bieu06": io.read_bieu06, "load": io.load_counts}[kind]
    out = reader(path)
    result = f"read {len(out)} rows"
except Exception as exc:
    result = f"{type(exc).__name__}: {str(exc)[:160]}"
seconds = time.perf_counter() - t
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "result": result, "module": io.__file__}))
"""


def build(d: Path) -> dict[str, tuple[str, Path]]:
    src = hc.bieu06_file(d / "src", name="b.xlsx")

    def stray(ref: str) -> str:
        return f'<row r="1048576"><c r="{ref}" t="n"><v>0</v></c></row></sheetData>'

    cases = {}
    for ref in ("M1048576", "XFD1048576"):
        cases[f"stray_{ref}"] = (
            "bieu06",
            hc.sheet_xml_edit(
                src, d / f"stray_{ref}.xlsx", lambda s, r=ref: s.replace("</sheetData>", stray(r))
            ),
        )
        declared = hc.sheet_xml_edit(
            src, d / f"declared_{ref}.xlsx", lambda s, r=ref: s.replace('ref="A1:M18"', f'ref="A1:{r}"', 1)
        )
        cases[f"declared_{ref}"] = ("bieu06", declared)
        folder = d / f"loose_{ref}"
        folder.mkdir()
        (folder / declared.name).write_bytes(declared.read_bytes())
        cases[f"declared_{ref}_loose"] = ("load", folder)
    si = "<si><t>UBND TỈNH BÀ RỊA - VŨNG TÀU, Sở Tư pháp</t></si>".encode()
    cases["shared_strings_600MB"] = (
        "bieu06",
        hc.with_shared_strings(src, d / "sst_600MB.xlsx", unit=si, total=600 << 20),
    )
    return cases


def run(kind: str, path: Path, timeout: float, memory_gb: float) -> dict:
    import resource

    def cap() -> None:  # a runaway read must not take the machine's memory from everyone else
        limit = int(memory_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    t = time.perf_counter()
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, kind, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=cap,
        )
    except subprocess.TimeoutExpired:
        return {
            "seconds": time.perf_counter() - t,
            "peak_mb": float("nan"),
            "result": f"killed after {timeout:.0f} s",
        }
    if out.returncode != 0:
        return {
            "seconds": time.perf_counter() - t,
            "peak_mb": float("nan"),
            "result": out.stderr.strip()[-160:],
        }
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=900, help="seconds per read (then killed)")
    parser.add_argument("--memory-gb", type=float, default=12, help="address-space limit of each read")
    parser.add_argument("--only", nargs="*", help="case names to run")
    args = parser.parse_args(argv)
    import analysis

    print(f"library: {Path(analysis.__file__).parent}")
    with tempfile.TemporaryDirectory() as tmp:
        cases = build(Path(tmp))
        print(f"{'case':28} {'reader':7} {'file':>9} {'seconds':>8} {'peak MB':>8}  result")
        for name, (kind, path) in cases.items():
            if args.only and name not in args.only:
                continue
            size = (
                sum(p.stat().st_size for p in Path(path).rglob("*"))
                if Path(path).is_dir()
                else path.stat().st_size
            )
            r = run(kind, path, args.timeout, args.memory_gb)
            line = f"{name:28} {kind:7} {size / 1024:7.0f}KB {r['seconds']:8.1f} {r['peak_mb']:8.0f}"
            print(f"{line}  {r['result']}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
