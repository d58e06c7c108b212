"""Who may do what: every page, back-office list and API operation of the platform, and for each
identity whether it is let in. The one place the access rules are written down; the access matrix
(test_access_matrix.py) asks the running platform every cell of it, and a URL or operation missing
from here fails that test by name.

Keys: ``"GET core:audit_log"`` (page, by URL name), ``"POST /api/registry/imports"`` (API, by method
and path as the OpenAPI schema writes it), ``"GET admin:core_user_changelist"`` (back office).

Identities: anonymous, superuser, and one Ningbo account per role: office (talent office), hr (HR
bureau reviewer), employer, talent, expert (a talent with an expert profile), spot (service point),
organiser (review organiser), observer (province observer, no city), provider (benefit provider).

What each identity gets, per object the URL names (see access_world.py for own / city / other):

- ``YES``: let in, whatever object;
- ``CITY``: let in on objects of its own city (own and city), refused on the other city's;
- ``OWN``: let in on its own object only;
- ``NO`` (the default for a role left out): refused;
- ``EMPTY``: list operations: answered with nothing in it (an empty list), or refused.

Refused means 401/403/404, or for pages a redirect to the login page (anonymous) or back with the
refusal as a message; never a 2xx with data, and nothing written but the audit log. A person, an
expert or a review round the reader may not see is answered 404, exactly as one that does not
exist (finding 1).

The province observer reads aggregates, never persons (README). The superuser is every staff role
at once, but holds no talent's own things (code, inbox, expert profile) and acts in no city (opens
no review round, creates no provider, applies for no recognition).

``Known(expected, finding)`` marks a rule the code does not keep yet: the cell is expected to fail
(strict xfail) until the fix lands, when the marker must go.
"""

from __future__ import annotations

from dataclasses import dataclass

YES, NO, CITY, OWN, EMPTY = "yes", "no", "city", "own", "empty"
ROLES = (
    "anonymous", "superuser", "office", "hr", "employer", "talent", "expert", "spot", "organiser",
    "observer", "provider",
)  # fmt: skip
LOGGED_IN = ROLES[1:]


@dataclass(frozen=True)
class Known:
    """A rule the platform breaks today: ``expected`` is the rule, ``finding`` names the fix owed;
    ``cells`` limits it to some object variants (all by default)."""

    expected: str
    finding: str
    cells: tuple[str, ...] = ()


Rule = dict[str, "str | Known"]


def only(**roles: str | Known) -> Rule:
    """The roles named get what is written; every other identity is refused."""
    unknown = set(roles) - set(ROLES)
    assert not unknown, f"not an identity: {unknown}"
    return {role: roles.get(role, NO) for role in ROLES}


def logged_in(**roles: str | Known) -> Rule:
    """Every logged-in identity is let in (unless named otherwise); anonymous is refused."""
    return only(**{**dict.fromkeys(LOGGED_IN, YES), **roles})


def everyone(**roles: str | Known) -> Rule:
    return only(**{**dict.fromkeys(ROLES, YES), **roles})


def lists(**roles: str | Known) -> Rule:
    """A list every logged-in identity may ask for; those not named see nothing in it."""
    return only(**{**dict.fromkeys(LOGGED_IN, EMPTY), **roles})


# Groups of roles that recur.
OFFICE = {"superuser": YES, "office": YES}
OFFICE_OF_CITY = {"superuser": YES, "office": CITY}
CITY_STAFF = {"superuser": YES, "office": YES, "hr": YES}
PERSON_READERS = {"superuser": YES, "office": CITY, "hr": CITY, "talent": OWN}
TALENTS = {"talent": YES, "expert": YES}
APPLICATION_READERS = {"superuser": YES, "office": CITY, "hr": CITY, "talent": OWN, "employer": OWN}
HR_OF_CITY = {"superuser": YES, "hr": CITY}
POOL_READERS = {"superuser": YES, "office": YES, "hr": YES, "organiser": YES}  # the shared expert pool
TARGET_READERS = {**POOL_READERS, "observer": YES}  # committees, studios and the plans' targets
ROUND_ORGANISER = {"superuser": YES, "organiser": OWN}
ROUND_READERS = {"superuser": YES, "organiser": OWN, "office": YES}  # offices follow every round
USAGE_READERS = {"superuser": YES, "office": YES, "observer": YES, "provider": YES}
STATISTICS = {"superuser": YES, "office": YES, "hr": YES, "observer": YES}
SCANNERS = {"superuser": YES, "office": YES, "spot": YES, "provider": YES}
PROVIDER_READERS = {"superuser": YES, "office": YES, "observer": YES, "provider": OWN}

