"""Load the demo: accounts for every role and generated registries of both cities."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from talentlink.core.audit import Access
from talentlink.core.models import AuditEvent, Organisation, Region, Role, User
from talentlink.core.services import office_staff_grant
from talentlink.registry import demo, services
from talentlink.registry.models import ImportBatch, SourceSystem

PASSWORD = "Talent@2026"
ACCOUNTS = [
    # username, full name, role, region code
    ("nb-office", "宁波人才办 王晓明", Role.TALENT_OFFICE, "330200"),
    ("zs-office", "舟山人才办 李海燕", Role.TALENT_OFFICE, "330900"),
    ("nb-hr", "宁波人社局 陈思远", Role.HR_REVIEWER, "330200"),
    ("zs-hr", "舟山人社局 周敏", Role.HR_REVIEWER, "330900"),
    ("nb-service", "宁波天一阁服务点", Role.SERVICE_POINT, "330200"),
    ("zs-organiser", "舟山市科技局 评审组织", Role.REVIEW_ORGANISER, "330900"),
    ("province", "省委人才办 观察员", Role.PROVINCE_OBSERVER, None),
]


class Command(BaseCommand):
    help = "Create demo accounts and import generated exports of both cities (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", type=int, default=2000, help="rows per city")
        parser.add_argument("--overlap", type=float, default=0.3, help="share of people in both cities")
        parser.add_argument("--out", type=Path, default=Path(settings.VAR_DIR) / "demo")

    def handle(self, *args, **options) -> None:
        self._accounts()
        paths = demo.write_exports(
            out_dir=options["out"], size=options["size"], overlap=options["overlap"], errors=demo.DEMO_ERRORS
        )
        for source in SourceSystem.objects.select_related("region"):
            self._import(source, paths[source.code])
        self._employer()
        self._talent()
        # Each later capability adds its own demo data on top of the registry's (AppConfig hook).
        for config in apps.get_app_configs():
            if hasattr(config, "demo_load"):
                config.demo_load(stdout=self.stdout)
        # Linked last, as the task worker would after the imports, so that the merges reach what
        # the other apps hold for these persons.
        demo.queued_runs_link(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(self._summary()))

    def _accounts(self) -> None:
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser(
                "admin", "admin@talentlink.localhost", PASSWORD, full_name="平台管理员"
            )
        for username, full_name, role, region_code in ACCOUNTS:
            if User.objects.filter(username=username).exists():
                continue
            region = Region.objects.get(code=region_code) if region_code else None
            user = User(
                username=username, full_name=full_name, role=role, region=region,
                email=f"{username}@talentlink.localhost",
            )  # fmt: skip
            user.set_password(PASSWORD)
            user.save()
            if role == Role.TALENT_OFFICE:
                office_staff_grant(user=user)

    def _import(self, source: SourceSystem, path: Path) -> None:
        office = User.objects.get(username="nb-office" if source.region.code == demo.NINGBO else "zs-office")
        access = Access.system(channel=AuditEvent.Channel.COMMAND, user=office)
        with open(path, "rb") as handle:
            batch = services.import_submit(
                access=access,
                source_system=source,
                upload=File(handle, name=path.name),
                enqueue=False,
            )
        if batch.status == ImportBatch.Status.QUEUED:
            with tqdm(desc=source.code, unit=" rows", disable=None) as bar:
                batch = services.import_run_now(
                    batch_id=batch.pk, progress=lambda phase, done, total: bar.update(done - bar.n)
                )
        self.stdout.write(f"{source.name}: {batch.get_status_display()} ({batch.total_rows} rows)")

    def _employer(self) -> None:
        if User.objects.filter(username="nb-employer").exists():
            return
        region = Region.objects.get(code=demo.NINGBO)
        organisation = Organisation.objects.create(
            name="宁波海天新材料科技有限公司", credit_code=demo.credit_code(demo.random.Random(7), "330206"),
            region=region, status=Organisation.Status.APPROVED, contact_name="赵经理",
        )  # fmt: skip
        user = User(username="nb-employer", full_name="赵经理", role=Role.EMPLOYER, region=region,
                    organisation=organisation, email="hr@haitian.example.cn")  # fmt: skip
        user.set_password(PASSWORD)
        user.save()

    def _talent(self) -> None:
        t = demo.first_talent()
        if User.objects.filter(username=t.phone).exists():
            return
        services.talent_register(
            name=t.name, id_number=t.id_number, phone=t.phone, email=f"talent{t.uid}@example.cn",
            password=PASSWORD, region=Region.objects.get(code=demo.NINGBO),
        )  # fmt: skip

    def _summary(self) -> str:
        # Every demo account the apps created, not only the registry's: one list to log in with.
        talent = demo.first_talent()
        users = (
            User.objects.exclude(role=Role.TALENT)
            .select_related("region")
            .order_by("-is_superuser", "role", "username")
        )
        rows = [
            (
                u.username,
                "superuser / 平台管理员"
                if u.is_superuser
                else f"{u.get_role_display()} {u.region.code if u.region else ''}",
            )
            for u in users
        ]
        rows.append((talent.phone, f"{Role.TALENT.label} {talent.name}"))
        lines = ["", f"Demo accounts (password for all: {PASSWORD})"]
        lines += [f"  {username:<14} {what}" for username, what in rows]
        return "\n".join(lines)
