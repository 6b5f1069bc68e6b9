"""Server-rendered SVG charts for the portal: no JavaScript, no inline style, no CDN (CSP-safe).

Each chart spans the content width, labels both axes, and carries its values as SVG ``<title>``
elements, which browsers show on hover. Each chart is listed once in ``CHARTS`` with the
permission of the role that needs it and why (its caption says who it is for).
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ops.selectors.samples import Series, sample_series

COLOURS = ["#2f6fb0", "#d0342c", "#2e9d4f", "#e2a400", "#7b4fb0", "#1b9aaa", "#8c564b", "#555555"]
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 960, 220, 70, 20, 14, 40
HOVER_POINTS = 144  # per series: one hover target per 10 minutes of a day keeps the page light


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    metric: str
    y_label: str
    permission: str
    audience: str  # who needs it, for what (shown under the title)
    unit: str = ""


CHARTS = {spec.key: spec for spec in [
    ChartSpec("queue_depth", "Queue depth", "queue.depth", "messages waiting", "django_celery_results.view_taskresult",
              "Support and developers: is work piling up faster than workers take it?"),
    ChartSpec("tasks_failed", "Tasks failed per minute", "tasks.failed", "failures / min",
              "django_celery_results.view_taskresult", "Support and developers: did emails or imports start failing?"),
    ChartSpec("tasks_succeeded", "Tasks succeeded per minute", "tasks.succeeded", "tasks / min",
              "django_celery_results.view_taskresult", "Developers: throughput of each task."),
    ChartSpec("web_p95", "Web p95 latency per dyno", "web.p95_ms", "p95 latency (ms)", "ops.view_dynos",
              "Support and developers: is the site slow for customers right now?", " ms"),
    ChartSpec("memory", "Memory per dyno", "process.rss_mb", "memory (MiB)", "ops.view_dynos",
              "Support and developers: a dyno growing towards its memory limit (then it is restarted).", " MiB"),
    ChartSpec("db_connections", "Database connections", "db.connections", "connections", "ops.view_database_budget",
              "Support and developers: connections by state, against the budget on the Database page."),
]}

DASHBOARD = ("queue_depth", "tasks_failed", "web_p95", "memory", "db_connections")


def line_chart(title: str, series: list[Series], *, hours: int = 24, unit: str = "", y_label: str = "",
               audience: str = "", height: int = HEIGHT) -> SafeString:
    """An SVG chart of ``series`` over the last ``hours``; says "no samples yet" when empty."""
    end = timezone.now()
    start = end - dt.timedelta(hours=hours)
    top = _nice_top(max([v for s in series for _, v in s.points] + [1]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM

    def x(when):
        return LEFT + plot_w * max(0.0, (when - start).total_seconds()) / (end - start).total_seconds()

    def y(value):
        return TOP + plot_h * (1 - value / top)

    legend_rows = (len(series) + 3) // 4
    box = f"0 0 {WIDTH} {height + 18 * legend_rows}"
    parts = [f'<svg class="ops-chart" xmlns="http://www.w3.org/2000/svg" viewBox="{box}"'
             f' role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" class="ops-chart-frame"/>']
    ticks = _ticks(top)
    for step in range(ticks + 1):
        value = top * step / ticks
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}"'
                     ' class="ops-chart-grid"/>'
                     f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" class="ops-chart-tick">'
                     f'{_figure(value)}</text>')
    for step in range(0, hours + 1, max(1, hours // 8)):
        when = start + dt.timedelta(hours=step)
        parts.append(f'<text x="{x(when):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" class="ops-chart-tick">'
                     f'{when:%H:%M}</text>')
    parts.append(f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h + 34}" text-anchor="middle"'
                 f' class="ops-chart-axis">time (UTC), last {hours} h</text>')
    parts.append(f'<text transform="translate(14 {TOP + plot_h / 2}) rotate(-90)" text-anchor="middle"'
                 f' class="ops-chart-axis">{escape(y_label or unit.strip() or "value")}</text>')
    if not series:
        parts.append(f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle"'
                     ' class="ops-chart-empty">no samples yet</text>')
    for index, one in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        if len(one.points) > 1:
            coords = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in one.points)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{coords}"/>')
        for when, value in _hover_points(one.points):
            tip = f"{one.label} at {when:%H:%M} UTC: {_figure(value)}{unit}"
            parts.append(f'<circle class="ops-chart-point" r="4" fill="{colour}" cx="{x(when):.1f}"'
                         f' cy="{y(value):.1f}"><title>{escape(tip)}</title></circle>')
        legend_x = LEFT + (index % 4) * (plot_w / 4)
        legend_y = height + 12 + 18 * (index // 4)
        latest = one.points[-1][1] if one.points else None
        label = f"{one.label} (now {_figure(latest)}{unit})" if latest is not None else one.label
        parts.append(f'<rect x="{legend_x:.1f}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{legend_x + 14:.1f}" y="{legend_y}" class="ops-chart-legend">{escape(label)}</text>')
    parts.append("</svg>")
    caption = f"<figcaption>{escape(title)}"
    if audience:
        caption += f' <span class="ops-chart-audience">— {escape(audience)}</span>'
    caption += "</figcaption>"
    return mark_safe(f'<figure class="ops-figure">{caption}{"".join(parts)}</figure>')


def bar_chart(title: str, bars: list[tuple[str, list[tuple[str, float]]]], *, x_label: str, unit: str = "",
              audience: str = "") -> SafeString:
    """Horizontal bars: one row per label, one bar per (name, value) in it (e.g. p50 and p95)."""
    names = list(dict.fromkeys(name for _, values in bars for name, _ in values))
    top = _nice_top(max([v for _, values in bars for _, v in values if v is not None] + [0.001]))
    left, row_h, bar_h = 300, 8 + 12 * max(1, len(names)), 11
    plot_w = WIDTH - left - RIGHT
    height = TOP + row_h * max(1, len(bars)) + BOTTOM + 18

    def x(value):
        return left + plot_w * value / top

    parts = [f'<svg class="ops-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
             f' role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    bottom = TOP + row_h * max(1, len(bars))
    ticks = _ticks(top)
    for step in range(ticks + 1):
        value = top * step / ticks
        parts.append(f'<line x1="{x(value):.1f}" x2="{x(value):.1f}" y1="{TOP}" y2="{bottom}" class="ops-chart-grid"/>'
                     f'<text x="{x(value):.1f}" y="{bottom + 14}" text-anchor="middle" class="ops-chart-tick">'
                     f'{_figure(value)}{unit}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{bottom + 32}" text-anchor="middle" class="ops-chart-axis">'
                 f'{escape(x_label)}</text>')
    if not bars:
        parts.append(f'<text x="{left + plot_w / 2}" y="{TOP + row_h / 2 + 4}" text-anchor="middle"'
                     ' class="ops-chart-empty">nothing to show yet</text>')
    for row, (label, values) in enumerate(bars):
        y0 = TOP + row * row_h + 4
        parts.append(f'<text x="{left - 8}" y="{y0 + row_h / 2:.1f}" text-anchor="end" class="ops-chart-legend">'
                     f'{escape(label)}</text>')
        for index, (name, value) in enumerate(values):
            if value is None:
                continue
            tip = f"{label} {name}: {_figure(value)}{unit}"
            parts.append(f'<rect class="ops-chart-bar" x="{left}" y="{y0 + index * 12}" height="{bar_h}"'
                         f' width="{max(1.0, x(value) - left):.1f}" fill="{COLOURS[index % len(COLOURS)]}">'
                         f'<title>{escape(tip)}</title></rect>')
    for index, name in enumerate(names):
        parts.append(f'<rect x="{left + index * 90}" y="{height - 12}" width="10" height="10"'
                     f' fill="{COLOURS[index % len(COLOURS)]}"/><text x="{left + 14 + index * 90}" y="{height - 3}"'
                     f' class="ops-chart-legend">{escape(name)}</text>')
    parts.append("</svg>")
    caption = f"<figcaption>{escape(title)}"
    if audience:
        caption += f' <span class="ops-chart-audience">— {escape(audience)}</span>'
    return mark_safe(f'<figure class="ops-figure">{caption}</figcaption>{"".join(parts)}</figure>')


def _hover_points(points: list) -> list:
    """At most ``HOVER_POINTS`` points to hover over: the highest value of each run of points."""
    if len(points) <= HOVER_POINTS:
        return points
    size = -(-len(points) // HOVER_POINTS)
    return [max(points[i:i + size], key=lambda p: p[1]) for i in range(0, len(points), size)]


def _nice_top(value: float) -> float:
    """The axis top: the value rounded up to 1, 2, 2.5 or 5 × a power of ten, so ticks read well."""
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def _ticks(top: float) -> int:
    """Grid lines at round values: 2 → 0.5 steps (4), 1, 2.5, 5 and 10 → fifths."""
    leading = top / 10 ** (len(str(int(top))) - 1) if top >= 1 else top * 10
    return 4 if round(leading, 3) == 2 else 5


def _figure(value: float) -> str:
    if value >= 10 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def chart(key: str) -> SafeString:
    spec = CHARTS[key]
    return line_chart(spec.title + ", 24 h", sample_series(spec.metric), unit=spec.unit, y_label=spec.y_label,
                      audience=spec.audience)


def charts_for(request, keys) -> list[SafeString]:
    """The charts of ``keys`` this user's role needs (those whose permission they hold)."""
    from ops.roles import has_ops_permission

    return [chart(key) for key in keys if has_ops_permission(request.user, CHARTS[key].permission)]


