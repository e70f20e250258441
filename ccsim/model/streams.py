"""Random streams: one independent generator per (replication, purpose, name).

Streams are keyed by the *name* of the contact type or pool and by the purpose of the draws,
never by the order in which the model asks for them. Two plans that differ only in staffing
therefore see the same arrivals, handle times and patience draws (common random numbers), and a
replication gives the same numbers whichever process or machine runs it.
"""

from __future__ import annotations

import itertools
import zlib
from typing import Callable, Iterator

import numpy as np

from ..distributions import DistributionBase

#: Purposes get fixed codes: adding one must never renumber the others, and a retired code (13)
#: is never reused, so a seed keeps giving the same draws.
PURPOSES = {
    "arrivals": 1,
    "handle": 2,
    "patience": 3,
    "busyness": 4,
    "tolerance": 5,
    "redial": 6,
    "transfer": 7,
    "callback": 8,
    "balk": 9,
    "bot": 10,
    "shrinkage": 11,
    "complication": 12,
    "after_contact_work": 14,
    "hop": 15,
    "silent": 16,
    "resolution": 17,
    "state": 18,
}

BATCH = 4096


def replication_seed(seed: int, replication: int, purpose: str, name: str = "") -> np.random.SeedSequence:
    """The SeedSequence ``SeedSequence(seed).spawn(...)[replication]`` extended by purpose and name."""
    return np.random.SeedSequence(seed, spawn_key=(replication, PURPOSES[purpose], zlib.crc32(name.encode())))


def generator(seed: int, replication: int, purpose: str, name: str = "") -> np.random.Generator:
    return np.random.default_rng(replication_seed(seed, replication, purpose, name))


def _batches(draw_batch: Callable[[], np.ndarray]) -> Iterator[float]:
    """Endless draws, a numpy batch at a time. Built from C iterators (the callable form of
    ``iter`` and ``chain``) rather than a generator, so a draw costs no Python frame."""
    return itertools.chain.from_iterable(iter(lambda: draw_batch().tolist(), None))


def draws(dist: DistributionBase, rng: np.random.Generator, batch: int = BATCH) -> Callable[[], float]:
    """A zero-argument function returning the next draw; numpy fills a batch at a time."""
    return _batches(lambda: dist.sample(rng, batch)).__next__


def uniforms(rng: np.random.Generator, batch: int = BATCH) -> Callable[[], float]:
    """Next U(0,1) draw, batched: for yes/no decisions (redial? transfer? accept a callback?)."""
    return _batches(lambda: rng.random(batch)).__next__
