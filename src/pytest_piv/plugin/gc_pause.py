"""Pausing the cyclic garbage collector around piv's bulk work inside a pytest run.

By the end of a large session the heap holds every item, report and fixture; a full
collection then takes tens of milliseconds. Loading or writing the ledger allocates a few
thousand short-lived objects, enough to trigger such collections several times, which cost
far more than the work itself. That work creates no reference cycles (its garbage is freed
by reference counting), so the collector is paused while it runs and restored afterwards.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; leave it as it was found."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
