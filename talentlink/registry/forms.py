"""Forms of the registry pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from talentlink.core import permissions
from talentlink.core.forms import RegionChoiceField
from talentlink.core.models import User
from talentlink.registry.models import SourceSystem, TalentCategory, Tier


class ImportUploadForm(forms.Form):
    source_system = forms.ModelChoiceField(label=_("Source"), queryset=SourceSystem.objects.none())
    file = forms.FileField(label=_("Export file (CSV or XLSX)"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        source_system = self.fields["source_system"]
        assert isinstance(source_system, forms.ModelChoiceField)
        own = SourceSystem.objects.select_related("region")
        source_system.queryset = permissions.region_scope(user, own, "region_id")


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False)
    region = RegionChoiceField(label=_("City"), required=False, empty_label=_("All cities"))
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=TalentCategory.objects.all(),
        required=False,
        empty_label=_("All categories"),
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.select_related("region"),
        required=False,
        empty_label=_("All tiers"),
    )


class TalentRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=15)
    phone = forms.RegexField(
        label=_("Mobile phone (your user name)"),
        regex=r"^1[3-9][0-9]{9}$",
        error_messages={"invalid": _("Enter an 11-digit mainland mobile number.")},
    )
    email = forms.EmailField(label=_("E-mail"))
    region = RegionChoiceField(label=_("City where you work"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    consent = forms.BooleanField(
        label=_("I agree that my personal information is processed to provide talent services."),
    )


class ClaimDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("Link")), ("0", _("Reject"))], coerce=lambda v: v == "1"
    )
    person = forms.IntegerField(required=False)
    note = forms.CharField(label=_("Reason or note"), max_length=500, required=False)


class ConsentForm(forms.Form):
    region = RegionChoiceField(label=_("Share with"))

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, RegionChoiceField) and region.queryset is not None
        region.queryset = region.queryset.exclude(pk=person.home_region_id)
