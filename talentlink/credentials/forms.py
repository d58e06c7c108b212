"""Forms of the recognition pages: they parse input; services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talentlink.core.forms import RegionChoiceField
from talentlink.credentials.models import CertificateKind, Family, IssuingAuthority


def kind_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Certificate kinds grouped by series, as the select shows them."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for kind in CertificateKind.objects.filter(is_active=True).select_related("series"):
        groups.setdefault(str(kind.series), []).append((kind.code, str(kind)))
    return [("", [("", "—")]), *groups.items()]


class DateInput(forms.DateInput):
    input_type = "date"


class ApplicationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Certificate"))
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=40)
    holder_name = forms.CharField(label=_("Holder's name (as on the certificate)"), max_length=50)
    id_number = forms.CharField(label=_("Holder's ID number"), max_length=18, min_length=15)
    issued_on = forms.DateField(label=_("Date of issue"), widget=DateInput)
    authority = forms.ChoiceField(label=_("Issuing authority"))
    target_region = RegionChoiceField(label=_("Recognition sought in"))
    scan = forms.FileField(label=_("Scan of the certificate (PDF or JPEG, optional)"), required=False)
    note = forms.CharField(
        label=_("Note for the reviewer"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind, authority = self.fields["kind"], self.fields["authority"]
        assert isinstance(kind, forms.ChoiceField) and isinstance(authority, forms.ChoiceField)
        kind.choices = kind_choices()
        authority.choices = [("", "—")] + [(a.code, str(a)) for a in IssuingAuthority.objects.all()]
        self.fields["issued_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve")),
            ("reject", _("Reject")),
            ("more_info", _("Ask for more material")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason or request to the applicant"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class SupplementForm(forms.Form):
    note = forms.CharField(
        label=_("Your answer"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    scan = forms.FileField(label=_("New scan (PDF or JPEG)"), required=False)


class RegistryUploadForm(forms.Form):
    file = forms.FileField(label=_("Certificate list (CSV or XLSX)"))


class VerifyForm(forms.Form):
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=40)
    holder_name = forms.CharField(label=_("Holder's name"), max_length=50)


class StatisticsFilterForm(forms.Form):
    region = RegionChoiceField(label=_("City"), required=False)
    family = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Family.choices]
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2020, max_value=2100)
