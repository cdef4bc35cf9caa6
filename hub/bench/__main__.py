"""Entry point of the benchmarks: `python -m hub.bench NAME`, printing one JSON line."""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Callable

import click


@click.group()
def bench() -> None:
    """Benchmarks of the hub; each prints one JSON line on standard output."""
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.ERROR)


def progress(text: str) -> None:
    """Tell how a benchmark is going, on standard error."""
    click.echo(f"bench: {text}", err=True)


def report(measure: Callable[[Path], dict], work_dir: Path | None) -> None:
    """Run a benchmark in its work directory (a temp one unless given) and print its JSON line."""
    work_dir = work_dir or Path(tempfile.mkdtemp(prefix="hub-bench-"))
    result = measure(work_dir)
    result["logs"] = str(work_dir)
    click.echo(json.dumps(result))


@bench.command("aggregator")
@click.option("--events", default=200_000, show_default=True, help="Events the batched hub handles.")
@click.option("--naive-events", default=20_000, show_default=True,
              help="Events sent one per message to the naive Faust agent.")
@click.option("--single-events", default=200_000, show_default=True,
              help="Events sent one per message to raw aiokafka and the hub.")
@click.option("--records", default=1_000_000, show_default=True, help="Register size for recovery and memory.")
@click.option("--batch-size", default=500, show_default=True, help="Events per RecordEventBatch.")
@click.option("--partitions", default=6, show_default=True, help="Partitions of every topic.")
@click.option("--seed", default=577, show_default=True, help="Seed of the simulated regional registers.")
@click.option("--profile", type=click.Path(path_type=Path), help="Write a cProfile of the batched worker here.")
@click.option("--work-dir", type=click.Path(path_type=Path), help="Where worker logs go (default: a temp dir).")
@click.option("--rounds", default=3, show_default=True, type=click.IntRange(1),
              help="Times the timed phases run; each figure is their median, with _min and _max.")
def aggregator(events: int, naive_events: int, single_events: int, records: int, batch_size: int, partitions: int,
               seed: int, profile: Path | None, work_dir: Path | None, rounds: int) -> None:
    """Batched aggregator vs one event per message vs raw aiokafka reads; recovery and memory at 1M."""
    from hub.bench.aggregator import run

    report(lambda folder: run(events, naive_events, single_events, records, batch_size, partitions, seed, folder, profile,
                              rounds, progress=progress), work_dir)


@bench.command("connectors")
@click.option("--rows", default=50_000, show_default=True, help="Outbox rows, and card-file rows, to move.")
@click.option("--deliveries", default=5_000, show_default=True, help="Notifications the webhook sink delivers.")
@click.option("--units", default=20, show_default=True, help="Units the notifications go to.")
@click.option("--work-dir", type=click.Path(path_type=Path), help="Where files go (default: a temp dir).")
def connectors(rows: int, deliveries: int, units: int, work_dir: Path | None) -> None:
    """Outbox relay and importer rows per second (vs raw aiokafka produce), webhook deliveries per second."""
    from hub.bench.connectors import run

    report(lambda folder: run(rows, deliveries, units, folder, progress=progress), work_dir)


@bench.command("quality")
@click.option("--persons", default=100_000, show_default=True, help="Generated persons enrolled and checked.")
@click.option("--strangers", default=20_000, show_default=True, help="Generated persons checked but not enrolled.")
@click.option("--seed", default=577, show_default=True, help="Seed of the generated set (the model trains on 1001).")
@click.option("--work-dir", type=click.Path(path_type=Path), help="Where logs go (default: a temp dir).")
def quality(persons: int, strangers: int, seed: int, work_dir: Path | None) -> None:
    """Precision and recall of the matcher and of Splink on FEBRL4 and a national Kazakh/Russian set."""
    from hub.bench.quality import run

    report(lambda folder: run(persons, strangers, seed, folder, progress=progress), work_dir)


@bench.command("fuzz")
@click.option("--inputs", default=1_000_000, show_default=True, help="Malformed inputs sent (half events, half checks).")
@click.option("--seed", default=577, show_default=True, help="Seed of the mutations.")
@click.option("--work-dir", type=click.Path(path_type=Path), help="Where worker logs go (default: a temp dir).")
def fuzz(inputs: int, seed: int, work_dir: Path | None) -> None:
    """Malformed events and check requests through the broker to a running aggregator and matcher."""
    from hub.bench.fuzz import run

    report(lambda folder: run(inputs, seed, folder, progress=progress), work_dir)


@bench.command("matcher")
@click.option("--persons", default=1_000_000, show_default=True, help="Persons on the register.")
@click.option("--things", default=1_000_000, show_default=True, help="Vehicles on the register.")
@click.option("--rate", default=1000.0, show_default=True, help="Checks per second offered.")
@click.option("--seconds", default=60.0, show_default=True, help="How long checks are offered.")
@click.option("--warm-up-s", default=20.0, show_default=True, type=click.FloatRange(0),
              help="Untimed checks at the rate before each timed phase (the baselines' too).")
@click.option("--seed", default=577, show_default=True, help="Seed of the generated register and checks.")
@click.option("--work-dir", type=click.Path(path_type=Path), help="Where logs go (default: a temp dir).")
@click.option("--rounds", default=3, show_default=True, type=click.IntRange(1),
              help="Times the timed phases run; each figure is their median, with _min and _max.")
def matcher(persons: int, things: int, rate: float, seconds: float, warm_up_s: float, seed: int,
            work_dir: Path | None, rounds: int) -> None:
    """Index build rate and memory over a large register, then check latency at a fixed rate."""
    from hub.bench.matcher import run

    report(lambda folder: run(persons, things, rate, seconds, seed, folder, rounds, progress=progress,
                              warm_up_s=warm_up_s), work_dir)



@bench.command("scale")
@click.option("--events", default=60_000, show_default=True, help="Events applied by 1, then 2 aggregators.")
@click.option("--batches-per-s", "per_s", default=20.0, show_default=True,
              help="Batches of 50 events a second in the stream the faults hit.")
@click.option("--stream-s", "stream_s", default=150.0, show_default=True, help="How long that stream lasts.")
@click.option("--persons", default=1_000_000, show_default=True, help="Persons on the register the matchers index.")
@click.option("--things", default=1_000_000, show_default=True, help="Vehicles on that register.")
@click.option("--rate", default=2000.0, show_default=True, help="Checks per second offered to 1, then 2 matchers.")
@click.option("--seconds", default=30.0, show_default=True, help="How long checks are offered to each.")
@click.option("--no-matchers", is_flag=True, help="Leave out the matchers' half.")
@click.option("--seed", default=577, show_default=True, help="Seed of the simulated events.")
@click.option("--work-dir", type=click.Path(path_type=Path), help="Where logs go (default: a temp dir).")
def scale(events: int, per_s: float, stream_s: float, persons: int, things: int, rate: float, seconds: float,
          no_matchers: bool, seed: int, work_dir: Path | None) -> None:
    """On three local brokers: aggregators 1 vs 2, the time back to no lag after a broker and a worker loss,
    and check latency with 1 vs 2 matchers."""
    from hub.bench.scale import run

    matchers = None if no_matchers else {"persons": persons, "things": things, "rate": rate, "seconds": seconds}
    report(lambda folder: run(events, per_s, stream_s, seed, folder, progress=progress, matchers=matchers),
           work_dir)


if __name__ == "__main__":
    sys.exit(bench())
