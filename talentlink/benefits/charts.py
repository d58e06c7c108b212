"""Bar charts drawn on the server as SVG: no JavaScript, no CDN, readable without a network."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

PALETTE = ("#b3261e", "#1f5f99", "#1b7a3d", "#9a6200", "#6b3fa0", "#5b6776")


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float]


def grouped_bars(
    *, title: str, categories: Sequence[str], series: Sequence[Series], width: int = 720, height: int = 260
) -> SafeString:
    """Bars grouped per category, one colour per series, with a legend; labels are escaped."""
    left, right, top, bottom = 48, 12, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for s in series for v in s.values), default=0) or 1
    slot = plot_w / max(len(categories), 1)
    bar = min(slot * 0.8 / max(len(series), 1), 56.0)
    group = bar * len(series)
    bars, labels = [], []
    for i, category in enumerate(categories):
        x0 = left + i * slot + (slot - group) / 2
        labels.append((_n(left + i * slot + slot / 2), height - bottom + 16, category))
        for j, s in enumerate(series):
            value = s.values[i]
            h = plot_h * value / peak
            bars.append(
                (
                    _n(x0 + j * bar),
                    _n(top + plot_h - h),
                    _n(bar * 0.92),
                    _n(h),
                    PALETTE[j % len(PALETTE)],
                    f"{s.name} · {category}: {value:g}",
                )
            )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{title}" xmlns="http://www.w3.org/2000/svg">'
        '<text x="{left}" y="16" class="chart-title">{title}</text>'
        '<line x1="{left}" y1="{base}" x2="{end}" y2="{base}" stroke="#d8dee6"/>'
        '<text x="{tick}" y="{top_y}" text-anchor="end" class="chart-tick">{peak}</text>'
        "{bars}{labels}{legend}</svg>",
        w=width,
        h=height,
        title=title,
        left=left,
        base=top + plot_h,
        end=width - right,
        tick=left - 6,
        top_y=top + 10,
        peak=f"{peak:g}",
        bars=format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
            bars,
        ),
        labels=format_html_join(
            "", '<text x="{}" y="{}" text-anchor="middle" class="chart-tick">{}</text>', labels
        ),
        legend=format_html_join(
            "",
            '<rect x="{}" y="6" width="10" height="10" fill="{}"/>'
            '<text x="{}" y="15" class="chart-tick">{}</text>',
            (
                (
                    width - 130 * (len(series) - k),
                    PALETTE[k % len(PALETTE)],
                    width - 130 * (len(series) - k) + 14,
                    s.name,
                )
                for k, s in enumerate(series)
            ),
        ),
    )


def _n(value: float) -> str:
    return f"{value:.1f}"
