"""Demo data: organisations, staff sign-ins and synthetic families (`familyhub demo_setup`,
`familyhub demo_data`). Everything here is made up: Faker en_GB names, NHS numbers in the
never-issued 999 range, Ofcom drama phone numbers, example.com/.org e-mail addresses.

The family loader writes rows in bulk rather than through `people.services` (which records a
change history and an access-log row per write): demo rows have no author and no history, like a
fixture load. Search keys are still set through `people.search_keys.person_search_fields`.
"""

from __future__ import annotations

import gc
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from familyhub.core.demo.generator import TABLE_ORDER, Chunk, FamilyGenerator
from familyhub.core.demo.organisations import ensure_organisations
from familyhub.core.demo.reference import build_reference
from familyhub.core.demo.writer import Writer
from familyhub.core.errors import ApplicationError
from familyhub.people.models import Household


@dataclass
class LoadStats:
    families: int = 0
    people: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    generate_seconds: float = 0.0
    write_seconds: float = 0.0
    setup_seconds: float = 0.0

    @property
    def people_per_second(self) -> float:
        return self.people / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "families": self.families,
            "people": self.people,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "setup_seconds": round(self.setup_seconds, 3),
            "generate_seconds": round(self.generate_seconds, 3),
            "write_seconds": round(self.write_seconds, 3),
            "people_per_second": round(self.people_per_second, 1),
        }


def load_families(
    *,
    families: int | None = None,
    people: int | None = None,
    seed: int = 2026,
    batch: int = 20000,
    mode: str = "fast",
    today: date | None = None,
    using: str = "default",
    threaded: bool = True,
    shortcuts: bool = True,
    progress: Callable[[LoadStats], None] | None = None,
) -> LoadStats:
    """Generate and write families, `batch` families per transaction; `progress` after each.

    `shortcuts` allows the writer's measured bulk-load shortcuts (see `demo.writer.Writer`).
    With `threaded`, a second thread generates the next chunk while this one writes (the
    database drivers release the GIL while SQLite or PostgreSQL work). The generator alone
    touches its random state, so the rows are the same either way.
    """
    start = time.perf_counter()
    ensure_organisations(seed)
    generator = FamilyGenerator(seed, build_reference(), today=today or timezone.localdate())
    writer = Writer(using=using, mode=mode, bypass=shortcuts)
    stats = LoadStats(setup_seconds=time.perf_counter() - start)
    chunks = generator.chunks(families=families, people=people, batch=batch)
    # Millions of small tuples: the cyclic GC would walk them again and again for nothing.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        source = _ahead(chunks) if threaded else chunks
        first = True
        while True:
            t0 = time.perf_counter()
            chunk = next(source, None)
            stats.generate_seconds += time.perf_counter() - t0
            if chunk is None:
                break
            if first:
                _refuse_reload(chunk, seed, using)
                first = False
            writer.write(chunk)
            stats.families += chunk.families
            stats.people += len(chunk.person)
            stats.write_seconds = writer.stats.seconds
            stats.seconds = time.perf_counter() - start
            if progress:
                progress(stats)
    finally:
        if threaded:
            source.close()  # type: ignore[attr-defined]
        writer.close()
        if gc_was_enabled:
            gc.enable()
    stats.rows = {t: writer.stats.rows[t] for t in TABLE_ORDER}
    stats.write_seconds = writer.stats.seconds
    stats.seconds = time.perf_counter() - start
    return stats


_DONE = object()


def _ahead(chunks: Iterator[Chunk], depth: int = 2) -> Generator[Chunk, None, None]:
    """Run `chunks` in a thread, up to `depth` chunks ahead of the consumer."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        q.put(chunk, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_DONE)
        except BaseException as e:  # handed to the consumer, raised there
            q.put(e)

    thread = threading.Thread(target=produce, name="demo-generator", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


class AlreadyLoaded(ApplicationError):
    code = "already_loaded"


def _refuse_reload(chunk: Chunk, seed: int, using: str) -> None:
    """The same seed makes the same UUIDs: say so plainly instead of failing on a unique index."""
    first_uuid = chunk.household[0][1]
    if Household.objects.using(using).filter(uuid=first_uuid).exists():
        raise AlreadyLoaded(
            f"Families from seed {seed} are already in this database; use another --seed."
        )