PAGES: dict[str, Rule] = {
    # core: home, accounts, organisations, audit log
    "GET core:home": everyone(),
    "GET core:favicon": everyone(),  # a redirect to the static icon
    "GET core:dashboard": logged_in(),
    "GET core:login": everyone(),
    "POST core:logout": everyone(),
    "GET core:password_change": logged_in(),
    "GET core:password_change_done": logged_in(),
    "GET core:password_reset": everyone(),
    "GET core:password_reset_done": everyone(),
    "GET core:password_reset_confirm": everyone(),  # an invalid link says so to anyone
    "GET core:password_reset_complete": everyone(),
    "GET core:employer_register": everyone(),
    "GET core:organisations": only(**OFFICE),
    "POST core:organisation_decide": only(**OFFICE_OF_CITY),
    "GET core:organisation_licence": only(**OFFICE_OF_CITY),
    "GET core:staff_account_create": only(**OFFICE),
    "GET core:audit_log": only(**OFFICE),
    "GET core:audit_export": only(**OFFICE),
    "GET set_language": everyone(),
    "GET api:openapi-json": everyone(),
    "GET api:openapi-view": everyone(),
    # registry: imports, persons, consent, registrations, record linkage
    "GET registry:imports": only(**OFFICE),
    "GET registry:import_detail": only(**OFFICE_OF_CITY),
    "POST registry:import_retry": only(**OFFICE_OF_CITY),
    "GET registry:import_errors_xlsx": only(**OFFICE_OF_CITY),
    "GET registry:import_template": only(**OFFICE_OF_CITY),
    "GET registry:persons": only(**CITY_STAFF),
    "GET registry:person_detail": only(**PERSON_READERS),
    "POST registry:person_id_number": only(**HR_OF_CITY),  # finding 14
    "POST registry:consent_create": only(superuser=YES, office=CITY, talent=OWN),
    "POST registry:consent_withdraw": only(superuser=YES, office=CITY, talent=OWN),
    "GET registry:my_record": logged_in(),
    "GET registry:talent_register": everyone(),
    "GET registry:claims": only(**OFFICE),
    "POST registry:claim_decide": only(**OFFICE_OF_CITY),
    "GET registry:linkage": only(**OFFICE),
    "POST registry:linkage": only(**OFFICE),
    "GET registry:linkage_run": only(**OFFICE),
    "POST registry:linkage_run_retry": only(**OFFICE),
    "GET registry:linkage_review": only(**OFFICE),
    "GET registry:linkage_review_pair": only(**OFFICE_OF_CITY),
    "POST registry:linkage_review_decide": only(**OFFICE_OF_CITY),
    "POST registry:linkage_change_undo": only(**OFFICE_OF_CITY),
    "GET registry:person_links": only(**PERSON_READERS),
    "POST registry:person_split": only(**OFFICE_OF_CITY),
    "POST registry:person_merge": only(**OFFICE_OF_CITY),
    # credentials: applications, review, the certificate list, verification
    "GET credentials:index": logged_in(),
    "GET credentials:apply": only(superuser=YES, talent=YES, expert=YES, employer=YES),
    "GET credentials:application_detail": only(**APPLICATION_READERS),
    "GET credentials:application_scan": only(**APPLICATION_READERS),
    "POST credentials:application_decide": only(**HR_OF_CITY),
    "POST credentials:application_supplement": only(talent=OWN, employer=OWN),
    "GET credentials:review": only(superuser=YES, hr=YES),
    "GET credentials:registry_imports": only(**CITY_STAFF),
    "GET credentials:registry_import_detail": only(**CITY_STAFF),
    "GET credentials:registry_import_errors": only(**CITY_STAFF),
    "GET credentials:verify": everyone(),
    "GET credentials:statistics": only(**STATISTICS),
    "GET credentials:statistics_xlsx": only(**STATISTICS),
    "GET credentials:catalogue": everyone(),
    "GET credentials:notifications": logged_in(),
    "POST credentials:notification_read": only(talent=OWN),
    "POST credentials:notifications_read_all": logged_in(),  # the reader's own
    # experts: the shared pool, committees and studios, review rounds, the expert's answers
    "GET indicators:targets": only(**TARGET_READERS),
    # The talent market: open jobs for everyone; recruiters of an approved employer keep their
    # organisation's jobs and see their candidates; talents keep their own résumé.
    "GET market:jobs": everyone(),
    "GET market:job_detail": everyone(),
    "GET market:jobs_mine": only(employer=YES),
    "GET market:job_new": only(employer=YES),
    "POST market:job_new": only(employer=YES),
    "GET market:job_edit": only(employer=OWN),
    "POST market:job_edit": only(employer=OWN),
    "POST market:job_publish": only(employer=OWN),
    "POST market:job_close": only(employer=OWN),
    "GET market:job_candidates": only(employer=OWN),
    "GET market:profile": only(**TALENTS),
    "POST market:profile": only(**TALENTS),
    "GET market:matches": only(**TALENTS),
    "POST market:job_apply": only(**TALENTS),
    "GET market:job_applications": only(employer=OWN),
    "POST market:application_move": only(employer=OWN),
    "GET market:applications_mine": only(**TALENTS),
    "POST market:application_withdraw": only(talent=OWN),
    "GET market:funnel": only(**STATISTICS),
    "GET market:report": only(**STATISTICS),  # the annual regional talent market report
    "GET market:report_pdf": only(**STATISTICS),
    "GET market:report_pdf_status": only(**STATISTICS),  # the PDF's build, polled
    "POST market:report_pdf_retry": only(**STATISTICS),
    "GET market:talent_map": only(**STATISTICS),  # the key-industry talent map, the report's readers
    "GET market:graduates": only(**STATISTICS),  # new graduates: hired, origins, staying (issue 14 item 8)
    "GET experts:search": only(**POOL_READERS),
    "GET experts:detail": only(**POOL_READERS, expert=OWN),
    "GET experts:edit": only(**OFFICE_OF_CITY),
    "GET experts:me": logged_in(),
    "POST experts:conflict_declare": only(expert=YES),
    "POST experts:relation_add": only(expert=YES),
    "POST experts:conflict_withdraw": only(**OFFICE_OF_CITY, expert=OWN),
    "GET experts:imports": only(**OFFICE),
    "GET experts:import_detail": only(**OFFICE_OF_CITY),
    "GET experts:import_errors_xlsx": only(**OFFICE_OF_CITY),
    "GET experts:committees": only(**TARGET_READERS),
    "POST experts:committees": only(**OFFICE),
    "GET experts:committee_detail": only(**POOL_READERS),
    "POST experts:committee_detail": only(**OFFICE),
    "POST experts:member_remove": only(**OFFICE),
    "GET experts:studios": only(**TARGET_READERS),
    "POST experts:studios": only(**OFFICE),
    "GET experts:studio_detail": only(**TARGET_READERS),  # the observer: counts and the leader's city
    "POST experts:studio_detail": only(**OFFICE),
    "GET experts:rounds": only(superuser=YES, organiser=YES, office=YES),
    "POST experts:rounds": only(organiser=YES),  # a round is opened in the organiser's city
    "GET experts:round_detail": only(**ROUND_READERS),
    "POST experts:round_detail": only(**ROUND_ORGANISER),
    "POST experts:round_action": only(**ROUND_ORGANISER),
    "GET experts:round_export": only(**ROUND_ORGANISER),  # the organiser's panel list
    "GET experts:workloads": only(superuser=YES, office=YES, organiser=YES),
    "POST experts:seat_respond": only(expert=OWN),
    "POST experts:seat_review": only(expert=OWN),
    # benefits: catalogue, providers, conflicts, settlement, insurance years, the talent's own
    "GET benefits:catalogue": logged_in(),
    "GET benefits:benefit_create": only(**OFFICE),
    "GET benefits:benefit_edit": only(**OFFICE_OF_CITY, provider=OWN),  # the provider: its description
    "GET benefits:providers": only(**OFFICE),
    "GET benefits:provider_detail": only(**PROVIDER_READERS),
    "GET benefits:provider_edit": only(**OFFICE_OF_CITY),
    "POST benefits:service_point_create": only(**OFFICE_OF_CITY, provider=OWN),
    "POST benefits:account_create": only(**OFFICE_OF_CITY),
    "GET benefits:conflicts": only(**OFFICE),
    "POST benefits:conflict_resolve": only(**OFFICE_OF_CITY),
    "GET benefits:statistics": only(**USAGE_READERS),
    "GET benefits:settlement": only(**USAGE_READERS),
    "POST benefits:settlement_close": only(**OFFICE),
    "GET benefits:settlement_xlsx": only(**USAGE_READERS),
    "GET benefits:insurance": only(**OFFICE),
    "GET benefits:insurance_errors_xlsx": only(**OFFICE_OF_CITY),
    "GET benefits:person_insurance": only(**PERSON_READERS),
    "GET benefits:mine": logged_in(),
    # the talent code
    "GET talentcode:my_code": only(**TALENTS),
    "GET talentcode:my_code_symbol": only(**TALENTS),
    "GET talentcode:my_code_png": only(**TALENTS),
    "GET talentcode:scan": only(**SCANNERS),
    "GET talentcode:service_worker": everyone(),
}

