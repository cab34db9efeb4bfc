"""Articles per month per site as inline SVG: drawn on the server, no script, so the
chart works offline and under any Content-Security-Policy."""
from __future__ import annotations

from html import escape

__all__ = ["monthly_svg"]

W, H, LEFT, RIGHT, TOP, BOTTOM = 960, 420, 50, 170, 20, 60


def _months(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def monthly_svg(rows: list[tuple[str, str, int]]) -> str:
    """`rows` (month YYYY-MM, site, articles) -> an <svg> line chart, one line a site,
    with a legend, followed by the numbers as a table."""
    if not rows:
        return "<p>No dated articles yet.</p>"
    months = _months(min(r[0] for r in rows), max(r[0] for r in rows))
    sites = sorted({r[1] for r in rows})
    data = {(m, s): n for m, s, n in rows}
    top = max(n for _, _, n in rows)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    x = (lambda i: LEFT + (pw * i / (len(months) - 1) if len(months) > 1 else pw / 2))
    y = (lambda n: TOP + ph - ph * n / top)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
             f'viewBox="0 0 {W} {H}" role="img" aria-label="articles per month per site" '
             f'font-family="sans-serif" font-size="11">',
             f'<line x1="{LEFT}" y1="{TOP + ph}" x2="{LEFT + pw}" y2="{TOP + ph}" stroke="#333"/>',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + ph}" stroke="#333"/>']
    for k in range(5):                                   # y ticks
        v = round(top * k / 4)
        parts.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>')
    step = max(1, len(months) // 12)
    for i in range(0, len(months), step):                # x ticks
        parts.append(f'<text x="{x(i):.1f}" y="{TOP + ph + 16}" text-anchor="middle">'
                     f'{months[i]}</text>')
    for j, s in enumerate(sites):
        color = f"hsl({(j * 137) % 360}, 65%, 42%)"
        pts = " ".join(f"{x(i):.1f},{y(data.get((m, s), 0)):.1f}" for i, m in enumerate(months))
        parts.append(f'<polyline class="site" data-site="{escape(s)}" fill="none" '
                     f'stroke="{color}" stroke-width="1.5" points="{pts}">'
                     f'<title>{escape(s)}</title></polyline>')
        ly = TOP + 12 * j
        parts.append(f'<rect x="{W - RIGHT + 10}" y="{ly}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{W - RIGHT + 24}" y="{ly + 9}">{escape(s)}</text>')
    parts.append("</svg>")
    head = "".join(f"<th>{escape(s)}</th>" for s in sites)
    body = "".join(
        f"<tr><th>{m}</th>" + "".join(f"<td>{data.get((m, s), 0)}</td>" for s in sites) + "</tr>"
        for m in reversed(months) if any((m, s) in data for s in sites))
    return ("".join(parts) + f'<table id="numbers"><tr><th>month</th>{head}</tr>{body}</table>')
