"""Forms of the expert pool's pages: they parse input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from talentlink.core.forms import RegionChoiceField, region_choices_limit
from talentlink.core.models import Organisation
from talentlink.experts.models import (
    Availability,
    Commission,
    CommitteeMember,
    Expert,
    Field,
    Relation,
    TitleLevel,
)
from talentlink.experts.selectors import experts_active
from talentlink.experts.services import STUDIO_HOST_KINDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FieldsField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(queryset=Field.objects.filter(is_active=True), **kwargs)


class ExpertChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        queryset = (
            experts_active().select_related("person", "region").order_by("region__position", "person__name")
        )
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, obj: Expert) -> str:
        return f"{obj.person.name} · {obj.region.short_name} · {obj.employer_name or '—'}"


class ExpertSearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=100)
    region = RegionChoiceField(label=_("City"), required=False)
    field = forms.ModelChoiceField(
        label=_("Field"), queryset=Field.objects.filter(is_active=True), required=False
    )
    title_level_min = forms.TypedChoiceField(
        label=_("Title at least"), required=False, coerce=int, empty_value=None,
        choices=[("", "—"), *[(c.value, c.label) for c in TitleLevel if c.value]],
    )  # fmt: skip
    availability = forms.ChoiceField(
        label=_("Availability"), required=False, choices=[("", "—"), *Availability.choices]
    )


class ExpertSelfForm(forms.Form):
    # A form field named "fields" (as in the model and the API): the form metaclass takes it out
    # of the class, so BaseForm.fields stays the dict; the stubs cannot tell (django-stubs#1054).
    fields = FieldsField(label=_("Fields"), required=False)  # type: ignore[assignment]
    keywords = forms.CharField(label=_("Keywords"), max_length=300, required=False,
                               help_text=_("Separated by commas or 、"))  # fmt: skip
    biography = forms.CharField(
        label=_("Biography"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    availability = forms.ChoiceField(label=_("Availability"), choices=Availability.choices)


class ExpertStaffForm(ExpertSelfForm):
    employer_name = forms.CharField(label=_("Employer"), max_length=200, required=False)
    employer_credit_code = forms.CharField(label=_("Employer credit code"), max_length=18, required=False)
    title = forms.CharField(label=_("Professional title"), max_length=60, required=False)


class ConflictForm(forms.Form):
    organisation_name = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    credit_code = forms.CharField(label=_("Credit code"), max_length=18, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class RelationForm(forms.Form):
    name = forms.CharField(label=_("Name of the other person"), max_length=50)
    id_number = forms.CharField(label=_("Their ID number"), max_length=18)
    kind = forms.ChoiceField(label=_("Kind"), choices=Relation.Kind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=1950, max_value=2100, required=False)
    title = forms.CharField(label=_("Project or publication"), max_length=200, required=False)


class ExpertImportForm(forms.Form):
    region = RegionChoiceField(label=_("City"))
    file = forms.FileField(label=_("Expert database export (CSV or XLSX)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        region_choices_limit(self, user)


class CommitteeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    field = forms.ModelChoiceField(label=_("Field"), queryset=Field.objects.filter(is_active=True))
    established_on = forms.DateField(label=_("Established on"), widget=DATE)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MemberForm(forms.Form):
    expert = ExpertChoiceField(label=_("Expert"))
    role = forms.ChoiceField(
        label=_("Role"), choices=CommitteeMember.Role.choices, initial=CommitteeMember.Role.MEMBER
    )
    joined_on = forms.DateField(label=_("Joined on"), widget=DATE, required=False)


class StudioForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    leader = ExpertChoiceField(label=_("Leader"))
    host = forms.ModelChoiceField(
        label=_("Host"),
        queryset=Organisation.objects.filter(
            status=Organisation.Status.APPROVED, kind__in=sorted(STUDIO_HOST_KINDS)
        ),
    )
    # A form field named "fields" (as in the model and the API): the form metaclass takes it out
    # of the class, so BaseForm.fields stays the dict; the stubs cannot tell (django-stubs#1054).
    fields = FieldsField(label=_("Fields"), required=False)  # type: ignore[assignment]
    established_on = forms.DateField(label=_("Established on"), widget=DATE)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CommissionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Commission.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    client_name = forms.CharField(label=_("Client"), max_length=200)
    client_region = RegionChoiceField(label=_("Client's city"))
    started_on = forms.DateField(label=_("Started on"), widget=DATE)
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE, required=False)


class RoundForm(forms.Form):
    # Not "Name": the project's catalogue, which wins, has it as a person's name (姓名).
    name = forms.CharField(label=_("Review round"), max_length=200)
    deadline = forms.DateField(label=_("Review deadline"), widget=DATE)
    experts_per_project = forms.IntegerField(
        label=_("Experts per project"), min_value=1, max_value=15, initial=3
    )
    max_load = forms.IntegerField(label=_("Most projects per expert"), min_value=1, max_value=20, initial=3)
    min_other_city = forms.IntegerField(
        label=_("At least from the other city"), min_value=0, max_value=15, initial=1
    )
    max_per_city = forms.IntegerField(
        label=_("At most from one city"), min_value=1, max_value=15, required=False
    )
    collaboration_years = forms.IntegerField(
        label=_("Collaboration conflict window (years)"), min_value=0, max_value=20, initial=3
    )


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    applicant_organisation = forms.CharField(label=_("Applicant organisation"), max_length=200)
    applicant_credit_code = forms.CharField(label=_("Applicant credit code"), max_length=18, required=False)
    applicant_name = forms.CharField(label=_("Principal applicant"), max_length=50, required=False)
    applicant_id_number = forms.CharField(
        label=_("Principal applicant's ID number"), max_length=18, required=False,
        help_text=_("With the name, finds the applicant in the registry, for conflicts through persons."),
    )  # fmt: skip
    region = RegionChoiceField(label=_("Project's city"))
    # A form field named "fields" (as in the model and the API): the form metaclass takes it out
    # of the class, so BaseForm.fields stays the dict; the stubs cannot tell (django-stubs#1054).
    fields = FieldsField(label=_("Fields"), required=False)  # type: ignore[assignment]
    summary = forms.CharField(
        label=_("Summary"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RespondForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("1", _("Accept")), ("0", _("Decline"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(label=_("Reason for declining"), max_length=500, required=False)


class ReviewForm(forms.Form):
    score = forms.IntegerField(label=_("Score (0–100)"), min_value=0, max_value=100)
    comment = forms.CharField(label=_("Review"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
