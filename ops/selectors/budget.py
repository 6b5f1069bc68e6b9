"""The connection budget: how many PostgreSQL connections the whole formation may hold at once.

Pure arithmetic (no database), so it is easy to test for many formations. Each process opens its
own pool (or, with pooling off, one persistent connection per thread that touches the database):

* web dyno: ``pool max + 1`` (its threads share the pool; the heartbeat has its own connection, so
  an exhausted pool is still reported), or ``threads + 1`` (+ the heartbeat thread)
* worker dyno: ``concurrency`` prefork children + the parent, each holding its pool's minimum
  (a child runs one task at a time, so its pool never grows past ``max(min, 1)``)
* beat: the scheduler and the heartbeat thread: ``max(min, 2)``
* release: one ``migrate`` at a time during a deploy: ``max(min, 1)``
* headroom: one-off dynos, ``psql``, consoles.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PoolConfig:
    pool_max: int  # 0 = pooling off: persistent per-thread connections
    pool_min: int = 2

    def per_process(self, threads_using_db: int) -> int:
        if self.pool_max <= 0:
            return threads_using_db
        return min(self.pool_max, max(self.pool_min, threads_using_db))


@dataclass(frozen=True)
class Formation:
    web: int = 1
    worker: int = 1
    beat: int = 1
    web_threads: int = 90
    worker_concurrency: int = 2


@dataclass
class Budget:
    lines: list[tuple[str, str, int]] = field(default_factory=list)  # (what, how, connections)
    headroom: int = 0
    max_connections: int = 0
    reserved: int = 0
    rule_of_thumb_need: int = 0
    rule_of_thumb_limit: int = 0

    @property
    def needed(self) -> int:
        return sum(n for _, _, n in self.lines) + self.headroom

    @property
    def available(self) -> int:
        return self.max_connections - self.reserved

    @property
    def spare(self) -> int:
        return self.available - self.needed

    @property
    def fits(self) -> bool:
        return self.spare >= 0

    @property
    def rule_of_thumb_fits(self) -> bool:
        return self.rule_of_thumb_need < self.rule_of_thumb_limit

    def verdict(self) -> str:
        head = f"The formation needs up to {self.needed} connections of the {self.available} available"
        head += f" ({self.max_connections} max_connections − {self.reserved} reserved)"
        if self.fits:
            return f"{head}: it fits, with {self.spare} to spare."
        return f"{head}: it does not fit — {-self.spare} short. Lower DB_POOL_MAX_SIZE or the dyno counts."

    def rule_of_thumb_verdict(self) -> str:
        sign = "<" if self.rule_of_thumb_fits else "≥"
        outcome = "would pass" if self.rule_of_thumb_fits else "would fail"
        return (
            f"The old rule of thumb (web dynos × threads < max_connections − 100) {outcome}: "
            f"{self.rule_of_thumb_need} {sign} {self.rule_of_thumb_limit}. It assumed every waitress thread "
            "held its own connection; with a pool, web dynos hold at most their pool's size."
        )


def connection_budget(
    *, formation: Formation, pool: PoolConfig, max_connections: int, reserved: int, headroom: int
) -> Budget:
    web_each = pool.per_process(formation.web_threads + 1) + (1 if pool.pool_max > 0 else 0)
    worker_each = (formation.worker_concurrency + 1) * pool.per_process(1)
    beat_each = pool.per_process(2)
    mode = "per-thread connections" if pool.pool_max <= 0 else f"pool min {pool.pool_min} / max {pool.pool_max}"
    budget = Budget(headroom=headroom, max_connections=max_connections, reserved=reserved)
    budget.lines = [
        ("web", f"{formation.web} × {web_each} ({formation.web_threads} threads, {mode})", formation.web * web_each),
        (
            "worker",
            f"{formation.worker} × {worker_each} ({formation.worker_concurrency} children + parent, {mode})",
            formation.worker * worker_each,
        ),
        ("beat", f"{formation.beat} × {beat_each}", formation.beat * beat_each),
        ("release", f"1 × {pool.per_process(1)} (during a deploy)", pool.per_process(1)),
    ]
    budget.rule_of_thumb_need = formation.web * formation.web_threads
    budget.rule_of_thumb_limit = max_connections - 100
    return budget
