"""The report's charts, each defined once as an ECharts option (plain JSON data, no functions):
the page hands them to ECharts in the browser, the PDF has ECharts render them to SVG on the
server (``report_pdf``). Titles and series names follow the active language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from talentlink.market.report import MarketReport, SupplyDemand
from talentlink.market.selectors import FUNNEL_STEPS

Option = dict[str, Any]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    option: Option
    height: int = 320
    geo_map: str = ""  # the registered map a map series draws (report_pdf.MAPS), if any

    def as_data(self) -> dict[str, Any]:
        """What the page's script reads (``json_script``)."""
        return {"id": self.id, "option": self.option, "height": self.height, "map": self.geo_map}


def _bars(rows: list[SupplyDemand], *, supply: str) -> Option:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 50, "right": 20, "top": 40, "bottom": 70},
        "xAxis": {"type": "category", "data": [r.label for r in rows], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": _("Openings"), "type": "bar", "data": [r.openings for r in rows]},
            {"name": supply, "type": "bar", "data": [r.supply for r in rows]},
        ],
    }


def report_charts(report: MarketReport) -> list[Chart]:
    """Every chart of the report, in reading order."""
    resumes, applied = _("Résumés open to offers"), _("Talents who applied")
    return [
        Chart("cities", _("Supply and demand by city"), _bars(report.cities, supply=resumes)),
        Chart(
            "industries", _("Supply and demand by industry"), _bars(report.industries, supply=resumes), 360
        ),
        Chart("occupations", _("Demand by occupation group"), _bars(report.occupations, supply=applied), 380),
        Chart("scarce", _("Scarce industries: openings per résumé"), _scarce(report)),
        Chart("salaries", _("Monthly salary by industry (yuan)"), _salaries(report), 360),
        Chart("salary_histogram", _("Jobs by monthly salary (range midpoint, yuan)"), _histogram(report)),
        Chart("flows", _("Hires by the talent's home city and the job's city"), _flows(report)),
        Chart("graduates", _("New graduates: applied, hired and stayed"), _graduates(report)),
        Chart("funnel", _("Suggested → viewed → applied → hired"), _funnel(report)),
    ]


def _scarce(report: MarketReport) -> Option:
    rows = list(reversed(report.scarce))  # the scarcest on top
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 120, "right": 40, "top": 20, "bottom": 30},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": [r.label for r in rows]},
        "series": [
            {
                "name": _("Openings per résumé"), "type": "bar", "data": [r.ratio for r in rows],
                "label": {"show": True, "position": "right"},
            }
        ],
    }  # fmt: skip


def _salaries(report: MarketReport) -> Option:
    rows = report.salaries
    return {
        "tooltip": {"trigger": "item"},
        "grid": {"left": 60, "right": 20, "top": 20, "bottom": 70},
        "xAxis": {"type": "category", "data": [r.label for r in rows], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "name": _("yuan")},
        "series": [
            {
                "name": _("Monthly salary"), "type": "boxplot",
                "data": [[r.low, r.q1, r.median, r.q3, r.high] for r in rows],
            }
        ],
    }  # fmt: skip


def _histogram(report: MarketReport) -> Option:
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 50, "right": 20, "top": 20, "bottom": 40},
        "xAxis": {"type": "category", "data": [band for band, _n in report.salary_histogram]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": _("Jobs"),
                "type": "bar",
                "barCategoryGap": "2%",
                "data": [n for _b, n in report.salary_histogram],
            }
        ],
    }


def _flows(report: MarketReport) -> Option:
    # Home and job cities are separate nodes: a sankey may not loop back to a node it left.
    home, work = _("from %(city)s"), _("in %(city)s")
    nodes = sorted(
        {home % {"city": f.origin} for f in report.flows}
        | {work % {"city": f.destination} for f in report.flows}
    )
    return {
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "sankey", "left": 20, "right": 120, "top": 20, "bottom": 20,
                "data": [{"name": n} for n in nodes],
                "links": [
                    {"source": home % {"city": f.origin}, "target": work % {"city": f.destination},
                     "value": f.hires}
                    for f in report.flows
                ],
                "label": {"show": True, "color": "#333"},
            }
        ],
    }  # fmt: skip


def _graduates(report: MarketReport) -> Option:
    rows = report.graduates.cities
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 50, "right": 20, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": [r.city for r in rows]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": _("Graduates who applied"), "type": "bar", "data": [r.applied for r in rows]},
            {"name": _("Graduates hired"), "type": "bar", "data": [r.hired for r in rows]},
            {"name": _("Hired a year or more ago"), "type": "bar", "data": [r.due for r in rows]},
            {"name": _("Stayed a year later"), "type": "bar", "data": [r.stayed for r in rows]},
        ],
    }


def _funnel(report: MarketReport) -> Option:
    names = {str(step): str(step.label) for step in FUNNEL_STEPS}
    widest = max(report.funnel.values(), default=0) or 1  # ECharts scales widths to 0–100 otherwise
    return {
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "funnel", "sort": "none", "min": 0, "max": widest, "minSize": "8%",
                "left": "10%", "width": "80%", "top": 10, "bottom": 10,
                "label": {"show": True, "position": "right", "color": "#333"},
                "data": [{"name": f"{names[k]} {v}", "value": v} for k, v in report.funnel.items()],
            }
        ],
    }  # fmt: skip
