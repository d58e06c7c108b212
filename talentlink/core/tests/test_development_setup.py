"""What a new user meets first: the icon on every page, development e-mail kept out of the console,
`make serve` that stops cleanly on Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_every_page_links_the_icon_and_the_browser_finds_it() -> None:
    page = Client().get("/").content.decode()
    assert 'rel="icon"' in page and "core/favicon.svg" in page and "core/favicon.ico" in page
    assert finders.find("core/favicon.svg") and finders.find("core/favicon.ico")


def test_favicon_ico_is_answered_with_the_static_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith(settings.STATIC_URL) and response["Location"].endswith(".ico")
    found = finders.find("core/favicon.ico")
    assert isinstance(found, str)
    assert Path(found).read_bytes()[:4] == b"\x00\x00\x01\x00"  # an ICO


def test_development_mail_is_written_to_files_under_var_not_printed(tmp_path: Path) -> None:
    # A fresh process with the development defaults, as `make demo` runs: no console MIME dump.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TALENTLINK_EMAIL", "DJANGO_"))}
    env |= {"TALENTLINK_VAR_DIR": str(tmp_path), "TALENTLINK_ENV": "development"}
    done = subprocess.run(
        [sys.executable, "manage.py", "sendtestemail", "talent@example.cn"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "Content-Type" not in done.stdout + done.stderr
    mails = list((tmp_path / "mail").iterdir())
    assert len(mails) == 1 and "talent@example.cn" in mails[0].read_text()


def _read_until(fd: int, out: bytearray, done: Callable[[bytes], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not done(bytes(out)):
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed: everything on it ended
                return
            if not chunk:
                return
            out += chunk


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
# `make serve` runs on the embedded database whatever the suite's: run it once, in the SQLite pass.
@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the embedded database's path; run once")
def test_ctrl_c_stops_make_serve_the_server_and_the_worker_cleanly(tmp_path: Path) -> None:
    # `make serve` on a terminal of its own, Ctrl-C typed on it: the terminal signals the whole
    # foreground group. Before, `trap 'kill 0'` also killed make (SIGTERM, "Segmentation fault").
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TALENTLINK_", "DJANGO_", "DATABASE_"))}
    env |= {"TALENTLINK_VAR_DIR": str(tmp_path), "PORT": "18765"}
    root = str(settings.BASE_DIR)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=root, env=env,
                   check=True, timeout=300)  # fmt: skip
    pid, fd = pty.fork()
    if pid == 0:  # the child: make on the new terminal
        os.chdir(root)
        os.execvpe("make", ["make", "--no-print-directory", "serve"], env)
    out = bytearray()
    try:
        _read_until(fd, out, lambda text: b"Quit the server" in text, 120)
        assert b"Quit the server" in out, out.decode(errors="replace")
        time.sleep(2)  # the worker is up too
        running = subprocess.run(["pgrep", "-s", str(pid)], capture_output=True, text=True).stdout.split()
        assert len(running) >= 4  # make, its shell, the worker, the server
        os.write(fd, b"\x03")
        _read_until(fd, out, lambda text: False, 30)
        _, status = os.waitpid(pid, 0)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)  # make's group, should anything be left after a failure
    text = out.decode(errors="replace")
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT, (status, text)
    assert "Segmentation fault" not in text and "Terminated" not in text
    time.sleep(1)
    assert subprocess.run(["pgrep", "-s", str(pid)], capture_output=True).returncode == 1  # none left
