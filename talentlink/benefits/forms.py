"""Forms of the benefits pages: they parse input; services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from talentlink.benefits.models import Benefit, Provider, ProviderKind
from talentlink.core import permissions
from talentlink.core.forms import RegionChoiceField, region_choices_limit
from talentlink.core.models import Region, User
from talentlink.credentials.models import Level
from talentlink.registry.models import TalentCategory, Tier


class CatalogueFilterForm(forms.Form):
    region = RegionChoiceField(label=_("City"), required=False, empty_label=_("Both cities"))
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Every kind")), *ProviderKind.choices]
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=50)


class TierChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Tier) -> str:
        return str(obj)


class RegionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.display_name


class BenefitForm(forms.ModelForm):
    """A catalogue entry's terms; the provider is chosen among the office's city's providers."""

    holder_regions = RegionsField(
        label=_("Holders' cities"), required=False, queryset=Region.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple, help_text=_("Leave empty for talents of every city."),
    )  # fmt: skip
    categories = forms.ModelMultipleChoiceField(
        label=_("Talent categories"), required=False, queryset=TalentCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple, help_text=_("Leave empty for every category."),
    )  # fmt: skip
    tiers = TierChoiceField(
        label=_("Tiers"), required=False, queryset=Tier.objects.select_related("region"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A tier of either city; tiers honoured as one of these (人才互认) qualify too."),
    )  # fmt: skip
    credential_levels = forms.MultipleChoiceField(
        label=_("Recognised title or skill levels"), required=False, choices=Level.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Either a tier or one of these levels qualifies when both are given."),
    )  # fmt: skip

    class Meta:
        model = Benefit
        fields = [
            "provider", "code", "name", "name_en", "description", "grant", "discount_percent", "list_price",
            "holder_regions", "categories", "tiers", "credential_levels", "min_insurance_years",
            "per_day", "per_year", "per_person", "valid_from", "valid_until", "is_active",
        ]  # fmt: skip
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["provider"]
        else:
            provider = self.fields["provider"]
            assert isinstance(provider, forms.ModelChoiceField)
            own = Provider.objects.select_related("region")
            provider.queryset = permissions.region_scope(user, own, "region_id")
            self.fields["valid_from"].initial = dt.date.today()

    def terms(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("provider", None)
        return data


class BenefitDescriptionForm(forms.ModelForm):
    """What a provider changes of its own benefit: how it is named and described."""

    class Meta:
        model = Benefit
        fields = ["name", "name_en", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def terms(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ProviderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=150, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProviderKind.choices)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, min_length=18)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)


class ProviderEditForm(forms.Form):
    """What the office may change of a registered provider; the organisation stays as registered."""

    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=150, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ProviderKind.choices)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    is_active = forms.BooleanField(
        label=_("Active"), required=False,
        help_text=_("An inactive provider's benefits leave the catalogue and its points stop redeeming."),
    )  # fmt: skip


class ServicePointForm(forms.Form):
    name = forms.CharField(label=_("Name of the service point"), max_length=100)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)


class AccountForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class ResolveForm(forms.Form):
    honour = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda v: v == "honour",
        choices=[("honour", _("Honour the use (it counts and is settled)")), ("void", _("Void the use"))],
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("Month"), input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"})
    )


class InsuranceUploadForm(forms.Form):
    region = RegionChoiceField(label=_("City whose fund delivered the file"))
    file = forms.FileField(label=_("File (CSV or XLSX)"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_choices_limit(self, user)
