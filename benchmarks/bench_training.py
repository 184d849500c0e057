"""How fast does gdcode train the book's MNIST network, compared with PyTorch?

Trains the 784-128-64-10 network (ReLU, softmax cross-entropy, plain SGD with
learning rate 0.01, float32) for one epoch on MNIST-shaped random data
(60000 x 784, 10 classes) at batch sizes 8, 128 and 60000, and prints samples
per second for

* gdcode: ``gdcode.fit(model, X, y, batch_size=b, epochs=1)``, and
* torch (when importable): the same network in ``torch.nn`` with
  ``torch.optim.SGD``, trained by the usual loop doing the same work as
  ``fit``: a seeded shuffle per epoch, ``loss.item()`` at every step (fit
  records every step's loss and checks it for divergence), and the accuracy on
  the whole training set at the end of the epoch.

Both use the same number of threads (NumPy's BLAS thread count; torch is set to
match). The two libraries are timed alternately within the same run (who goes
first alternates too), several times. The samples/s columns show each
library's best run. The ratio gdcode/torch (above 1: gdcode is faster) is
computed for each repeat from the two runs done back to back, which saw the
same machine load; the table shows its median and range over the repeats, and
the ratio of the two best runs.

Finally it reports the peak memory of one 60000-sample step, measured with
``tracemalloc`` (which sees every NumPy array allocation; PyTorch's allocator is
invisible to it, so no torch figure is given).

Usage::

    python benchmarks/bench_training.py              # the full measurement
    python benchmarks/bench_training.py --quick      # a few seconds, smoke test
    python benchmarks/bench_training.py --repeats 5
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc

import numpy as np

import gdcode

LAYER_SIZES = (784, 128, 64, 10)
LEARNING_RATE = 0.01


def make_data(n_samples: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-shaped random data: pixels in [0, 1), 10 classes, float32."""
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, LAYER_SIZES[0]), dtype=np.float32)
    y = rng.integers(0, LAYER_SIZES[-1], size=n_samples)
    return X, y


