"""Talent code verification: how many QR strings one core checks per second, and the online endpoint.

Part 1, on one core (no database): a full verification of a talent code's QR text — prefix,
Base45, zlib, COSE_Sign1 (ES256 via ``cryptography``), CWT claims and clock — with the platform's
verifier, beside the same checks with pycose (run in a throw-away virtualenv with ``cbor2<6``,
since pycose breaks on cbor2 6; reported unavailable if it cannot be installed) and beside a plain
JWT of the same claims with PyJWT (ES256). Goal: >= 5,000 verifications/s per core.

Part 2 (``--http``): the online verify endpoint (``POST /api/public/talentcode/verify``:
signatures, clock, revocation read from PostgreSQL, replay looked up in Redis) served as
docs/operations.md says to serve the platform (granian, 2 processes × 2 threads), loaded with wrk
on loopback for a bounded time. Two baselines in the same run: the health endpoint
(``GET /api/public/health``) on the same server, which makes the same database and cache round
trips through the same Django stack without the code, and the same verify endpoint on gunicorn's
threaded workers (the usual Django deployment) with as many processes and threads. Goal: >= 1,000
requests/s at p99 <= 50 ms on 2 cores. Each line also reports the CPU spent per request by the
app server, PostgreSQL and Redis (read from /proc), which stays comparable on a noisy machine.
Part 1 reports rates per second of wall time and per second of the process's own CPU time (what
one core of its own would do on this shared machine); the load average is printed beside both.

    .venv/bin/python bench/talent_code.py                       # part 1, 5 s per verifier
    .venv/bin/python bench/talent_code.py --seconds 10 --http   # both parts
    .venv/bin/python bench/talent_code.py --no-pycose           # skip building the pycose venv
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cbor2
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from talentlink.talentcode import codec, verifier  # noqa: E402

KID = bytes.fromhex("5eba5ff6eda91d2f")
ENTITLEMENTS = ["nb-tianyige-free", "nb-bus-priority", "zs-putuo-free", "zs-talent-home"]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def rate(label: str, check: Callable[[], object], seconds: float) -> float:
    """Checks per second of wall time, and per second of this process's CPU time: on a shared
    machine the second is what one core of our own would do."""
    check()  # warm up, and fail loudly before timing if the setup is wrong
    done, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(200):
            check()
        done += 200
    per_cpu_second = done / (time.process_time() - cpu_start)
    show(label, done / elapsed, per_cpu_second)
    return per_cpu_second


def show(label: str, per_second: float, per_cpu_second: float) -> None:
    print(
        f"  {label:<44} {per_second:>8,.0f} /s wall  {per_cpu_second:>8,.0f} /s CPU"
        f"  ({1e6 / per_cpu_second:,.0f} µs CPU each)"
    )


def sample_claims(now: int) -> dict:
    return {
        codec.CLAIM_ISS: "330200",
        codec.CLAIM_SUB: "3f2a9c0d4b5e6f708192a3b4c5d6e7f8",
        codec.CLAIM_IAT: now,
        codec.CLAIM_EXP: now + 3600,
        codec.CLAIM_CTI: os.urandom(16),
        verifier.CLAIM_TIER: "C",
        verifier.CLAIM_ENTITLEMENTS: ENTITLEMENTS,
        verifier.CLAIM_STATUS: {"status_list": {"idx": 1234, "uri": "330200"}},
    }


PYCOSE_SCRIPT = r"""
import base64, json, sys, time, zlib
import cbor2
from pycose.messages import Sign1Message
from pycose.keys import EC2Key
from pycose.keys.curves import P256
qr, now, seconds = sys.argv[1], int(sys.argv[4]), float(sys.argv[5])
x, y = bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
def b45decode(text):
    v = [ALPHABET.index(c) for c in text]; out = bytearray()
    for i in range(0, len(v) - 2, 3):
        out += (v[i] + v[i + 1] * 45 + v[i + 2] * 2025).to_bytes(2, "big")
    if len(v) % 3:
        out.append(v[-2] + v[-1] * 45)
    return bytes(out)
key = EC2Key(crv=P256, x=x, y=y)
def check():
    assert qr.startswith("TC1:")
    message = Sign1Message.decode(zlib.decompress(b45decode(qr[4:])))
    message.key = key
    assert message.verify_signature()
    claims = cbor2.loads(message.payload)
    assert claims[6] <= now <= claims[4] and claims[1] == "330200"
check()
done, start, cpu_start = 0, time.perf_counter(), time.process_time()
while time.perf_counter() - start < seconds:
    check(); done += 1
wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
print(json.dumps({"wall": done / wall, "cpu": done / cpu}))
"""


def pycose_rate(qr: str, public: ec.EllipticCurvePublicKey, now: int, seconds: float) -> float | None:
    """pycose in a throw-away virtualenv with cbor2<6 (pycose breaks on cbor2 6)."""
    venv = Path(tempfile.mkdtemp(prefix="tc-pycose-"))
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        install = subprocess.run(
            [venv / "bin" / "pip", "install", "-q", "pycose", "cbor2<6"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if install.returncode:
            print(f"  pycose: unavailable (pip: {install.stderr.strip().splitlines()[-1:]})")
            return None
        numbers = public.public_numbers()
        x, y = numbers.x.to_bytes(32, "big").hex(), numbers.y.to_bytes(32, "big").hex()
        script = venv / "bench_pycose.py"
        script.write_text(PYCOSE_SCRIPT)
        taskset = ["taskset", "-c", "0"] if shutil.which("taskset") else []
        run = subprocess.run(
            [*taskset, venv / "bin" / "python", script, qr, x, y, str(now), str(seconds)],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
        if run.returncode:
            print(f"  pycose: failed ({run.stderr.strip().splitlines()[-1:]})")
            return None
        rates = json.loads(run.stdout)
        show("pycose 1.x + cbor2<6 (same checks)", rates["wall"], rates["cpu"])
        return rates["cpu"]
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"  pycose: unavailable ({exc})")
        return None
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def part_one(args: argparse.Namespace) -> None:
    print(f"Part 1 — QR string verifications on one core ({load_average()})")
    now = int(time.time())
    key = ec.generate_private_key(ec.SECP256R1())
    claims = sample_claims(now)
    qr = codec.encode(verifier.PREFIX, codec.sign1_create(cbor2.dumps(claims), key, kid=KID))
    trust = {KID: verifier.TrustedKey(KID, "330200", key.public_key(), 0, now + 10**6)}
    print(f"  QR text: {len(qr)} characters (alphanumeric mode)")
    ours = rate(
        "talentlink verifier (cryptography + cbor2)",
        lambda: verifier.verify(qr, keys=trust, now=now + 1),
        args.seconds,
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    jwt_claims = {
        "iss": "330200", "sub": claims[codec.CLAIM_SUB], "iat": now, "exp": now + 3600,
        "jti": claims[codec.CLAIM_CTI].hex(), "tier": "C", "ent": ENTITLEMENTS,
        "status": {"status_list": {"idx": 1234, "uri": "330200"}},
    }  # fmt: skip
    token = jwt.encode(jwt_claims, pem, algorithm="ES256", headers={"kid": KID.hex()})
    public = key.public_key()
    print(f"  JWT: {len(token)} characters (byte mode in a QR)")
    jwt_rate = rate(
        "PyJWT ES256 (plain JWT, same claims)",
        lambda: jwt.decode(
            token, public, algorithms=["ES256"], issuer="330200", options={"require": ["exp"]}
        ),
        args.seconds,
    )
    cose_rate = None if args.no_pycose else pycose_rate(qr, public, now + 1, args.seconds)
    verdict = "met" if ours >= 5000 else "NOT met"
    print(f"  goal >= 5,000/s per core (CPU time): {verdict}; {ours / jwt_rate:.2f}× PyJWT", end="")
    print(f", {ours / cose_rate:.1f}× pycose" if cose_rate else "")
    print(f"  ({load_average()})")


# --- Part 2: the online endpoint ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def _prepare_database(env: dict[str, str]) -> str:
    """Migrate the bench database and issue one long-lived code; return its QR text."""
    _create_database(env["DATABASE_URL"])
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    from talentlink.core.models import Region
    from talentlink.registry.models import Person, Tier
    from talentlink.talentcode import services

    settings.TALENTLINK_CODE_ONLINE_SECONDS = 3 * 3600  # outlive the run
    ningbo = Region.objects.get(code="330200")
    person, _ = Person.objects.get_or_create(
        name="压测人才", home_region=ningbo, defaults={"tier": Tier.objects.get(region=ningbo, code="C")}
    )
    return services.code_issue(person=person).qr


def _wait_for(url: str, seconds: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url}")


def _cpu_ticks(server: str) -> dict[str, int]:
    """CPU ticks (user + system) used so far by the app server, PostgreSQL and Redis processes."""
    groups = (("app server", server), ("PostgreSQL", "postgres"), ("Redis", "redis-server"))
    totals = dict.fromkeys((group for group, _ in groups), 0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        group = next((g for g, mark in groups if mark in command), None)
        if group:
            totals[group] += int(fields[11]) + int(fields[12])
    return totals


def _load(label: str, server: str, url: str, lua: Path | None, args: argparse.Namespace) -> dict:
    before = _cpu_ticks(server)
    script = ["-s", str(lua)] if lua else []
    run = subprocess.run(
        ["wrk", "-t2", f"-c{args.connections}", f"-d{args.http_seconds}s", "--latency", *script, url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    after = _cpu_ticks(server)
    output = run.stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    ticks = os.sysconf("SC_CLK_TCK")
    return {
        "label": label,
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
        "errors": int(errors.group(1)) if errors else 0,
        "cpu_us": {g: (after[g] - before[g]) / ticks / max(requests, 1) * 1e6 for g in after},
    }


def _latency(output: str, quantile: str) -> float:
    """A latency quantile of wrk's --latency table, in milliseconds."""
    found = re.search(rf"{quantile}\s+([\d.]+)(us|ms|s)\b", output)
    if not found:
        return float("nan")
    return float(found.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[found.group(2)]


def _servers(args: argparse.Namespace, port: int) -> dict[str, list[str]]:
    """The platform's app server as docs/operations.md runs it, and gunicorn's threaded workers
    (the usual Django deployment) with the same processes and threads, as the baseline."""
    bin_dir = Path(sys.executable).parent
    return {
        "granian": [
            str(bin_dir / "granian"), "--interface", "wsgi", "config.wsgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
            "--blocking-threads", str(args.threads), "--log-level", "warning",
        ],
        "gunicorn": [
            str(bin_dir / "gunicorn"), "config.wsgi:application", "--worker-class", "gthread",
            "--workers", str(args.workers), "--threads", str(args.threads),
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        ],
    }  # fmt: skip


def part_two(args: argparse.Namespace) -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "TALENTLINK_DEBUG": "false",
        "TALENTLINK_DB_CONN_MAX_AGE": "600",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    qr = _prepare_database(env)
    lua = Path(tempfile.mkstemp(suffix=".lua")[1])
    body = json.dumps({"code": qr})
    lua.write_text(
        f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    print(f"Part 2 — online endpoints on {args.workers} processes × {args.threads} threads, "
          f"wrk {args.connections} connections for {args.http_seconds} s each on loopback "
          f"({load_average()})")  # fmt: skip
    results = []
    port = _free_port()
    try:
        for name, command in _servers(args, port).items():
            base = f"http://127.0.0.1:{port}"
            verify_url, health_url = f"{base}/api/public/talentcode/verify", f"{base}/api/public/health"
            server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
            try:
                _wait_for(f"{base}/api/public/talentcode/trust-list")
                # Warm up: connections, prepared statements, the workers' trust stores.
                for url, script in ((verify_url, ["-s", str(lua)]), (health_url, [])):
                    subprocess.run(["wrk", "-t2", "-c16", "-d3s", *script, url], capture_output=True)
                if name == "granian":
                    results.append(_load(f"{name}: GET /api/public/health", name, health_url, None, args))
                results.append(_load(f"{name}: POST …/talentcode/verify", name, verify_url, lua, args))
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
    finally:
        lua.unlink(missing_ok=True)
    report(results)
    print(f"  ({load_average()})")


def report(results: list[dict]) -> None:
    groups = list(results[0]["cpu_us"])
    print(f"  {'server: endpoint':<38} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>7}   "
          + "  ".join(f"{g + ' µs':>14}" for g in groups))  # fmt: skip
    for r in results:
        print(f"  {r['label']:<38} {r['rate']:>7,.0f} {r['p50']:>7.1f} {r['p99']:>7.1f} {r['errors']:>7}   "
              + "  ".join(f"{r['cpu_us'][g]:>14,.0f}" for g in groups))  # fmt: skip
    print("  (µs: CPU per request of each process group, user + system)")
    floor, verify, baseline = results
    met = verify["rate"] >= 1000 and verify["p99"] <= 50 and not verify["errors"]
    print(f"  => verify {verify['rate']:,.0f} requests/s at p99 {verify['p99']:.1f} ms: "
          f"{verify['rate'] / floor['rate']:.0%} of the health check's rate, "
          f"{verify['rate'] / baseline['rate']:.2f}× gunicorn's; "
          f"goal >= 1,000/s at p99 <= 50 ms: {'met' if met else 'NOT met'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5, help="seconds per verifier in part 1")
    parser.add_argument("--no-pycose", action="store_true", help="skip the pycose baseline")
    parser.add_argument("--http", action="store_true", help="also load the online endpoint (part 2)")
    parser.add_argument("--http-seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="app server processes (one per core)")
    parser.add_argument("--threads", type=int, default=2, help="threads per process (they wait on I/O)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/tl_talentcode_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    args = parser.parse_args()
    pin_to_one_core()
    part_one(args)
    if args.http:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        part_two(args)


if __name__ == "__main__":
    main()
