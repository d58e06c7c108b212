"""Forms of the core pages: they parse input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from talentlink.core import permissions
from talentlink.core.errors import DomainError
from talentlink.core.models import AuditEvent, Region, Role, User
from talentlink.core.services import STAFF_CREATABLE_ROLES


def add_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a service's refusal on the field it names, or on the whole form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


class RegionChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Region.objects.filter(is_active=True), **kwargs)

    def label_from_instance(self, obj: Region) -> str:
        return obj.display_name


def region_choices_limit(form: forms.BaseForm, user: User, name: str = "region") -> None:
    """Offer in the form's city field only the cities the account works in: its own (chosen
    already), or every city for a superuser."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None
    field.queryset = permissions.region_scope(user, field.queryset, "pk")
    field.initial = user.region_id


class EmployerRegistrationForm(forms.Form):
    organisation_name = forms.CharField(label=_("Organisation name"), max_length=200)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, min_length=18)
    region = RegionChoiceField(label=_("City"))
    licence = forms.FileField(label=_("Business licence scan (PDF, JPEG or PNG)"))
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    username = forms.CharField(label=_("User name"), max_length=150)
    phone = forms.RegexField(
        label=_("Mobile phone"),
        regex=r"^1[3-9][0-9]{9}$",
        error_messages={"invalid": _("Enter an 11-digit mainland mobile number.")},
    )
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("Approve")), ("0", _("Reject"))], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label=_("Reason or note"), max_length=500, required=False)


class StaffAccountForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in Role])
    region = RegionChoiceField(label=_("City"), required=False)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not permissions.is_superuser(user):
            role = self.fields["role"]
            assert isinstance(role, forms.ChoiceField)
            role.choices = [(r.value, r.label) for r in STAFF_CREATABLE_ROLES]
            self.fields["region"].required = True
        region_choices_limit(self, user)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All actions")), *AuditEvent.Action.choices],
    )
    object_type = forms.CharField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False)
    actor = forms.CharField(label=_("Actor"), required=False)
