"""One thread per numerical library while a CPU-bound kernel runs (DVH, cohort workers).

numpy's and scipy's OpenBLAS each start a pool of one thread per core. The DVH kernels make
many small BLAS calls, so the spare threads spin instead of helping: CPU time was twice the
wall time on the breast plan, with the same wall time on one thread. Cohort workers already use
one process or thread per core, so BLAS threads on top would oversubscribe the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["one_numerical_thread"]

_lock = threading.Lock()
_depth = 0
_limiter: Any = None


@contextmanager
def one_numerical_thread() -> Iterator[None]:
    """Limit the BLAS and OpenMP pools to one thread (a context manager and a decorator).

    The limit is process-wide (the pools are) and covers threads started inside the block; set it
    from the thread that starts the work (OpenBLAS 0.3.31 ignored it when set from a worker
    thread). Nested uses share it: the first one in sets it, the last one out restores the
    previous sizes.

    Yields
    ------
    None
        Inside the block, every threadpoolctl-visible pool has one thread.

    Examples
    --------
    >>> from threadpoolctl import threadpool_info
    >>> with one_numerical_thread():
    ...     all(pool["num_threads"] == 1 for pool in threadpool_info())
    True
    """
    global _depth, _limiter
    with _lock:
        if _depth == 0:
            from threadpoolctl import threadpool_limits

            _limiter = threadpool_limits(limits=1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _limiter.restore_original_limits()
                _limiter = None
