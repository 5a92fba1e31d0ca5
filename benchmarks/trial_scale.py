"""Virtual-trial scale benchmark: N patients of the full model through ``brexsim trial``'s path
(sampling, monitoring rules, PK, coupled in vivo solve, HAM-D, streamed Parquet, endpoints,
report), with bounded memory.

Usage::

    .venv/bin/python benchmarks/trial_scale.py --patients 100000 --workers 2
    .venv/bin/python benchmarks/trial_scale.py --patients 2000 --workers 1   # in-process

Prints the machine, versions, wall time, patients per second and peak RSS (this process, and the
sum over this process and its Dask worker processes, sampled every second), a progress line every
``--every`` patients, and last one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path


def _rss_mb_tree() -> tuple[float, float]:
    import psutil

    me = psutil.Process()
    own = me.memory_info().rss
    total = own
    for c in me.children(recursive=True):
        try:
            total += c.memory_info().rss
        except psutil.Error:
            pass
    return own / 2**20, total / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=2000, help="total virtual patients")
    ap.add_argument("--workers", type=int, default=2, help="1 = in-process; N = Dask processes")
    ap.add_argument("--chunk", type=int, default=256, help="patients per task")
    ap.add_argument("--visits", default="0,24,60,72,168,720", help="visit times, h")
    ap.add_argument("--out", default=None, help="output folder (default: a temporary one)")
    ap.add_argument("--every", type=int, default=1000, help="progress line every N patients")
    args = ap.parse_args()

    import dask
    import jax
    import numpy as np

    import brexsim
    from brexsim.trial.output import run_trial_to_dir
    from brexsim.trial.run import SOLVER_BLOCK
    from brexsim.trial.spec import parse_trial_spec

    half = args.patients // 2
    spec = parse_trial_spec(
        {
            "trial": {"name": f"scale-{args.patients}", "seed": 20261126},
            "arms": [
                {"name": "BRX90", "regimen": "zulresso", "n": args.patients - half},
                {"name": "placebo", "regimen": "placebo", "n": half},
            ],
            "visits": {"times_h": [float(x) for x in args.visits.split(",")]},
        }
    )
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print(f"machine: {platform.platform()}; {os.cpu_count()} CPUs ({cpu})")
    print(
        f"python {sys.version.split()[0]}, brexsim {brexsim.__version__}, jax {jax.__version__}, "
        f"numpy {np.__version__}, dask {dask.__version__}"
    )
    try:
        print(f"load average at start: {os.getloadavg()}")
    except OSError:
        pass
    print(
        f"patients {args.patients} (BRX90 {args.patients - half}, placebo {half}), visits "
        f"{list(spec.visits_h)} h, chunk {args.chunk}, solver block {SOLVER_BLOCK}, "
        f"{'in-process' if args.workers == 1 else f'{args.workers} Dask worker processes'}"
    )
    peak = {"own": 0.0, "tree": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            own, tree = _rss_mb_tree()
            peak["own"] = max(peak["own"], own)
            peak["tree"] = max(peak["tree"], tree)
            stop.wait(1.0)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    done = {"n": 0, "next": args.every}
    t0 = time.perf_counter()

    def progress(res) -> None:  # type: ignore[no-untyped-def]
        done["n"] += res.n
        if done["n"] >= done["next"] or done["n"] == args.patients:
            dt = time.perf_counter() - t0
            print(
                f"  {done['n']:>7d} patients  {dt:8.1f} s  {done['n'] / dt:6.1f} /s  "
                f"RSS own {peak['own']:.0f} MB, all {peak['tree']:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
            done["next"] += args.every

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="trial_scale_")) / "out"
    summary = run_trial_to_dir(
        spec,
        out,
        chunk=args.chunk,
        workers=None if args.workers == 1 else args.workers,
        progress=progress,
        command=" ".join(sys.argv),
    )
    wall = time.perf_counter() - t0
    stop.set()
    th.join()
    import resource

    self_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(p.stat().st_size for p in out.iterdir()) / 2**20
    print(f"wall {wall:.1f} s (simulation {summary['simulation_seconds']:.1f} s)")
    print(f"patients per second (end to end): {args.patients / wall:.2f}")
    print(f"peak RSS: this process {self_max:.0f} MB; process tree (sampled) {peak['tree']:.0f} MB")
    print(f"outputs {out}: {size:.1f} MB, {summary['visit_rows']} visit rows")
    hc = [r for r in summary["primary"] if r["endpoint"] == "hamd_change_vs_placebo"]
    if hc:
        print(
            f"BRX90 - placebo at {summary['primary_visit_h']:g} h: {hc[0]['estimate']:.3f} "
            f"[{hc[0]['ci_low']:.3f}, {hc[0]['ci_high']:.3f}]"
        )
    print(
        json.dumps(
            {
                "patients": args.patients,
                "workers": args.workers,
                "chunk": args.chunk,
                "wall_s": round(wall, 2),
                "patients_per_s": round(args.patients / wall, 3),
                "peak_rss_mb_self": round(self_max, 1),
                "peak_rss_mb_tree": round(peak["tree"], 1),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
