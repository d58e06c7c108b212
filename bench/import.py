"""Import benchmark: the platform's import of a city export beside a naive row-by-row save().

Run from the repository root (see bench/README.md):

    .venv/bin/python bench/import.py                          # 1,000,000 rows, fresh SQLite files
    .venv/bin/python bench/import.py --rows 100000 --baseline-rows 5000
    .venv/bin/python bench/import.py --database-url postgres://postgres@127.0.0.1:5432/talentlink_bench
    .venv/bin/python bench/import.py --rows 100000 --profile /tmp/import.prof
    .venv/bin/python bench/import.py --rows 100000 --xlsx-readers none      # CSV only

The script never touches var/: every run gets its own TALENTLINK_VAR_DIR and database
(a new SQLite file, or the PostgreSQL database of --database-url dropped and created again).
Each measurement runs in its own subprocess (this script with --worker), so the RSS
high-water mark is that run's own. Timed runs are not traced; the Python heap peak
(tracemalloc) comes from a second, traced run of the same import unless --heap says otherwise.

The import scans a large file in a second process while the first writes (registry.imports);
the peak RSS and heap figures are the writing process's. The 1/10-size import also runs with
the scan in the writing process ("one process"), to show what the pipeline gains; --profile
profiles a single-process import, so that cProfile sees the scan too.

The same rows are also written as an XLSX file (as Zhoushan delivers its export) and imported
through the same importer twice, read once with calamine (the platform's reader) and once with
openpyxl (TALENTLINK_XLSX_READER=openpyxl, the reader it replaced), to put XLSX beside CSV.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import itertools
import json
import os
import platform as platform_info
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from measure import ChildrenPeak  # the bench folder is the script's own

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve()
MARKER = "BENCH-RESULT "
SOURCE_CODE = "ningbo-talent-db"
MIB = 1024 * 1024
GOAL_ROWS_PER_S = 20_000
# The naive importer's copy of the source record fields (kept here so that it does not
# follow changes to the platform's importer).
NAIVE_FIELDS = (
    "name", "sex", "birth_date", "phone", "email", "employer_name", "employer_credit_code",
    "category_id", "tier_id", "education", "title", "industry",
)  # fmt: skip
T = TypeVar("T")


# --- Command line ----------------------------------------------------------------------------------


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the generated export")
    parser.add_argument("--baseline-rows", type=int, default=20_000, help="rows the naive importer gets")
    parser.add_argument("--database-url", help="postgres://… database to (re)create; default: SQLite")
    parser.add_argument(
        "--heap",
        choices=["separate", "inline", "off"],
        default="separate",
        help="separate: an extra traced run per measurement for the heap peak (default);\n"
        "inline: trace the timed runs (timings then include tracemalloc's overhead); off: no heap peak",
    )
    parser.add_argument("--profile", type=Path, help="only profile one platform import (cProfile) to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (files, databases)")
    parser.add_argument(
        "--xlsx-readers",
        choices=["calamine,openpyxl", "calamine", "openpyxl", "none"],
        default="calamine,openpyxl",
        help="the XLSX imports to run, by reader (default both; none: CSV only)",
    )
    # Internal: one measurement in this process.
    parser.add_argument("--worker", choices=["generate", "platform", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--xlsx", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--xlsx-reader", choices=["calamine", "openpyxl"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--small-rows", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--reimport", nargs="*", type=Path, default=[], help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--one-process", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    if args.worker:
        result = worker(args)
        print(MARKER + json.dumps(result), flush=True)
    elif args.profile:
        run_profile(args)
    else:
        run_benchmark(args)


# --- Measuring inside a worker ---------------------------------------------------------------------


def rss_now_mib() -> float | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / MIB


def measured(action: Callable[[], T], *, traced: bool) -> tuple[T, dict[str, Any]]:
    """Run ``action``; return its value with wall time, heap peak (if traced) and RSS."""
    rss_start = rss_now_mib()
    if traced:
        tracemalloc.start()
    children = ChildrenPeak()
    children.start()
    cpu_start = cpu_seconds(resource.RUSAGE_SELF), cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        value = action()
    finally:
        children.stop.set()
    seconds = time.perf_counter() - started
    cpu = {
        "cpu_self_s": cpu_seconds(resource.RUSAGE_SELF) - cpu_start[0],
        "cpu_children_s": cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_start[1],
    }
    heap_peak = None
    if traced:
        heap_peak = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    stats = {"seconds": seconds, "heap_peak_mib": heap_peak, "rss_peak_mib": rss_peak, **cpu}
    return value, {**stats, "rss_start_mib": rss_start, "scan_rss_mib": children.peak_mib or None}


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def engine_name() -> str:
    from django.db import connection

    version = ".".join(str(part) for part in connection.get_database_version())
    return f"{connection.vendor} {version}"


def worker(args: argparse.Namespace) -> dict[str, Any]:
    if args.xlsx_reader:  # before Django reads its settings; the scanning process inherits it
        os.environ["TALENTLINK_XLSX_READER"] = args.xlsx_reader
    django_setup()
    import talentlink

    if args.worker == "generate":
        result = generate(args.out, args.rows, args.small_rows, xlsx=args.xlsx)
    elif args.worker == "platform":
        if args.one_process or args.profile:
            from talentlink.registry import imports

            imports.PIPELINE_MIN_BYTES = sys.maxsize  # scan in this process, whatever the file's size
        result = platform_worker(args.file, traced=args.trace, reimport=args.reimport, profile=args.profile)
    else:
        result = naive_worker(args.file, args.rows, traced=args.trace)
    code = str(Path(talentlink.__file__).resolve().parent.parent)
    return {**result, "engine": engine_name(), "code": code}


# --- Generating the export -------------------------------------------------------------------------


def csv_writer(stack: contextlib.ExitStack, path: Path, source: Any, **options: Any) -> Any:
    handle = stack.enter_context(path.open("w", encoding=source.encoding, newline=""))
    return csv.writer(handle, delimiter=source.delimiter, **options)


def generate(out: Path, rows: int, small: int, *, xlsx: bool) -> dict[str, Any]:
    """Write the Ningbo export (as demo.write_exports does), the same rows with LF line ends
    (other bytes, same content), its first ``small`` rows and, if asked, the same rows as XLSX
    (written as demo.write_exports writes Zhoushan's)."""
    from openpyxl import Workbook

    from talentlink.registry import demo
    from talentlink.registry.models import SourceSystem

    source = SourceSystem.objects.get(code=SOURCE_CODE)
    header, row_of = demo._formatter(source)
    paths = {"full": out / f"{SOURCE_CODE}.csv", "lf": out / f"{SOURCE_CODE}-lf.csv"}
    paths["small"] = out / f"{SOURCE_CODE}-{small}.csv"
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        full = csv_writer(stack, paths["full"], source)
        lf = csv_writer(stack, paths["lf"], source, lineterminator="\n")
        part = csv_writer(stack, paths["small"], source)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("人才信息")
        outputs = [full.writerow, lf.writerow, *([sheet.append] if xlsx else [])]
        for write in (*outputs, part.writerow):
            write(header)
        # With no overlap, the generator yields all of Ningbo's rows before Zhoushan's.
        for i, (region, key, talent, written_id) in enumerate(demo.Generator().people(rows, 0)):
            if region != demo.NINGBO:
                break
            cells = row_of(key, talent, written_id)
            for write in outputs:
                write(cells)
            if i < small:
                part.writerow(cells)
    if xlsx:
        paths["xlsx"] = out / f"{SOURCE_CODE}.xlsx"
        workbook.save(paths["xlsx"])
    seconds = time.perf_counter() - started
    return {"paths": {k: str(v) for k, v in paths.items()}, "seconds": seconds}


# --- The platform's import -------------------------------------------------------------------------


def office_user() -> Any:
    from talentlink.core.models import Region, Role, User

    user = User(
        username="bench-nb-office",
        role=Role.TALENT_OFFICE,
        region=Region.objects.get(code="330200"),
        full_name="Benchmark",
    )
    user.set_unusable_password()
    user.save()
    return user


def platform_import(user: Any, path: Path, name: str) -> dict[str, Any]:
    """Submit and run one import as the talent office would; return its outcome and phase times."""
    from django.core.files import File

    from talentlink.core.audit import Access
    from talentlink.registry import services
    from talentlink.registry.models import ImportBatch, SourceSystem

    source = SourceSystem.objects.select_related("region").get(code=SOURCE_CODE)
    marks: dict[str, float] = {"start": time.perf_counter()}

    def progress(phase: str, done: int, total: int) -> None:
        marks.setdefault(f"{phase} first", time.perf_counter())
        marks[f"{phase} last"] = time.perf_counter()

    with open(path, "rb") as handle:
        upload = File(handle, name=name)
        batch = services.import_submit(
            access=Access.system(user=user), source_system=source, upload=upload, enqueue=False
        )
    marks["submitted"] = time.perf_counter()
    if batch.status == ImportBatch.Status.QUEUED:
        batch = services.import_run_now(batch_id=batch.pk, progress=progress)
    marks["end"] = time.perf_counter()
    return {**batch_outcome(batch), **phase_times(marks)}


def batch_outcome(batch: Any) -> dict[str, Any]:
    return {
        "status": batch.status,
        "rows": batch.total_rows,
        "created": batch.created_count,
        "updated": batch.updated_count,
        "unchanged": batch.unchanged_count,
        "errors": batch.error_count,
        "message": batch.message,
    }


def phase_times(marks: dict[str, float]) -> dict[str, Any]:
    """Seconds to submit (hash and store the file) and to run the import, and when each progress
    phase the importer reports was first and last reported, counted from the start of the run."""
    run_start = marks["submitted"]
    phases = {
        name.removesuffix(" first"): (at - run_start, marks[name.replace(" first", " last")] - run_start)
        for name, at in marks.items()
        if name.endswith(" first")
    }
    return {"submit_s": run_start - marks["start"], "run_s": marks["end"] - run_start, "phases": phases}


def platform_worker(
    path: Path, *, traced: bool, reimport: list[Path], profile: Path | None
) -> dict[str, Any]:
    from django.conf import settings

    # Measure the import alone: the linkage it would queue has its own benchmark (bench/linkage.py),
    # and choosing its engine starts a Java process that would count as the scanning process's RSS.
    settings.TALENTLINK_LINKAGE_AFTER_IMPORT = False
    if path.suffix == ".xlsx":
        from talentlink.registry.models import SourceSystem

        # Same columns and codes, delivered as XLSX (import_submit checks the suffix).
        SourceSystem.objects.filter(code=SOURCE_CODE).update(file_format=SourceSystem.FileFormat.XLSX)
    # A worker process has loaded what an import runs after its first task: load the linkage
    # module that import_run_now imports, so that neither time nor heap counts a first import.
    with contextlib.suppress(ImportError):
        importlib.import_module("talentlink.registry.linkage.services")
    user = office_user()
    if profile:
        return profiled(lambda: platform_import(user, path, path.name), profile)
    outcome, stats = measured(lambda: platform_import(user, path, path.name), traced=traced)
    expect(outcome, status="succeeded", created=outcome["rows"])
    result = {**outcome, **stats}
    result["reimports"] = [timed_reimport(user, again) for again in reimport]
    return result


def timed_reimport(user: Any, path: Path) -> dict[str, Any]:
    name = f"again-{path.name}"
    outcome, stats = measured(lambda: platform_import(user, path, name), traced=False)
    return {**outcome, "seconds": stats["seconds"], "file": path.name}


def profiled(action: Callable[[], dict[str, Any]], path: Path) -> dict[str, Any]:
    import cProfile

    profiler = cProfile.Profile()
    started = time.perf_counter()
    outcome = profiler.runcall(action)
    seconds = time.perf_counter() - started
    profiler.dump_stats(str(path))
    return {**outcome, "seconds": seconds, "profile": str(path)}


def expect(outcome: dict[str, Any], **wanted: Any) -> None:
    wrong = {k: (outcome.get(k), v) for k, v in wanted.items() if outcome.get(k) != v}
    if wrong:
        raise SystemExit(f"unexpected import outcome {wrong}: {outcome}")


# --- The naive baseline ----------------------------------------------------------------------------


def naive_worker(path: Path, rows: int, *, traced: bool) -> dict[str, Any]:
    from talentlink.registry.models import ImportBatch, SourceSystem

    source = SourceSystem.objects.select_related("region").get(code=SOURCE_CODE)
    batch = ImportBatch.objects.create(
        source_system=source, file=f"imports/{path.name}", original_name=path.name, sha256="-" * 64
    )
    saved, stats = measured(lambda: naive_import(source, batch, path, rows), traced=traced)
    return {"rows": saved, "created": saved, "status": "succeeded", **stats}


def naive_rows(path: Path, source: Any, limit: int) -> Iterator[tuple[list[str], dict[str, str]]]:
    """(header, row) for the first ``limit`` data rows, read with csv.DictReader."""
    with open(path, encoding=source.encoding, newline="") as handle:
        reader = csv.DictReader(handle, delimiter=source.delimiter)
        header = list(reader.fieldnames or [])
        for record in itertools.islice(reader, limit):
            yield header, record


def naive_import(source: Any, batch: Any, path: Path, limit: int) -> int:
    """What a first draft does: validate a row, save its person, save its record, next row."""
    from talentlink.registry.parsing import RowParser

    parser = RowParser(source)
    saved = 0
    for number, (header, record) in enumerate(naive_rows(path, source, limit), start=2):
        if number == 2:
            parser.bind_header(header)
        row, _errors = parser.parse(number, [(record[h] or "").strip() for h in header])
        if row is not None:
            naive_save(source, batch, row)
            saved += 1
    return saved


def naive_save(source: Any, batch: Any, row: Any) -> None:
    from talentlink.core import crypto, idnumbers
    from talentlink.registry.models import Person, SourceRecord

    values = {f: getattr(row, f) for f in NAIVE_FIELDS}
    if row.id_number:
        values["id_number_encrypted"], values["id_number_index"] = crypto.id_number_seal(row.id_number)
        values["id_number_masked"] = idnumbers.mask(row.id_number)
    person = Person(home_region_id=source.region_id, **values)
    person.save()
    record = SourceRecord(
        source_system=source, source_key=row.source_key, person=person, batch=batch,
        row_number=row.row, content_hash=row.content_hash(), registered_on=row.registered_on, **values,
    )  # fmt: skip
    record.save()


# --- The parent: databases, subprocesses -----------------------------------------------------------


def revision() -> str:
    """The checkout's commit, and whether the code it runs has uncommitted changes."""
    git = ["git", "-C", str(ROOT)]
    try:
        commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run([*git, "status", "--porcelain", "--", "talentlink", "config"],
                               capture_output=True, text=True)  # fmt: skip
    except OSError:
        return "unknown"
    if commit.returncode:
        return "unknown (not a git checkout)"
    return commit.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Bench:
    """Runs workers, each on a fresh database and var directory under ``workdir``."""

    workdir: Path
    database_url: str | None
    heap: str
    _runs: int = field(default=0)

    @property
    def engine(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    def fresh_database(self) -> str:
        self._runs += 1
        if self.database_url:
            postgres_recreate(self.database_url, create=True)
            return self.database_url
        return f"sqlite:///{self.workdir / f'db-{self._runs}.sqlite3'}"

    def worker(self, *args: str, traced: bool = False) -> dict[str, Any]:
        url = self.fresh_database()
        var_dir = self.workdir / f"var-{self._runs}"
        env = {**os.environ, **worker_env(var_dir, url)}
        command = [sys.executable, str(SCRIPT), "--worker", *args, *(["--trace"] if traced else [])]
        done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
        self.clean(var_dir, url)
        lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
        return json.loads(lines[-1].removeprefix(MARKER))

    def clean(self, var_dir: Path, url: str) -> None:
        if self.database_url:
            return  # dropped and created again by the next run
        shutil.rmtree(var_dir, ignore_errors=True)
        database = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)

    def timed(self, label: str, args: list[str]) -> dict[str, Any]:
        """One timed run (traced too when the heap mode is inline); logs its outcome at once."""
        say(f"{label}: timed run")
        result = self.worker(*args, traced=self.heap == "inline")
        say(f"{label}: {summary(result)}")
        for again in result.get("reimports", []):
            say(f"  re-import of {again['file']}: {again['status']}, {again['seconds']:,.2f} s")
        return result

    def heap_peak(self, label: str, args: list[str]) -> float | None:
        """The Python heap peak from a separate traced run; None (and a warning) if it fails."""
        say(f"{label}: traced run for the heap peak (tracemalloc makes it several times slower)")
        try:
            peak = self.worker(*args, traced=True)["heap_peak_mib"]
        except (subprocess.CalledProcessError, KeyError, IndexError) as exc:
            say(f"{label}: traced run failed ({exc}); no heap peak")
            return None
        say(f"{label}: peak heap {peak:,.1f} MiB")
        return peak

    def close(self, keep: bool) -> None:
        if self.database_url and not keep:
            postgres_recreate(self.database_url, create=False)
        if not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


def worker_env(var_dir: Path, database_url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TALENTLINK_ENV": "development",
        "TALENTLINK_DEBUG": "false",  # DEBUG would record every query
        "TALENTLINK_VAR_DIR": str(var_dir),
        "TALENTLINK_MEDIA_ROOT": str(var_dir / "media"),
        "TALENTLINK_TASKS": "immediate",
        "TALENTLINK_LOG_LEVEL": "WARNING",
        "TALENTLINK_IMPORT_MAX_BYTES": str(1 << 40),
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
    }


def postgres_recreate(url: str, *, create: bool) -> None:
    """Drop the database named in ``url`` and, if asked, create it empty."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    connect = {"user": config["USER"], "password": config["PASSWORD"], "host": config["HOST"]}
    connect = {k: v for k, v in {**connect, "port": config["PORT"]}.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, **connect) as admin:
        name = sql.Identifier(config["NAME"])
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))


# --- The parent: the benchmark and its report ------------------------------------------------------


def small_size(rows: int) -> int:
    return max(rows // 10, 1)


def prepare(args: argparse.Namespace, *, xlsx: bool) -> tuple[Bench, dict[str, Path], dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix="talentlink-bench-"))
    bench = Bench(workdir=workdir, database_url=args.database_url, heap=args.heap)
    (workdir / "files").mkdir()
    also = " (CSV and XLSX)" if xlsx else ""
    say(f"work directory {workdir}; generating a {args.rows:,}-row Ningbo export{also}")
    generated = bench.worker(
        "generate", "--out", str(workdir / "files"), "--rows", str(args.rows),
        "--small-rows", str(small_size(args.rows)), *(["--xlsx"] if xlsx else []),
    )  # fmt: skip
    paths = {k: Path(v) for k, v in generated["paths"].items()}
    say(f"generated in {generated['seconds']:.1f} s ({paths['full'].stat().st_size / MIB:,.1f} MiB)")
    return bench, paths, generated


def measurements(args: argparse.Namespace, paths: dict[str, Path]) -> dict[str, list[str]]:
    """Worker arguments of each measurement, cheapest first."""
    return {
        f"platform, {small_size(args.rows):,} rows": ["platform", "--file", str(paths["small"])],
        f"naive, first {args.baseline_rows:,} rows": [
            "naive", "--file", str(paths["full"]), "--rows", str(args.baseline_rows),
        ],
        f"platform, one process, {small_size(args.rows):,} rows": [
            "platform", "--file", str(paths["small"]), "--one-process",
        ],
        f"platform, {args.rows:,} rows": ["platform", "--file", str(paths["full"])],
    }  # fmt: skip


def xlsx_measurements(args: argparse.Namespace, paths: dict[str, Path]) -> dict[str, list[str]]:
    """Worker arguments of the XLSX imports (the full-size rows), by the reader they use."""
    if "xlsx" not in paths:
        return {}
    return {
        reader: ["platform", "--file", str(paths["xlsx"]), "--xlsx-reader", reader]
        for reader in args.xlsx_readers.split(",")
    }


def run_benchmark(args: argparse.Namespace) -> None:
    load_start = os.getloadavg()
    bench, paths, generated = prepare(args, xlsx=args.xlsx_readers != "none")
    generated["load_start"] = load_start
    try:
        specs = measurements(args, paths)
        # Re-imports (the identical file under another name, then the same rows in other bytes)
        # follow the timed full-size import, in its database.
        again = ["--reimport", str(paths["full"]), str(paths["lf"])]
        small, naive, single, full = specs
        results = {label: bench.timed(label, [*spec, *(again if label == full else [])])
                   for label, spec in specs.items()}  # fmt: skip
        # The XLSX imports show speed and RSS: calamine's sheet is Rust memory, which tracemalloc
        # does not see.
        xlsx = {reader: bench.timed(f"platform, {args.rows:,} rows of XLSX through {reader}", spec)
                for reader, spec in xlsx_measurements(args, paths).items()}  # fmt: skip
        if args.heap == "separate":
            for label, spec in specs.items():
                if label != single:  # the one-process run shows speed only
                    results[label]["heap_peak_mib"] = bench.heap_peak(label, spec)
        report(args, generated, paths, results[full], results[small], results[naive], results[single], xlsx)
    finally:
        bench.close(args.keep)


def summary(result: dict[str, Any]) -> str:
    rate = result["rows"] / result["seconds"]
    heap = f", peak heap {mib(result['heap_peak_mib'])} MiB" if result.get("heap_peak_mib") else ""
    return (
        f"{result['status']}, {result['rows']:,} rows in {result['seconds']:,.2f} s = {rate:,.0f} rows/s, "
        f"peak RSS {mib(result['rss_peak_mib'])} MiB{heap}"
    )


def run_profile(args: argparse.Namespace) -> None:
    import pstats

    bench, paths, _generated = prepare(args, xlsx=False)
    try:
        say(f"profiling the platform import of {args.rows:,} rows")
        result = bench.worker("platform", "--file", str(paths["full"]), "--profile", str(args.profile))
        print(f"platform import of {result['rows']:,} rows under cProfile: {result['seconds']:.1f} s")
        for order in ("cumulative", "tottime"):
            print(f"\n=== top 30 by {order} ===")
            pstats.Stats(str(args.profile)).strip_dirs().sort_stats(order).print_stats(30)
    finally:
        bench.close(args.keep)


def mib(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def table_row(label: str, result: dict[str, Any]) -> list[str]:
    rows, seconds = result["rows"], result["seconds"]
    growth = None
    if result.get("rss_start_mib") is not None:
        growth = result["rss_peak_mib"] - result["rss_start_mib"]
    cpu = "-"
    if "cpu_self_s" in result:
        cpu = f"{result['cpu_self_s']:,.1f}" + (
            f" + {result['cpu_children_s']:,.1f}" if result["cpu_children_s"] else ""
        )
    return [
        label, f"{rows:,}", f"{seconds:,.2f}", f"{rows / seconds:,.0f}", cpu,
        mib(result.get("heap_peak_mib")), mib(result.get("rss_peak_mib")), mib(growth),
    ]  # fmt: skip


def print_table(lines: list[list[str]]) -> None:
    header = [
        "importer", "rows", "seconds", "rows/s", "CPU s (+ scan)",
        "peak heap MiB", "peak RSS MiB", "RSS growth MiB",
    ]  # fmt: skip
    table = [header, *lines]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for n, line in enumerate(table):
        cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)]
        print(" | ".join(cells))
        if n == 0:
            print("-+-".join("-" * w for w in widths))


def report(
    args: argparse.Namespace,
    generated: dict[str, Any],
    paths: dict[str, Path],
    full: dict[str, Any],
    small: dict[str, Any],
    naive: dict[str, Any],
    single: dict[str, Any],
    xlsx: dict[str, dict[str, Any]],
) -> None:
    print_header(args, generated, paths, full)
    identical, requoted = full["reimports"]
    identical = {**identical, "rows": full["rows"]}  # a duplicate batch counts no rows
    lines = [
        table_row("platform (import_submit + import_run_now)", full),
        table_row(f"platform at 1/10 size ({small['rows']:,} rows)", small),
        table_row("platform at 1/10 size, scan in the writing process (no pipeline)", single),
        table_row("platform re-import, same rows in other bytes", requoted),
        table_row("platform re-import, identical file (new name)", identical),
        table_row(f"naive row-by-row save() [first {naive['rows']:,} rows only]", naive),
        *(table_row(f"platform, same rows as XLSX, read by {name}", result) for name, result in xlsx.items()),
    ]
    print_table(lines)
    print_notes(args, full, small, naive, identical, requoted, xlsx)


def print_header(
    args: argparse.Namespace, generated: dict[str, Any], paths: dict[str, Path], full: dict[str, Any]
) -> None:
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    where = f"PostgreSQL at {args.database_url}" if args.database_url else "SQLite, a fresh file per run"
    heap = {
        "separate": "from a separate traced run",
        "inline": "from the (traced) timed runs",
        "off": "not measured",
    }
    size = paths["full"].stat().st_size / MIB
    print()
    print("TalentLink import benchmark")
    print(f"engine: {full['engine']} ({where})")
    print(f"code: {full['code']} at {revision()}")
    print(f"machine: {cores} CPU cores ({usable} usable), Python {platform_info.python_version()}")
    loads = [", ".join(f"{x:.2f}" for x in load) for load in (generated["load_start"], os.getloadavg())]
    print(f"        load average (1, 5, 15 min) {loads[0]} at the start, {loads[1]} at the end")
    print(f"        {platform_info.platform()}")
    made = f"generated in {generated['seconds']:.1f} s"
    print(f"file: {paths['full'].name}, {args.rows:,} rows, {size:,.1f} MiB ({made})")
    print(f"peak heap (tracemalloc) {heap[args.heap]}; peak RSS is ru_maxrss of each run's own process")
    print()


def print_notes(
    args: argparse.Namespace,
    full: dict[str, Any],
    small: dict[str, Any],
    naive: dict[str, Any],
    identical: dict[str, Any],
    requoted: dict[str, Any],
    xlsx: dict[str, dict[str, Any]],
) -> None:
    full_rate, naive_rate = full["rows"] / full["seconds"], naive["rows"] / naive["seconds"]
    print()
    spans = ", ".join(f"{name} {a:,.1f}–{b:,.1f} s" for name, (a, b) in full["phases"].items())
    print(
        f"platform {args.rows:,} rows: submit (hash + store) {seconds(full['submit_s'])}, "
        f"run {seconds(full['run_s'])}; progress reports of the run: {spans or 'none'}"
    )
    print(
        f"re-imports: identical file → {identical['status']} (SHA-256 seen before, not read); other bytes → "
        f"{requoted['status']}, {requoted['unchanged']:,} unchanged, {requoted['created']:,} new, "
        f"{requoted['updated']:,} updated"
    )
    print(
        f"naive baseline ran on the first {naive['rows']:,} rows only (row-by-row save() on "
        f"{args.rows:,} would take ~{seconds(args.rows / naive_rate)})"
    )
    print(f"speed-up of the platform over the naive importer: {full_rate / naive_rate:,.1f}x (rows/s)")
    busiest = max(full["cpu_self_s"], full["cpu_children_s"])
    print(
        f"CPU: writing process {full['cpu_self_s']:,.1f} s, scanning process {full['cpu_children_s']:,.1f} s "
        f"for {full['rows']:,} rows; on two idle cores the busier of them would allow "
        f"~{full['rows'] / busiest:,.0f} rows/s (CPU time only: a loaded machine also inflates it)"
    )
    verdict = "MET" if full_rate >= GOAL_ROWS_PER_S else "NOT met"
    print(f"goal ≥ {GOAL_ROWS_PER_S:,} rows/s validated and imported: {verdict} ({full_rate:,.0f} rows/s)")
    if xlsx:
        print_xlsx(full, xlsx)
    print_memory(full, small)


def print_xlsx(full: dict[str, Any], xlsx: dict[str, dict[str, Any]]) -> None:
    rates = {reader: result["rows"] / result["seconds"] for reader, result in xlsx.items()}
    csv_rate = full["rows"] / full["seconds"]
    print(
        f"rows/s, the same {full['rows']:,} rows: CSV {csv_rate:,.0f}, "
        + ", ".join(f"XLSX-{reader} {rate:,.0f}" for reader, rate in rates.items())
    )
    for reader, result in xlsx.items():
        first = result["phases"].get("writing", (None, None))[0]
        print(
            f"XLSX through {reader}: scanning process peak RSS {mib(result.get('scan_rss_mib'))} MiB, "
            f"CPU {result['cpu_self_s']:,.1f} s writing + {result['cpu_children_s']:,.1f} s scanning, "
            f"first rows written {seconds(first)} into the run of {seconds(result['run_s'])}"
        )
    if "calamine" in rates:
        rate = rates["calamine"]
        verdict = "MET" if rate >= GOAL_ROWS_PER_S else "NOT met"
        print(f"goal ≥ {GOAL_ROWS_PER_S:,} rows/s from XLSX (calamine): {verdict} ({rate:,.0f} rows/s)")


def print_memory(full: dict[str, Any], small: dict[str, Any]) -> None:
    scale = full["rows"] / small["rows"]
    if full.get("scan_rss_mib"):
        print(
            f"scanning process (second process of the import), peak RSS: {mib(full['scan_rss_mib'])} MiB "
            f"at {full['rows']:,} rows, {mib(small.get('scan_rss_mib'))} MiB at {small['rows']:,} rows"
        )
    for key, label in (("heap_peak_mib", "peak heap"), ("rss_peak_mib", "peak RSS")):
        if full.get(key) is not None and small.get(key) is not None:
            ratio = full[key] / small[key]
            print(
                f"memory, {label}: {full[key]:,.1f} MiB at {full['rows']:,} rows vs {small[key]:,.1f} MiB "
                f"at {small['rows']:,} rows (x{ratio:.2f} for x{scale:.0f} the rows)"
            )


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 60:,.1f} min" if value >= 120 else f"{value:,.1f} s"


if __name__ == "__main__":
    main()