def numpy_threads() -> int:
    """Threads of NumPy's BLAS (what the matrix products use)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return 1
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(counts, default=1)


# ---------------------------------------------------------------------------
# one epoch in each library; each returns the seconds it took
# ---------------------------------------------------------------------------


def gdcode_epoch(X: np.ndarray, y: np.ndarray, batch_size: int) -> float:
    model = gdcode.MLP(LAYER_SIZES, activation="relu", loss="cross_entropy", rng=0,
                       dtype=np.float32)
    start = time.perf_counter()
    history = gdcode.fit(model, X, y, optimizer="sgd", learning_rate=LEARNING_RATE,
                         batch_size=batch_size, epochs=1, rng=0, progress=False)
    seconds = time.perf_counter() - start
    if history.diverged:  # pragma: no cover - lr 0.01 does not diverge
        raise RuntimeError("gdcode run diverged; the timing would be meaningless")
    return seconds


def make_torch_epoch(torch):
    """A function running one torch epoch, built once torch is imported."""
    nn = torch.nn

    def torch_epoch(X: np.ndarray, y: np.ndarray, batch_size: int) -> float:
        torch.manual_seed(0)
        model = nn.Sequential(
            nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10)
        )
        optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
        loss_fn = nn.CrossEntropyLoss()  # fused log-softmax + NLL, mean over the batch
        X_t = torch.from_numpy(X)  # shares memory, no copy
        y_t = torch.from_numpy(y).long()
        n = X_t.shape[0]
        generator = torch.Generator().manual_seed(0)
        losses = []
        start = time.perf_counter()
        order = torch.randperm(n, generator=generator) if batch_size < n else None
        for first in range(0, n, batch_size):
            if order is None:
                xb, yb = X_t, y_t
            else:
                batch = order[first : first + batch_size]
                xb, yb = X_t[batch], y_t[batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())  # like fit: every step's loss, as a number
        with torch.no_grad():
            accuracy = (model(X_t).argmax(dim=1) == y_t).float().mean().item()
        seconds = time.perf_counter() - start
        if not np.isfinite(accuracy):  # pragma: no cover
            raise RuntimeError("torch run failed")
        return seconds

    return torch_epoch


# ---------------------------------------------------------------------------
# memory
# ---------------------------------------------------------------------------


def peak_step_memory(X: np.ndarray, y: np.ndarray) -> tuple[int, int]:
    """Peak NumPy memory (bytes) of one full-batch step, and of a whole full-batch fit.

    The step is what ``fit`` does per step: forward and backward passes (in
    chunks of at most ``gdcode.network.CHUNK_ROWS`` rows), SGD update. ``X``
    and the model exist before tracing starts.
    """
    model = gdcode.MLP(LAYER_SIZES, rng=0, dtype=np.float32)
    y_checked = model._check_y(y, len(X))
    optimizer = gdcode.GradientDescent(LEARNING_RATE)
    tracemalloc.start()
    try:
        _, grads = model._batch_loss_and_gradients(X, y_checked)
        optimizer.step(model.params, grads)
        step_peak = tracemalloc.get_traced_memory()[1]
        del grads
        tracemalloc.reset_peak()
        gdcode.fit(model, X, y, learning_rate=LEARNING_RATE, batch_size=None, epochs=1,
                   progress=False)
        fit_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return step_peak, fit_peak


# ---------------------------------------------------------------------------
# how busy the machine was
# ---------------------------------------------------------------------------


def cpu_counters() -> tuple[float, float, float] | None:
    """(busy seconds of all CPUs, all seconds of all CPUs, CPU seconds of this process).

    Read from /proc/stat (Linux only; None elsewhere). Comparing two readings
    tells how much of the machine other programs used meanwhile, which is what
    makes timings on a shared machine go up and down.
    """
    try:
        with open("/proc/stat") as stat:
            fields = [float(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (sum(fields) - idle) / ticks, sum(fields) / ticks, usage.ru_utime + usage.ru_stime


def others_share(before, after) -> float | None:
    """Fraction of all CPU time that other processes used between two readings."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    others = (after[0] - before[0]) - (after[2] - before[2])
    return max(others, 0.0) / (after[1] - before[1])


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="512 samples and one repeat: a smoke run, not a measurement")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed runs per library and batch size (default 3; 1 with --quick)")
    parser.add_argument("--no-torch", action="store_true", help="time gdcode only")
    parser.add_argument("--batch-sizes", type=str, default=None,
                        help="comma-separated batch sizes (default: 8,128,n_samples)")
    args = parser.parse_args(argv)

    n_samples = 512 if args.quick else 60000
    repeats = args.repeats if args.repeats is not None else (1 if args.quick else 3)
    if repeats < 1:
        parser.error(f"--repeats must be >= 1, got {repeats}")
    batch_sizes = (8, 128, n_samples)
    if args.batch_sizes:
        batch_sizes = tuple(int(b) for b in args.batch_sizes.split(","))
    X, y = make_data(n_samples)
    threads = numpy_threads()

    runners = {"gdcode": gdcode_epoch}
    torch_note = "torch: not measured (--no-torch)"
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch_note = "torch: not installed, gdcode timed alone"
        else:
            torch.set_num_threads(threads)
            runners["torch"] = make_torch_epoch(torch)
            torch_note = f"torch {torch.__version__}, {torch.get_num_threads()} threads"

    print(f"MLP {'-'.join(map(str, LAYER_SIZES))}, ReLU, softmax cross-entropy, "
          f"SGD lr={LEARNING_RATE}, float32, one epoch of {n_samples} random samples")
    print(f"numpy {np.__version__} ({threads} BLAS threads); {torch_note}; "
          f"{repeats} interleaved repeats")
    print()

    # warm-up: first calls pay for imports, thread start-up and page faults
    for run in runners.values():
        run(X[:256], y[:256], 32)

    times: dict[tuple[str, int], list[float]] = {}
    counters_before = cpu_counters()
    for repeat in range(repeats):
        for batch_size in batch_sizes:
            names = list(runners)
            if repeat % 2:  # alternate who goes first
                names.reverse()
            for name in names:
                seconds = runners[name](X, y, batch_size)
                times.setdefault((name, batch_size), []).append(seconds)

    share = others_share(counters_before, cpu_counters())
    # samples/s: best run of each library. The ratio compares the two runs of
    # the same repeat, which ran back to back and so saw the same machine load;
    # its median over the repeats is the headline number, with the range beside it.
    header = f"{'batch size':>10}  {'gdcode samples/s':>16}"
    if "torch" in runners:
        header += (f"  {'torch samples/s':>15}  {'gdcode/torch':>12}  {'(range of repeats)':>18}"
                   f"  {'best/best':>9}")
    print(header)
    for batch_size in batch_sizes:
        gd_times = times[("gdcode", batch_size)]
        row = f"{batch_size:>10}  {n_samples / min(gd_times):>16,.0f}"
        if "torch" in runners:
            th_times = times[("torch", batch_size)]
            paired = [t / g for g, t in zip(gd_times, th_times, strict=True)]
            spread = f"{min(paired):.2f}-{max(paired):.2f}x"
            row += (f"  {n_samples / min(th_times):>15,.0f}  {statistics.median(paired):>11.2f}x"
                    f"  {spread:>18}  {min(th_times) / min(gd_times):>8.2f}x")
        print(row)
    if share is not None:
        print(f"(other programs used {share:.0%} of the machine's CPU time during these runs;"
              " on a busy machine the ratios scatter)")
    print()

    step_peak, fit_peak = peak_step_memory(X, y)
    data_mb = X.nbytes / 2**20
    print(f"peak NumPy memory of one {n_samples}-sample step (forward and backward arrays, "
          f"gradients; X itself, {data_mb:.0f} MiB, not counted): {step_peak / 2**20:.0f} MiB")
    print(f"peak NumPy memory of fit(batch_size=None, epochs=1) including its end-of-epoch "
          f"evaluation: {fit_peak / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
