"""The plans' quantitative targets, as data: a new indicator is a row, never a code change.

An :class:`Indicator` is one line of a plan's targets (e.g. the action plan's joint table:
"组建重点产业联合专家委员会(个) 2 / 3 / 5"), with its unit, scope, direction and the exact source
line; its :class:`Target` rows are the values for the target years. Where the platform counts
the indicator itself, ``computed_from`` names the count an app offers through its
``indicator_actuals`` hook (docs/contracts.md).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from talentlink.core.models import Region


def _english() -> bool:
    return (get_language() or "").startswith("en")


class Plan(models.Model):
    """A plan whose targets the platform follows (行动方案, 规划)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))

    class Meta:
        ordering = ["start_year", "code"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title_en if _english() and self.title_en else self.title


class Indicator(models.Model):
    """One quantitative target line of a plan."""

    class Direction(models.TextChoices):
        AT_LEAST = "at_least", _("At least")
        AT_MOST = "at_most", _("At most")

    class Measure(models.TextChoices):
        CUMULATIVE = "cumulative", _("Cumulative (all since the plan began)")
        LEVEL = "level", _("Level (the value in the year)")

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("plan")
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    area = models.CharField(_("area"), max_length=100, blank=True)
    area_en = models.CharField(_("area (English)"), max_length=100, blank=True)
    name = models.CharField(_("indicator"), max_length=200)
    name_en = models.CharField(_("indicator (English)"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=40, blank=True)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scope"),
        help_text=_("The city the target is set for; empty for the two cities together."),
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction, default=Direction.AT_LEAST)
    measure = models.CharField(_("measure"), max_length=10, choices=Measure, default=Measure.CUMULATIVE)
    baseline = models.DecimalField(_("baseline"), max_digits=16, decimal_places=4, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    source = models.TextField(_("source"), help_text=_("The plan's table row or sentence, as written."))
    computed_from = models.CharField(
        _("computed from"),
        max_length=60,
        blank=True,
        help_text=_("The count an app offers for this indicator (e.g. experts.joint_committees)."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["plan", "position", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_en if _english() and self.name_en else self.name

    @property
    def display_unit(self) -> str:
        return self.unit_en if _english() and self.unit_en else self.unit

    @property
    def display_area(self) -> str:
        return self.area_en if _english() and self.area_en else self.area

    def met(self, actual: Decimal, target: Decimal) -> bool:
        return actual >= target if self.direction == self.Direction.AT_LEAST else actual <= target


class Target(models.Model):
    """The value an indicator is to reach by the end of a year."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("indicator")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=4)

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="indicator_target_once")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}: {self.value}"
