"""Stage timings and progress bars (stderr) for the pipeline."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator


class Stages:
    """Times each stage and shows a progress bar per stage on stderr (tqdm; TQDM_DISABLE=1 hides it)."""

    def __init__(self, show: bool = True) -> None:
        self.timings: dict[str, float] = {}
        self.show = show

    @contextlib.contextmanager
    def stage(self, name: str, total: int = 1) -> Iterator[Callable[[int], None]]:
        from tqdm.auto import tqdm

        hide = {} if self.show else {"disable": True}  # otherwise TQDM_DISABLE decides
        bar = tqdm(total=total, desc=f"{name:<8}", leave=True, unit="step", **hide)
        start = time.perf_counter()
        try:
            yield bar.update
            bar.update(bar.total - bar.n)
        finally:
            bar.close()
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start