def dashboard_charts(request) -> list[SafeString]:
    return charts_for(request, DASHBOARD)


def celery_charts(request) -> list[SafeString]:
    return charts_for(request, ("queue_depth", "tasks_failed"))


def task_runtime_chart(stats) -> SafeString:
    """p50 and p95 runtime per task (the slowest 15 by p95), from the 24-hour task statistics."""
    timed = sorted((s for s in stats if s.p95_seconds is not None), key=lambda s: -s.p95_seconds)[:15]
    return bar_chart("Task runtime, last 24 h (p50 and p95)",
                     [(s.task_name, [("p50", s.p50_seconds), ("p95", s.p95_seconds)]) for s in timed],
                     x_label="runtime (seconds)", unit=" s",
                     audience="Developers: which task got slow; support: why an email went out late.")


def daily_bars(title: str, per_day: list[tuple[dt.date, int]], *, unit: str = "entries") -> SafeString:
    """An SVG bar per day (``per_day`` oldest first); each bar's value shows on hover (SVG ``<title>``)."""
    height = HEIGHT
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM
    top = max([n for _, n in per_day] + [1])
    step = plot_w / max(len(per_day), 1)
    parts = [f'<svg class="ops-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
             f' role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#ccc"/>',
             f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end" font-size="10">{top:,}</text>',
             f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end" font-size="10">0</text>']
    for index, (day, count) in enumerate(per_day):
        bar_h = plot_h * count / top
        x = LEFT + index * step
        parts.append(f'<rect class="ops-bar" x="{x + 0.5:.1f}" y="{TOP + plot_h - bar_h:.1f}"'
                     f' width="{max(step - 1, 1):.1f}" height="{bar_h:.1f}" fill="{COLOURS[0]}"'
                     f' data-day="{day.isoformat()}" data-value="{count}">'
                     f'<title>{day:%a %Y-%m-%d}: {count} {escape(unit)}</title></rect>')
        if day.weekday() == 0:  # a label each Monday
            parts.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="10">{day:%d %b}</text>')
    parts.append("</svg>")
    return mark_safe(f'<figure class="ops-figure"><figcaption>{escape(title)}</figcaption>{"".join(parts)}</figure>')