API: dict[str, Rule] = {
    # the talent code
    "POST /api/public/talentcode/verify": everyone(),
    "GET /api/public/talentcode/trust-list": everyone(),
    "GET /api/public/talentcode/status/{region_code}": everyone(),
    "POST /api/talentcode/verify": logged_in(),
    "GET /api/talentcode/my-code": only(**TALENTS),
    "POST /api/talentcode/my-code/offline": only(**TALENTS),
    # public: credentials, benefits, health, login, registration
    "POST /api/public/credentials/verify": everyone(),
    "GET /api/public/benefits/catalogue": everyone(),
    "GET /api/public/health": everyone(),
    "GET /api/public/regions": everyone(),
    "POST /api/public/auth/login": everyone(),
    "POST /api/public/auth/password-reset": everyone(),
    "POST /api/register/talent": everyone(),
    "POST /api/register/employer": everyone(),
    # benefits: the service point's contract
    "GET /api/benefits/service-points/mine": only(spot=YES),
    "POST /api/benefits/redemptions/check": only(spot=YES),
    "POST /api/benefits/redemptions": only(spot=YES),
    "POST /api/benefits/redemptions/sync": only(spot=YES),
    # benefits: redemptions, conflicts, catalogue, providers
    "GET /api/benefits/redemptions": lists(superuser=YES, office=YES, talent=YES, spot=YES, provider=YES),
    "GET /api/benefits/conflicts": only(**OFFICE),
    "POST /api/benefits/redemptions/{redemption_id}/resolve": only(**OFFICE_OF_CITY),
    "GET /api/benefits/catalogue": logged_in(),
    "POST /api/benefits/catalogue": only(**OFFICE),
    "GET /api/benefits/catalogue/{code}": logged_in(spot=OWN, provider=OWN),
    "PATCH /api/benefits/catalogue/{code}": only(**OFFICE_OF_CITY, provider=OWN),  # provider: description
    "GET /api/benefits/providers": lists(superuser=YES, office=YES, observer=YES, provider=YES),
    # A provider is created in the city of the account: a superuser has none.
    "POST /api/benefits/providers": only(office=YES),
    "GET /api/benefits/providers/{provider_id}": only(**PROVIDER_READERS),
    "PATCH /api/benefits/providers/{provider_id}": only(**OFFICE_OF_CITY),
    "GET /api/benefits/providers/{provider_id}/service-points": only(**PROVIDER_READERS),
    "POST /api/benefits/providers/{provider_id}/service-points": only(**OFFICE_OF_CITY, provider=OWN),
    "POST /api/benefits/service-points/{point_id}/accounts": only(**OFFICE_OF_CITY),
    "POST /api/benefits/providers/{provider_id}/accounts": only(**OFFICE_OF_CITY),
    # benefits: the talent's own, insurance years, usage and settlement
    "GET /api/benefits/me/entitlements": only(**TALENTS),
    "GET /api/benefits/me/redemptions": only(**TALENTS),
    "GET /api/benefits/me/insurance": only(**TALENTS),
    "POST /api/benefits/insurance/imports": only(**OFFICE),
    "GET /api/benefits/insurance/imports/{batch_id}/errors.xlsx": only(**OFFICE_OF_CITY),
    "GET /api/benefits/insurance/persons/{person_id}": only(**PERSON_READERS),
    "GET /api/benefits/statistics": only(**USAGE_READERS),
    "GET /api/benefits/settlement": only(**USAGE_READERS),
    "POST /api/benefits/settlement/{month}/close": only(**OFFICE),
    "GET /api/benefits/settlement.xlsx": only(**USAGE_READERS),
    # core: the session, organisations, staff accounts, the audit log
    "POST /api/core/auth/logout": logged_in(),
    "POST /api/core/auth/password": logged_in(),
    "GET /api/core/me": logged_in(),
    "GET /api/core/organisations": lists(**OFFICE),
    "POST /api/core/organisations/{organisation_id}/decision": only(**OFFICE_OF_CITY),
    "POST /api/core/accounts": only(**OFFICE),
    "GET /api/core/audit": only(**OFFICE),
    "GET /api/core/audit/export": only(**OFFICE),
    # registry: catalogues, imports, persons, consent, registrations
    "GET /api/registry/categories": logged_in(),
    "GET /api/registry/tiers": logged_in(),
    "GET /api/registry/source-systems": logged_in(),
    "GET /api/registry/source-systems/{code}/template": only(**OFFICE_OF_CITY),
    "POST /api/registry/imports": only(**OFFICE),
    "GET /api/registry/imports": lists(**OFFICE),
    "GET /api/registry/imports/{batch_id}": only(**OFFICE_OF_CITY),
    "POST /api/registry/imports/{batch_id}/retry": only(**OFFICE_OF_CITY),
    "GET /api/registry/imports/{batch_id}/errors": only(**OFFICE_OF_CITY),
    "GET /api/registry/imports/{batch_id}/errors.xlsx": only(**OFFICE_OF_CITY),
    "GET /api/registry/persons": lists(**CITY_STAFF, talent=YES, expert=YES),  # a talent: themselves
    "GET /api/registry/persons/{person_id}": only(**PERSON_READERS),
    "POST /api/registry/persons/{person_id}/id-number": only(**HR_OF_CITY),  # finding 14
    "GET /api/registry/persons/{person_id}/consents": only(**PERSON_READERS),
    "POST /api/registry/persons/{person_id}/consents": only(superuser=YES, office=CITY, talent=OWN),
    "POST /api/registry/consents/{consent_id}/withdraw": only(superuser=YES, office=CITY, talent=OWN),
    "GET /api/registry/me": only(**TALENTS),
    "GET /api/registry/claims": lists(**OFFICE),
    "POST /api/registry/claims/{claim_id}/decision": only(**OFFICE_OF_CITY),
    # registry: record linkage
    "POST /api/registry/linkage/runs": only(**OFFICE),
    "GET /api/registry/linkage/runs": only(**OFFICE),
    "POST /api/registry/linkage/runs/{run_id}/retry": only(**OFFICE),
    "GET /api/registry/linkage/runs/{run_id}": only(**OFFICE),
    "GET /api/registry/linkage/review": only(**OFFICE),
    "POST /api/registry/linkage/review/{pair_id}/decision": only(**OFFICE_OF_CITY),
    "GET /api/registry/linkage/persons/{person_id}/changes": only(**PERSON_READERS),
    "POST /api/registry/linkage/persons/{person_id}/split": only(**OFFICE_OF_CITY),
    "POST /api/registry/linkage/persons/{person_id}/merge": only(**OFFICE_OF_CITY),
    "POST /api/registry/linkage/changes/{change_id}/undo": only(**OFFICE_OF_CITY),
    # credentials
    "GET /api/credentials/kinds": logged_in(),
    "GET /api/credentials/authorities": logged_in(),
    "GET /api/credentials/equivalences": logged_in(),
    "GET /api/credentials/persons/{person_id}/levels": only(**PERSON_READERS),
    # An application is a talent's own or their employer's; a superuser is neither.
    "POST /api/credentials/applications": only(talent=YES, expert=YES, employer=YES),
    "GET /api/credentials/applications": lists(
        superuser=YES, office=YES, hr=YES, talent=YES, expert=YES, employer=YES
    ),
    "GET /api/credentials/applications/{application_id}": only(**APPLICATION_READERS),
    "GET /api/credentials/applications/{application_id}/scan": only(**APPLICATION_READERS),
    "POST /api/credentials/applications/{application_id}/decision": only(**HR_OF_CITY),
    "POST /api/credentials/applications/{application_id}/supplement": only(talent=OWN, employer=OWN),
    "GET /api/credentials/review-queue": only(superuser=YES, hr=YES),
    "GET /api/credentials/review-queue/counts": logged_in(),  # counts of the reader's own queue
    "POST /api/credentials/registry/imports": only(**CITY_STAFF),
    "GET /api/credentials/registry/imports": lists(**CITY_STAFF),
    "GET /api/credentials/registry/imports/{import_id}/errors": only(**CITY_STAFF),
    "GET /api/credentials/registry/imports/{import_id}/errors.xlsx": only(**CITY_STAFF),
    "GET /api/credentials/statistics": only(**STATISTICS),
    "GET /api/credentials/notifications": logged_in(),  # the reader's own
    "POST /api/credentials/notifications/{notification_id}/read": only(talent=OWN),
    "POST /api/credentials/notifications/read-all": logged_in(),  # the reader's own
    # experts
    "GET /api/experts/fields": logged_in(),
    "GET /api/experts/experts": only(**POOL_READERS),
    "GET /api/experts/experts/{expert_id}": only(**POOL_READERS, expert=OWN),
    "PATCH /api/experts/experts/{expert_id}": only(**OFFICE_OF_CITY, expert=OWN),
    "GET /api/experts/me": only(expert=YES),
    "PATCH /api/experts/me": only(expert=YES),
    "POST /api/experts/me/conflicts": only(expert=YES),
    "POST /api/experts/me/relations": only(expert=YES),
    "POST /api/experts/imports": only(**OFFICE),
    "GET /api/experts/imports/{import_id}/errors": only(**OFFICE_OF_CITY),
    "GET /api/experts/committees": only(**TARGET_READERS),
    "POST /api/experts/committees": only(**OFFICE),
    "POST /api/experts/committees/{committee_id}/members": only(**OFFICE),
    "GET /api/experts/studios": only(**TARGET_READERS),
    "GET /api/indicators/targets": only(**TARGET_READERS),
    "GET /api/market/jobs": logged_in(),
    "GET /api/market/jobs/mine": only(employer=YES),
    "POST /api/market/jobs": only(employer=YES),
    "GET /api/market/jobs/{job_id}": logged_in(),
    "PUT /api/market/jobs/{job_id}": only(employer=OWN),
    "POST /api/market/jobs/{job_id}/publish": only(employer=OWN),
    "POST /api/market/jobs/{job_id}/close": only(employer=OWN),
    "GET /api/market/jobs/{job_id}/candidates": only(employer=OWN),
    "GET /api/market/jobs/{job_id}/applications": only(employer=OWN),
    "POST /api/market/jobs/{job_id}/applications": only(**TALENTS),
    "POST /api/market/applications/{application_id}/move": only(employer=OWN),
    "GET /api/market/applications": lists(**TALENTS),
    "POST /api/market/applications/{application_id}/withdraw": only(talent=OWN),
    "GET /api/market/profile": only(**TALENTS),
    "PUT /api/market/profile": only(**TALENTS),
    "GET /api/market/profile/matches": only(**TALENTS),
    "GET /api/market/funnel": only(**STATISTICS),
    "GET /api/market/map": only(**STATISTICS),
    "GET /api/market/graduates": only(**STATISTICS),
    "POST /api/experts/studios": only(**OFFICE),
    "POST /api/experts/studios/{studio_id}/commissions": only(**OFFICE),
    "GET /api/experts/rounds": lists(superuser=YES, office=YES, organiser=YES),
    "POST /api/experts/rounds": only(organiser=YES),
    "GET /api/experts/rounds/{round_id}": only(**ROUND_READERS),
    "POST /api/experts/rounds/{round_id}/projects": only(**ROUND_ORGANISER),
    "POST /api/experts/rounds/{round_id}/propose": only(**ROUND_ORGANISER),
    "POST /api/experts/rounds/{round_id}/invite": only(**ROUND_ORGANISER),
    "POST /api/experts/rounds/{round_id}/refill": only(**ROUND_ORGANISER),
    "GET /api/experts/rounds/{round_id}/panels.xlsx": only(**ROUND_ORGANISER),
    "GET /api/experts/workloads": only(superuser=YES, office=YES, organiser=YES),
    "GET /api/experts/invitations": only(expert=YES),
    "POST /api/experts/invitations/{seat_id}/respond": only(expert=OWN),
    "POST /api/experts/invitations/{seat_id}/review": only(expert=OWN),
}

