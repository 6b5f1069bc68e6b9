"""Small server-rendered SVG line charts for the portal: no JavaScript, no CDN, readable in a screenshot."""

import datetime as dt

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ops.selectors.samples import Series, sample_series

COLOURS = ["#2f6fb0", "#d0342c", "#2e9d4f", "#e2a400", "#7b4fb0", "#1b9aaa", "#8c564b", "#555555"]
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 560, 170, 44, 22, 12, 22


def line_chart(title: str, series: list[Series], *, hours: int = 24, unit: str = "",
               height: int = HEIGHT) -> SafeString:
    """An SVG chart of ``series`` over the last ``hours``; says "no samples yet" when empty."""
    end = timezone.now()
    start = end - dt.timedelta(hours=hours)
    top = max([v for s in series for _, v in s.points] + [1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM

    def x(when):
        return LEFT + plot_w * max(0.0, (when - start).total_seconds()) / (end - start).total_seconds()

    def y(value):
        return TOP + plot_h * (1 - value / top)

    box = f"0 0 {WIDTH} {height + 16 * len(series)}"
    parts = [f'<svg class="ops-chart" xmlns="http://www.w3.org/2000/svg" viewBox="{box}"'
             f' role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#ccc"/>',
             f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end" font-size="10">{_figure(top)}{unit}</text>',
             f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end" font-size="10">0</text>']
    for step in range(0, hours + 1, max(1, hours // 4)):
        when = start + dt.timedelta(hours=step)
        parts.append(f'<text x="{x(when):.1f}" y="{height - 6}" text-anchor="middle" font-size="10">'
                     f'{when:%H:%M}</text>')
    if not series:
        parts.append(f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle" font-size="12"'
                     ' fill="#888">no samples yet</text>')
    for index, one in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        coords = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in one.points)
        shape = "polyline" if len(one.points) > 1 else "circle"
        if shape == "polyline":
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{coords}"/>')
        elif one.points:
            (when, value), = one.points
            parts.append(f'<circle r="2.5" fill="{colour}" cx="{x(when):.1f}" cy="{y(value):.1f}"/>')
        legend_y = height + 12 + 16 * index
        parts.append(f'<rect x="{LEFT}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{LEFT + 14}" y="{legend_y}" font-size="11">{escape(one.label)}</text>')
    parts.append("</svg>")
    return mark_safe(f'<figure class="ops-figure"><figcaption>{escape(title)}</figcaption>{"".join(parts)}</figure>')


def _figure(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def dashboard_charts(request) -> list[SafeString]:
    """The dashboard's 24-hour charts, for staff who may see tasks (queues, failures) and the database."""
    from ops.roles import has_ops_permission

    charts = []
    if has_ops_permission(request.user, "django_celery_results.view_taskresult"):
        charts += [line_chart("Queue depth, 24 h", sample_series("queue.depth"), height=110),
                   line_chart("Tasks failed per minute, 24 h", sample_series("tasks.failed"), height=110)]
    if has_ops_permission(request.user, "ops.view_dynos"):
        charts += [line_chart("Web p95 latency per dyno, 24 h", sample_series("web.p95_ms"), unit=" ms",
                              height=110),
                   line_chart("Memory per dyno, 24 h", sample_series("process.rss_mb"), unit=" MiB", height=110)]
    if has_ops_permission(request.user, "ops.view_database"):
        charts.append(line_chart("Database connections, 24 h", sample_series("db.connections"), height=110))
    return charts
