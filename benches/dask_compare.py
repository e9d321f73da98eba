"""munflow.dask against the same summary-only run on one machine, and what a
task costs.

    .venv/bin/python benches/dask_compare.py                    # n = 2e7, 1 and 2 workers
    .venv/bin/python benches/dask_compare.py --n 1e8 --workers 1 2 4
    .venv/bin/python benches/dask_compare.py --task-chunks 64   # a fixed task size
    .venv/bin/python benches/dask_compare.py --repeat 3         # best of 3 timed runs

The model is the reference model of ``compare_numpy.py`` (five outputs), run
summary-only at the default quantiles with the same seed everywhere:

* locally, ``Model(outputs).run(n, seed, store="summary")`` on all cores, and
  on one thread (the cost of a sample on one core);
* with ``munflow.dask.run`` on a LocalCluster of 1, 2, ... worker processes
  of one thread each, and one worker of two threads (``--no-shared``: not),
  each cluster started and warmed up (munflow imported on its workers) before
  the timed run. Every result must equal the local one bit for bit (exit
  status 1 otherwise).

Wall times are the best of ``--repeat`` runs; CPU times (the mean) add up
every process (the workers, and this one, which holds the client and the
LocalCluster's scheduler): on a shared or throttled machine, where wall times
wander, they show what the cluster spent.

Then, on a cluster of two one-thread workers, what a task costs beyond its
compute:

* dask's floor: many no-op tasks (``client.map``), wall time per task;
* munflow's: the same run (``--overhead-n``) with tasks of 1 chunk and with
  one task a pass. The difference in wall time times the worker threads (and
  in CPU time), divided by the difference in tasks, is the overhead of a task
  with its share of the merges. Most of it is the result a task sends back:
  the moments pass carries each output's histogram (its size per output is
  printed), encoded, shipped and merged whatever the chunks behind it.

Last, an estimate on paper for ``--paper-n`` samples on ``--nodes`` nodes of
``--cores-per-node`` cores, from the cost of a sample on one core and the
overhead of a task measured here, assuming perfect scaling otherwise and
dask's scheduler handling tasks one at a time at the floor measured here (a
pessimistic figure for a scheduler with a core of its own), in two layouts: a
one-thread task a core (tasks just big enough for 1% overhead), and a task a
node using all its cores (``threads_per_task=None``, one worker thread a node).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_numpy import munflow_model  # noqa: E402

CHUNK = 4096
#: Pilot chunks (the first pass covers only these).
PILOT_CHUNKS = 16


def _size(text: str) -> int:
    value = float(text)
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"n must be a positive whole number, got {text}")
    return int(value)


#: Timed runs of each measurement; the best counts (set by --repeat).
REPEAT = 1


def _timed(fn, cpu=time.process_time):
    """The best wall time of REPEAT calls (a shared machine only slows runs
    down), their mean CPU time by ``cpu()``, and the last call's result."""
    best, spent = math.inf, 0.0
    for _ in range(REPEAT):
        before = cpu()
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
        spent += cpu() - before
    return best, spent / REPEAT, out


def _worker_cpu() -> float:
    """CPU seconds of this worker process (run on the workers)."""
    import psutil

    times = psutil.Process().cpu_times()
    return times.user + times.system


def _cluster_cpu(client):
    """CPU seconds of the workers plus this process (client and scheduler)."""
    return lambda: sum(client.run(_worker_cpu).values()) + time.process_time()


def _same(a, b) -> bool:
    x, y = a.summary(), b.summary()
    return list(x.index) == list(y.index) and bool((x.values == y.values).all())


def _passes(outputs, n: int, seed: int) -> list[tuple[int, int]]:
    """The chunk range of each pass of this run (driven here, on one machine)."""
    from munflow import _core

    job = _core.SummaryJob(n, len(outputs), [0.05, 0.25, 0.5, 0.75, 0.95])
    ranges = []
    while (step := job.next_pass()) is not None:
        summary_pass, a, b = step
        ranges.append((a, b))
        job.absorb(_core._run_summary_pass(outputs, n, seed, summary_pass, a, b))
    return ranges