# The back office: the superuser everywhere, the talent office where its group may view (regions,
# organisations, accounts, the audit log and the registry's catalogues); every other role refused.
_OFFICE_VIEWS = {
    "core_region", "core_organisation", "core_user", "core_auditevent", "registry_talentcategory",
    "registry_tier", "registry_sourcesystem", "registry_importbatch", "registry_consent",
    "registry_talentclaim",
}  # fmt: skip
ADMIN_MODELS = (
    "benefits_provider", "benefits_servicepointaccount", "benefits_benefit", "benefits_redemption",
    "benefits_insuranceimport", "benefits_insurancerecord", "core_region", "core_organisation",
    "core_user", "core_auditevent", "credentials_certificateseries", "credentials_certificatekind",
    "credentials_issuingauthority", "credentials_equivalence", "credentials_registrycertificate",
    "credentials_registryimport", "credentials_application", "experts_field", "indicators_plan",
    "indicators_indicator", "market_occupation", "market_district", "market_keyindustry",
    "experts_expert", "experts_committee", "experts_studio", "experts_reviewround",
    "experts_expertimport", "registry_talentcategory", "registry_tier", "registry_sourcesystem",
    "registry_importbatch", "registry_consent", "registry_talentclaim", "talentcode_signingkey",
    "talentcode_credential", "talentcode_publishedlist", "auth_group", "axes_accessattempt",
    "axes_accessfailurelog", "axes_accesslog", "django_tasks_database_dbtaskresult",
)  # fmt: skip
ADMIN: dict[str, Rule] = {
    "GET admin:index": only(**OFFICE),
    **{
        f"GET admin:{model}_changelist": only(**(OFFICE if model in _OFFICE_VIEWS else {"superuser": YES}))
        for model in ADMIN_MODELS
    },
}

TABLE: dict[str, Rule] = {**PAGES, **API, **ADMIN}
