#!/usr/bin/env python3
"""Prints scripts/bench's table from JMH's JSON results.

A header first: the CPU, what the CPU backend chose for it, the FMA peak measured at the JIT's
vector width, and which OpenBLAS kernels run. Then GEMMs in GFLOP/s, as a share of that peak and
beside numpy's matmul at the same shape and thread count, timed here in one process per thread
count (the BLAS reads its thread count at start-up); bias + activation in Gelem/s; training steps
in samples/s, with the share of the small step spent in its GEMMs and the step's scaling from one
thread to the most.

    bench_table.py [--runs N] [--machine JSON] [--paired DIR] JMH_JSON...
        the table; with N runs, each row's median. DIR holds scripts/bench's CPU GEMM rows, one JMH
        JSON per run, thread count and shape, each beside the FMA peak measured right before it and
        numpy's timing taken right after it (RUN-THREADS-SHAPE.json, RUN-THREADS-SHAPE.peak.json and
        RUN-THREADS-SHAPE.numpy.json, the shape's ':' a '-'); a row's share of the peak and its ratio
        to numpy are then the medians of its runs' shares and ratios.
    bench_table.py --numpy SHAPE...
        (internal) numpy's seconds per matmul, as JSON
"""
import json
import os
import statistics
import subprocess
import sys
import time

BENCH = "dev.gale.bench."
GEMM = BENCH + "GemmBenchmark.gemm"
BIAS = BENCH + "BiasActivationBenchmark.biasActivation"
STEP = BENCH + "TrainingStepBenchmark.step"
# The network whose step the GEMM shapes come from (GemmBenchmark's documentation).
SMALL_STEP = "784-256-128-10/128"
NUMPY_HINT = "install numpy (pip install numpy, or apt-get install python3-numpy) for the OpenBLAS column"


def parse_gemm(shape):
    """'MxNxK:AB' -> (m, n, k, transpose A, transpose B)."""
    sizes, ops = shape.split(":")
    m, n, k = (int(s) for s in sizes.split("x"))
    return m, n, k, ops[0] == "T", ops[1] == "T"


def step_gemms(network):
    """The GEMM shapes of one training step of 'SIZES/BATCH', as GemmBenchmark names them."""
    sizes, batch = network.split("/")
    units = [int(s) for s in sizes.split("-")]
    batch = int(batch)
    shapes = []
    for fan_in, out in zip(units, units[1:]):
        shapes.append(f"{batch}x{out}x{fan_in}:NT")      # Z = X·Wᵀ
        shapes.append(f"{out}x{fan_in}x{batch}:TN")      # dW = dZᵀ·X
    for fan_in, out in list(zip(units, units[1:]))[1:]:
        shapes.append(f"{batch}x{fan_in}x{out}:NN")      # dX = dZ·W
    return shapes


def time_numpy(shapes):
    """Seconds per matmul, each the mean of 5 timed windows after a warm-up, as JMH measures."""
    import numpy as np
    rng = np.random.default_rng(20260501)
    seconds = {}
    for shape in shapes:
        m, n, k, ta, tb = parse_gemm(shape)
        a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
        a, b = (a.T if ta else a), (b.T if tb else b)
        c = np.empty((m, n), np.float32)
        windows = []
        for window in range(3 + 5):
            runs, start = 0, time.perf_counter()
            while time.perf_counter() - start < 0.3:
                np.matmul(a, b, out=c)
                runs += 1
            if window >= 3:
                windows.append((time.perf_counter() - start) / runs)
        seconds[shape] = sum(windows) / len(windows)
    return seconds


def blas_name():
    import numpy as np
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"numpy {np.__version__}, {blas.get('name', 'BLAS')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy: no dict form of the build configuration
        return f"numpy {np.__version__}"


def numpy_seconds(shapes, threads, runs):
    """{threads: {shape: seconds}}, the median of runs processes each, or None without numpy."""
    try:
        import numpy  # noqa: F401 (only whether it is there)
    except ImportError:
        return None
    result = {}
    for count in sorted(threads):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(count), OMP_NUM_THREADS=str(count),
                   MKL_NUM_THREADS=str(count))
        timings = [json.loads(subprocess.run([sys.executable, __file__, "--numpy", *shapes], env=env, check=True,
                                             capture_output=True, text=True).stdout) for _ in range(runs)]
        result[count] = {shape: statistics.median(t[shape] for t in timings) for shape in shapes}
    return result


def paired_runs(directory):
    """
    [(JMH run, numpy's seconds at its shape or None, the FMA peak in GFLOP/s or None)] for every
    run in directory, each JMH JSON beside the peak measured right before it and the numpy timing
    taken right after it.
    """
    def beside(name, suffix):
        path = os.path.join(directory, name[:-len(".json")] + suffix)
        if not os.path.exists(path):
            return None
        with open(path) as f:
            return json.load(f)

    pairs = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json") or name.endswith(".numpy.json") or name.endswith(".peak.json"):
            continue
        with open(os.path.join(directory, name)) as f:
            runs = json.load(f)
        seconds = beside(name, ".numpy.json")
        peak = beside(name, ".peak.json")
        for run in runs:
            pairs.append((run, None if seconds is None else seconds[run["params"]["shape"]],
                          None if peak is None else peak["peak"]))
    return pairs