def _tasks(passes: list[tuple[int, int]], task_chunks: int, fanin: int = 8) -> tuple[int, int]:
    """Tasks of a run: the passes' tasks, and the merges of their trees."""
    leaves = merges = 0
    for a, b in passes:
        level = math.ceil((b - a) / task_chunks)
        leaves += level
        while level > 1:
            level = math.ceil(level / fanin)
            merges += level
    return leaves, merges


def _noop(x):
    return x


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=_size, default=20_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--task-chunks", type=int, help="chunks per task (default: munflow's)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-shared", action="store_true", help="skip 1 worker x 2 threads")
    parser.add_argument("--overhead-n", type=_size, default=2_000_000)
    parser.add_argument("--noop-tasks", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1, help="best of this many timed runs")
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--cores-per-node", type=int, default=32)
    parser.add_argument("--paper-n", type=float, default=1e11)
    args = parser.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)

    import distributed

    import munflow as mf
    import munflow.dask
    from munflow import _core

    model = mf.Model(munflow_model())
    n, seed = args.n, args.seed
    ok = True

    print(f"reference model, {len(model.outputs)} outputs, summary-only, n = {n:.3g}, seed {seed}")
    print("  (wall: best of --repeat runs; cpu: all the processes' CPU seconds, client included)")
    model.run(100_000, seed, store="summary")  # warm-up
    t_local, c_local, local = _timed(lambda: model.run(n, seed, store="summary"))
    t_one, c_one, one = _timed(lambda: model.run(n, seed, store="summary", threads=1))
    ok &= _same(one, local)
    per_sample = t_one / n
    print(f"  local, all cores:               {t_local:6.2f} s wall {c_local:6.2f} s cpu")
    print(
        f"  local, 1 thread:                {t_one:6.2f} s wall {c_one:6.2f} s cpu "
        f"({per_sample * 1e9:.0f} ns a sample)"
    )

    layouts = [(w, 1) for w in args.workers] + ([] if args.no_shared else [(1, 2)])
    for workers, threads in layouts:
        with (
            distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=threads,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            client.wait_for_workers(workers)
            munflow.dask.run(model, 200_000, seed, client=client)  # warm-up
            t, c, got = _timed(
                lambda: munflow.dask.run(
                    model, n, seed, client=client, task_chunks=args.task_chunks
                ),
                cpu=_cluster_cpu(client),
            )
        same = _same(got, local) and got.events == local.events
        ok &= same
        print(
            f"  dask {workers} worker(s) x {threads} thread(s): {t:6.2f} s wall {c:6.2f} s cpu "
            f"(x{t / t_local:.2f} local all cores, x{t / t_one:.2f} local 1 thread), "
            f"{'identical' if same else 'DIFFERENT'}"
        )

    # What a task costs beyond its compute.
    m = args.overhead_n
    outputs = list(model._outputs)
    passes = _passes(outputs, m, seed)
    chunks = passes[-1][1]
    (small, small_merges), (large, _) = _tasks(passes, 1), _tasks(passes, chunks)
    # The size of a moments result (the second pass) for one output.
    job = _core.SummaryJob(m, len(outputs), [0.05, 0.25, 0.5, 0.75, 0.95])
    pilot, a, b = job.next_pass()
    job.absorb(_core._run_summary_pass(outputs, m, seed, pilot, a, b))
    moments, _, _ = job.next_pass()
    result_bytes = len(_core._run_summary_pass(outputs, m, seed, moments, 0, 1, threads=1))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.wait_for_workers(2)
        thread_count = sum(client.nthreads().values())
        client.gather(client.map(_noop, range(100), pure=False))  # warm-up
        t_noop, _, _ = _timed(
            lambda: client.gather(client.map(_noop, range(args.noop_tasks), pure=False))
        )
        munflow.dask.run(model, 200_000, seed, client=client)  # warm-up
        cpu = _cluster_cpu(client)
        t_small, c_small, a = _timed(
            lambda: munflow.dask.run(model, m, seed, client=client, task_chunks=1), cpu=cpu
        )
        t_large, c_large, b = _timed(
            lambda: munflow.dask.run(model, m, seed, client=client, task_chunks=chunks), cpu=cpu
        )
        ok &= _same(a, b)
    floor = t_noop / args.noop_tasks
    # A pass's task and its share of the merges: worker time (wall x threads,
    # which counts waiting too) and CPU time (all processes), a task.
    overhead = (t_small - t_large) * thread_count / (small - large)
    overhead_cpu = (c_small - c_large) / (small - large)
    print(f"\nper-task cost (2 workers x 1 thread, n = {m:.3g}, {len(passes)} passes):")
    print(f"  dask floor, no-op tasks:  {floor * 1e3:6.2f} ms wall a task")
    print(
        f"  munflow, 1-chunk tasks:   {t_small:6.2f} s for {small} tasks + {small_merges} "
        f"merges; one task a pass: {t_large:.2f} s for {large} tasks"
    )
    print(
        f"  overhead a task:          {overhead * 1e3:6.2f} ms of a worker thread, "
        f"{overhead_cpu * 1e3:.2f} ms cpu (a moments result: "
        f"{result_bytes / len(outputs) / 1e3:.0f} kB an output)"
    )

    # On paper: a bigger cluster with these costs, perfect scaling otherwise,
    # and dask's scheduler handling tasks one at a time at the floor measured
    # here (pessimistic: a scheduler with a core of its own is faster).
    nodes, per_node = args.nodes, args.cores_per_node
    cores = nodes * per_node
    full_passes = len(passes) - 1  # the pilot covers PILOT_CHUNKS chunks only
    pass_chunk_cost = per_sample * CHUNK / full_passes  # a chunk in a pass, one core
    big_n = args.paper_n
    big_chunks = math.ceil(big_n / CHUNK)
    compute = big_n * per_sample / cores
    print(f"\non paper: {nodes} nodes x {per_node} cores, n = {big_n:.3g}")
    print(
        f"  a chunk ({CHUNK} samples) costs {pass_chunk_cost * 1e3:.2f} ms of a core a pass "
        f"({full_passes} passes over all chunks); compute alone {compute:.1f} s"
    )

    def layout(name: str, tasks: int, task_cores: int) -> None:
        task_chunks = math.ceil(big_chunks / tasks)
        # Pessimistic: all the task's cores wait while its result is shipped.
        share = overhead * task_cores / (task_chunks * pass_chunk_cost)
        scheduler = full_passes * tasks * 8 / 7 * floor  # tasks and merges
        wall = max(compute * (1 + share), scheduler) + PILOT_CHUNKS * pass_chunk_cost
        print(
            f"  {name}: {tasks} tasks of {task_chunks} chunks "
            f"({task_chunks * CHUNK / 1e6:.1f}M samples) a pass, task overhead "
            f"{share:.1%}, scheduler {scheduler:.1f} s a run: about {wall:.0f} s"
        )

    # A worker thread a core, threads_per_task=1: tasks big enough for 1%
    # overhead, and at least a task a core.
    per_core = max(cores, math.ceil(big_chunks / math.ceil(overhead / (0.01 * pass_chunk_cost))))
    layout("a task a core (threads_per_task=1)", per_core, 1)
    # A one-thread worker a node, threads_per_task=None: munflow's default of
    # 4 tasks a worker thread.
    layout("a task a node (threads_per_task=None)", 4 * nodes, per_node)
    print("\nall results identical" if ok else "\nRESULTS DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
