"""The sampler's figures over time (``ops.Sample``), as series for the portal's charts."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ops.models import Sample


@dataclass
class Series:
    label: str
    points: list[tuple[dt.datetime, float]]


def sample_series(metric: str, *, hours: int = 24, keys: list[str] | None = None, limit: int = 8) -> list[Series]:
    """One series per key of ``metric`` over the last ``hours`` (an index range on metric, time)."""
    since = timezone.now() - dt.timedelta(hours=hours)
    rows = Sample.objects.filter(metric=metric, taken_at__gte=since).order_by("taken_at")
    if keys is not None:
        rows = rows.filter(key__in=keys)
    grouped: dict[str, list] = {}
    for key, taken_at, value in rows.values_list("key", "taken_at", "value"):
        grouped.setdefault(key or metric, []).append((taken_at, value))
    busiest = sorted(grouped.items(), key=lambda item: -max(v for _, v in item[1]))[:limit]
    return [Series(label, points) for label, points in sorted(busiest)]
