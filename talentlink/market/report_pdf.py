"""The market report as a PDF: WeasyPrint lays out the report's HTML, whose charts ECharts has
rendered to SVG on the server (WeasyPrint runs no JavaScript). ECharts is the copy the page
serves (``static/market/vendor/echarts.min.js``, ECharts 6.1.0 from the npm registry), run by
Node.js (``make system-deps`` installs Debian's ``nodejs``)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from talentlink.market.report_charts import Chart

ECHARTS = Path(__file__).parent / "static" / "market" / "vendor" / "echarts.min.js"
RENDERER = Path(__file__).parent / "echarts_ssr.js"
STYLESHEET = Path(__file__).parent / "static" / "market" / "report_pdf.css"
# The talent map's heat table, coloured as on the page.
MAP_STYLESHEET = Path(__file__).parent / "static" / "market" / "talent_map.css"
# Maps a chart may draw, by the name its option gives (the talent map's districts).
MAPS = {"talentlink-districts": Path(__file__).parent / "static" / "market" / "vendor" / "districts.geo.json"}
# The CJK font `make browser-deps` installs; the PDF's text and the charts' labels use it.
FONT = "WenQuanYi Zen Hei"
# A chart's size in the PDF, in CSS pixels (A4 width less the margins).
WIDTH = 680
RENDER_SECONDS = 60


def charts_svg(charts: list[Chart]) -> list[str]:
    """Each chart as an SVG document, rendered by ECharts in one Node.js process."""
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise ImproperlyConfigured(
            "The report's PDF needs Node.js to draw its charts: run `make system-deps`."
        )
    request = {
        "echarts": str(ECHARTS),
        "font": FONT,
        "charts": [{"option": c.option, "width": WIDTH, "height": c.height} for c in charts],
        "maps": {c.geo_map: str(MAPS[c.geo_map]) for c in charts if c.geo_map},
    }
    done = subprocess.run(
        [node, str(RENDERER)], input=json.dumps(request).encode(), capture_output=True,
        timeout=RENDER_SECONDS, check=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def svg_data_uri(svg: str) -> str:
    """An SVG as an image source: the chart stays an image, apart from the document's markup."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def pdf_from_html(html: str, *, base_url: str) -> bytes:
    """The PDF of an HTML document (WeasyPrint, imported here: it loads Pango when first used)."""
    from weasyprint import CSS, HTML

    return HTML(string=html, base_url=base_url).write_pdf(
        stylesheets=[CSS(filename=str(STYLESHEET)), CSS(filename=str(MAP_STYLESHEET))]
    )