def median_run(run):
    """The median over JMH's forks of each fork's mean score: one JVM that ran slow does not move it."""
    forks = run["primaryMetric"].get("rawData") or [[run["primaryMetric"]["score"]]]
    return statistics.median(sum(fork) / len(fork) for fork in forks)


def merge_runs(rows):
    """
    One row per benchmark, backend, thread count and parameters. A paired GEMM row comes once per run:
    its merged row has the median run's time, and each run's time beside numpy's and the FMA peak
    (run_micros, paired_seconds, paired_peaks; the latter two empty where numpy or the peak did not
    run).
    """
    merged = {}
    for r in rows:
        key = (r["benchmark"], r["backend"], r["threads"], tuple(sorted(r["params"].items())))
        row = merged.setdefault(key, dict(r, run_micros=[], paired_seconds=[], paired_peaks=[]))
        row["run_micros"].append(r["micros"])
        row["paired_seconds"].append(r["seconds"])
        row["paired_peaks"].append(r["peak"])
    for row in merged.values():
        del row["seconds"], row["peak"]
        row["micros"] = statistics.median(row["run_micros"])
        for paired in ("paired_seconds", "paired_peaks"):
            if None in row[paired]:
                row[paired] = []
    return list(merged.values())


def print_machine(machine):
    """The header: what the machine is and what was chosen for it, from MachineHeader's JSON."""
    peaks = ", ".join(f"{threads} thread{'s' if threads != '1' else ''} {gflops:.0f}"
                      for threads, gflops in machine["peak"].items())
    core = os.environ.get("OPENBLAS_CORETYPE")
    print(f"CPU: {machine['cpu']}")
    print(f"Gale: {machine['backend']}")
    print(f"FMA peak, {machine['vectorBits']}-bit vectors (a Java FMA loop), GFLOP/s: {peaks}")
    if "hugePages" in machine:
        print(f"Java heap: {'transparent huge pages' if machine['hugePages'] else '4 KiB pages'}")
    own = os.environ.get("GALE_OPENBLAS_OWN")
    chosen = f" (OPENBLAS_CORETYPE set before the run; {own} would match Gale's vector width)" if core and own and core != own else ""
    print(f"OpenBLAS kernels: {core if core else 'its own detection'}{chosen}")


