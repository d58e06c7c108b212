"""Forms of the market's pages: they parse input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from talentlink.core.forms import RegionChoiceField
from talentlink.core.models import Region
from talentlink.credentials.models import Level
from talentlink.experts.models import Field
from talentlink.market.models import Job, Profile
from talentlink.registry.models import Education

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IndustryField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Field.objects.filter(is_active=True), **kwargs)


class SkillsField(forms.CharField):
    """Skills typed on one line, separated by commas, 、 or semicolons."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("Separate skills with commas, e.g. Python, 催化, 港口调度."))
        super().__init__(max_length=600, required=False, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "，".join(value) if isinstance(value, list) else value


class RegionsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(queryset=Region.objects.filter(is_active=True), **kwargs)

    def label_from_instance(self, obj: Region) -> str:
        return obj.display_name


class JobForm(forms.ModelForm):
    region = RegionChoiceField(label=_("City"))
    field = IndustryField(label=_("Industry"), required=False)
    skills = SkillsField(label=_("Skills wanted"))
    education = forms.ChoiceField(label=_("Education required"), required=False,
                                  choices=[("", _("Any")), *Education.choices])  # fmt: skip
    required_level = forms.ChoiceField(label=_("Title or skill level required"), required=False,
                                       choices=[("", _("None")), *Level.choices])  # fmt: skip

    class Meta:
        model = Job
        fields = [
            "title", "description", "field", "region", "district", "education", "required_level", "skills",
            "experience_years", "salary_min", "salary_max", "headcount", "valid_until",
        ]  # fmt: skip
        widgets = {"valid_until": DATE, "description": forms.Textarea(attrs={"rows": 6})}


class ProfileForm(forms.ModelForm):
    desired_regions = RegionsField(label=_("Cities I would work in"))
    desired_fields = forms.ModelMultipleChoiceField(
        queryset=Field.objects.filter(is_active=True), widget=forms.CheckboxSelectMultiple, required=False,
        label=_("Industries"),
    )  # fmt: skip
    skills = SkillsField(label=_("Skills"))
    declared_levels = forms.MultipleChoiceField(
        choices=Level.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Titles and skill levels not yet recognised on the platform"),
    )  # fmt: skip

    class Meta:
        model = Profile
        fields = [
            "headline", "summary", "education", "university", "graduation_year", "is_graduate",
            "experience_years", "skills", "declared_levels", "desired_regions", "desired_fields",
            "desired_salary", "open_to_offers", "suggestions", "sms_suggestions",
            "shared_with_other_city",
        ]  # fmt: skip
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}


class JobSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    region = RegionChoiceField(label=_("City"), required=False)
    field = IndustryField(label=_("Industry"), required=False)
