"""Forms of the market's pages: they parse input; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from talentlink.core.forms import RegionChoiceField
from talentlink.core.models import Region
from talentlink.credentials.models import Level
from talentlink.experts.models import Field
from talentlink.market.models import District, Job, Profile
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


class DistrictSelect(forms.Select):
    """Districts grouped by city, each option naming its city (``data-region``) so that the page's
    script offers only the chosen city's districts."""

    def __init__(self, regions: dict[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.regions = regions or {}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        region = self.regions.get(str(value))
        if region is not None:
            option["attrs"]["data-region"] = str(region)
        return option


class DistrictField(forms.ModelChoiceField):
    """A district of Ningbo or Zhoushan by its administrative code, grouped by city."""

    def __init__(self, **kwargs: Any) -> None:
        queryset = District.objects.filter(is_active=True).select_related("region")
        super().__init__(queryset=queryset, to_field_name="code", required=False, **kwargs)

    def districts_offered(self, region_id: int | None) -> None:
        """Offer only the districts of ``region_id`` (all of them while no city is chosen)."""
        assert self.queryset is not None
        if region_id is not None:
            self.queryset = self.queryset.filter(region_id=region_id)
        districts = list(self.queryset)
        groups: dict[str, list[tuple[str, str]]] = {}
        for d in districts:
            groups.setdefault(d.region.display_name, []).append((d.code, d.display_name))
        self.widget = DistrictSelect(regions={d.code: d.region_id for d in districts})
        self.widget.is_required = self.required
        self.choices = [("", "—"), *groups.items()]


def _region_id(form: forms.ModelForm, name: str = "region") -> int | None:
    """The city the form's data chooses, else its object's."""
    raw = form.data.get(form.add_prefix(name)) if form.is_bound else None
    if raw and str(raw).isdigit():
        return int(raw)
    return getattr(form.instance, f"{name}_id", None)


class JobForm(forms.ModelForm):
    region = RegionChoiceField(label=_("City"))
    district = DistrictField(label=_("District"))
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        district = self.fields["district"]
        assert isinstance(district, DistrictField)
        district.districts_offered(_region_id(self))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        district, region = data.get("district"), data.get("region")
        if district is not None and region is not None and district.region_id != region.pk:
            self.add_error("district", _("Choose a district of the job's city."))
        return data


class ProfileForm(forms.ModelForm):
    district = DistrictField(
        label=_("District where I live or work now"),
        help_text=_("Optional; the talent map counts talents by district, never by name."),
    )  # fmt: skip
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
            "headline", "summary", "education", "university", "graduation_year", "is_graduate", "district",
            "experience_years", "skills", "declared_levels", "desired_regions", "desired_fields",
            "desired_salary", "open_to_offers", "suggestions", "sms_suggestions",
            "shared_with_other_city",
        ]  # fmt: skip
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        district = self.fields["district"]
        assert isinstance(district, DistrictField)
        district.districts_offered(None)


class JobSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    region = RegionChoiceField(label=_("City"), required=False)
    field = IndustryField(label=_("Industry"), required=False)