def main(paths):
    runs_wanted = 1
    if paths and paths[0] == "--runs":
        runs_wanted = int(paths[1])
        paths = paths[2:]
    machine = None
    if paths and paths[0] == "--machine":
        with open(paths[1]) as f:
            machine = json.load(f)
        paths = paths[2:]
        print_machine(machine)
    pairs = []
    if paths and paths[0] == "--paired":
        pairs = paired_runs(paths[1])
        paths = paths[2:]
    runs = []
    for path in paths:
        with open(path) as f:
            runs += json.load(f)
    cores = os.cpu_count()
    rows = []
    for run, seconds, peak in [(run, None, None) for run in runs] + pairs:
        params = run["params"]
        threads = int(params["threads"]) or cores
        metrics = run.get("secondaryMetrics", {})
        # JMH 1.37 names it plainly; earlier versions put a '·' in front.
        secondary = metrics.get("gc.alloc.rate.norm", metrics.get("·gc.alloc.rate.norm"))
        # The benchmarks take a spec's options after '+' (JMH splits parameters at commas).
        rows.append(dict(benchmark=run["benchmark"], backend=params["backend"].replace("+", ","), threads=threads,
                         params=params, micros=median_run(run), seconds=seconds, peak=peak,
                         alloc=None if secondary is None else secondary["score"]))
    rows = merge_runs(rows)
    gemm_shapes = sorted({r["params"]["shape"] for r in rows if r["benchmark"] == GEMM},
                         key=lambda s: (parse_gemm(s)[0] * parse_gemm(s)[1] * parse_gemm(s)[2] >= 512 ** 3,
                                        "NT TN NN".index(s[-2:]), s))
    unpaired = {r["threads"] for r in rows if r["benchmark"] == GEMM and not r["paired_seconds"]}
    numpy = numpy_seconds(gemm_shapes, unpaired, runs_wanted) if unpaired else None
    show_alloc = any(r["alloc"] is not None for r in rows)

    header = ["benchmark", "backend", "threads", "Gale", "% of peak", "OpenBLAS", "Gale/OpenBLAS", "unit"]
    if show_alloc:
        header.append("alloc B/op")
    table = []

    def add(label, r, value, unit, reference=None, share=None, ratio=None):
        if ratio is None and reference is not None:
            ratio = value / reference
        line = [label, r["backend"], str(r["threads"]), f"{value:.1f}",
                "" if share is None else f"{100 * share:.0f}%",
                "n/a" if reference is None else f"{reference:.1f}",
                "n/a" if ratio is None else f"{ratio:.2f}", unit]
        if show_alloc:
            line.append("" if r["alloc"] is None else f"{r['alloc']:.3f}")
        table.append(line)

    def ordered(benchmark, key):
        return sorted((r for r in rows if r["benchmark"] == benchmark),
                      key=lambda r: (key(r["params"]), r["backend"], r["threads"]))

    for r in ordered(GEMM, lambda p: gemm_shapes.index(p["shape"])):
        shape = r["params"]["shape"]
        m, n, k, _, _ = parse_gemm(shape)
        flops = 2.0 * m * n * k
        reference = None
        ratio = None
        if r["paired_seconds"]:
            reference = flops / statistics.median(r["paired_seconds"]) / 1e9
            ratio = statistics.median(seconds / micros * 1e6
                                      for micros, seconds in zip(r["run_micros"], r["paired_seconds"]))
        elif numpy is not None:
            reference = flops / numpy[r["threads"]][shape] / 1e9
        # The peak of the CPU threads the row ran on, measured right before each run where the row is
        # paired, else the header's; a device's rows have none.
        share = None
        if r["paired_peaks"]:
            share = statistics.median(flops / micros / 1e3 / peak
                                      for micros, peak in zip(r["run_micros"], r["paired_peaks"]))
        elif machine is not None and r["backend"].startswith("cpu") and str(r["threads"]) in machine["peak"]:
            share = flops / r["micros"] / 1e3 / machine["peak"][str(r["threads"])]
        add(f"GEMM {shape}", r, flops / r["micros"] / 1e3, "GFLOP/s", reference, share, ratio)
    for r in ordered(BIAS, lambda p: (p["function"], p["shape"])):
        rows_, cols = (int(s) for s in r["params"]["shape"].split("x"))
        add(f"bias+{r['params']['function'].lower()} {r['params']['shape']}", r,
            rows_ * cols / r["micros"] / 1e3, "Gelem/s")
    for r in ordered(STEP, lambda p: p["network"]):
        batch = int(r["params"]["network"].split("/")[1])
        add(f"Adam step {r['params']['network']}", r, batch / r["micros"] * 1e6, "samples/s")

    widths = [max(len(line[i]) for line in [header] + table) for i in range(len(header))]
    print()
    print("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths))))
    for line in table:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
    print()
    print("GEMM shapes are MxNxK:AB, A and B stored as is (N) or transposed (T): the step's forward X·Wᵀ is NT,")
    print("its weight gradients dZᵀ·X TN, its input gradients dZ·W NN. Units: per second, higher is better.")
    print("% of peak: of the FMA peak at the row's thread count, measured right before each run of the row")
    print("(cpu backend) or above (added CPU backends)."
          + (f" Each row: the median of {runs_wanted} runs." if runs_wanted > 1 else ""))
    if any(r["paired_seconds"] for r in rows):
        print("GEMM rows of the cpu backend: OpenBLAS timed right after Gale at the same shape and threads;")
        print("Gale/OpenBLAS is " + ("the median of the runs' ratios." if runs_wanted > 1 else "the ratio of the two."))
    timed = numpy is not None or any(r["paired_seconds"] for r in rows)
    print(f"OpenBLAS column: {blas_name()}" if timed else f"OpenBLAS column: n/a; {NUMPY_HINT}")
    summarise_steps(rows)


def summarise_steps(rows):
    """
    The GEMM share of the small step, the sum of its GEMMs' rows over the step's time, on one CPU
    thread only: on more, GEMMs timed one by one do not add up to the step, whose ops overlap neither
    idle workers nor the machine's noise the same way; on a device each GEMM timed alone also pays a
    whole plan's launch and synchronisation. Then each CPU step's scaling from one thread to the most.
    """
    gemm = {(r["backend"], r["threads"], r["params"]["shape"]): r["micros"] for r in rows if r["benchmark"] == GEMM}
    steps = {(r["backend"], r["threads"], r["params"]["network"]): r["micros"] for r in rows if r["benchmark"] == STEP}
    for (backend, threads, network), micros in sorted(steps.items()):
        parts = [gemm.get((backend, threads, shape)) for shape in step_gemms(network)]
        if network == SMALL_STEP and backend == "cpu" and threads == 1 and None not in parts:
            print(f"{backend}: on one thread the {network} step spends {sum(parts) / micros:.0%} of its"
                  f" time in GEMM ({sum(parts):.0f} of {micros:.0f} µs, from the GEMM rows above)")
    for (backend, threads, network), micros in sorted(steps.items()):
        one = steps.get((backend, 1, network))
        if backend == "cpu" and threads > 1 and one is not None:
            print(f"{backend}: the {network} step runs {one / micros:.2f}x faster on {threads} threads than on 1")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--numpy":
        print(json.dumps(time_numpy(sys.argv[2:])))
    elif len(sys.argv) >= 2 and not sys.argv[-1].startswith("--"):
        main(sys.argv[1:])
    else:
        sys.exit("usage: bench_table.py [--runs N] [--machine JSON] [--paired DIR] JMH_JSON...")
