"""Backups of a running system, restored elsewhere (the acceptance test of point 13).

The "system" here is real: a database of its own (a SQLite file, or a
PostgreSQL database created for the test, following the backend the suite runs
on), migrated by `manage.py migrate`, with a separate process appending audit
entries in a loop while `manage.py backup` runs, and `manage.py restore`
putting the backup into yet another database and media folder. Every name is
unique, so pytest-xdist workers do not collide.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import tarfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[4]
MANAGE = REPO / "manage.py"
ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]

WRITER = """
import sys, django
django.setup()
from pathlib import Path
from antt.core.audit import record
stop, i = Path(sys.argv[1]), 0
while not stop.exists():
    i += 1
    record("system", object_type="test.tick", object_id=str(i), changes={"i": i})
"""


@dataclass
class Target:
    """One database and media folder, as a separate deployment would have."""

    var_dir: Path
    media_root: Path
    sqlite_path: Path | None = None
    pg_name: str | None = None
    env: dict = field(default_factory=dict)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, str(MANAGE), *args], env=self.env, cwd=REPO, capture_output=True, text=True, timeout=300
        )
        if check and done.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def query(self, sql: str) -> list[tuple]:
        if self.sqlite_path is not None:
            conn = sqlite3.connect(self.sqlite_path, timeout=30)
            try:
                return conn.execute(sql).fetchall()
            finally:
                conn.close()
        with _pg_connect(self.pg_name) as conn:
            return conn.execute(sql).fetchall()

    def audit_count(self) -> int:
        return self.query("SELECT COUNT(*) FROM core_auditevent")[0][0]


def _pg_connect(dbname: str):
    import psycopg

    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname=dbname,
        autocommit=True,
    )


def _pg_url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{name}"


@pytest.fixture(scope="module")
def make_target(tmp_path_factory):
    created: list[str] = []
    tag = uuid.uuid4().hex[:10]

    def make(name: str) -> Target:
        base = tmp_path_factory.mktemp(name)
        target = Target(var_dir=base / "var", media_root=base / "media")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTT_", "DATABASE_URL", "PYTEST_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="antt.settings",
            PYTHONPATH=str(REPO / "src"),
            ANTT_VAR_DIR=str(target.var_dir),
            ANTT_MEDIA_ROOT=str(target.media_root),
            ANTT_AUDIT_KEY="backup-test-audit-key",
            ANTT_LOG_LEVEL="ERROR",
            # The writer's stderr is a pipe read only at the end: keep the per-entry head lines out of it.
            ANTT_AUDIT_LOG_LEVEL="WARNING",
        )
        if ON_POSTGRES:
            target.pg_name = f"antt_bk_{tag}_{name}"
            with _pg_connect("postgres") as conn:
                conn.execute(f'CREATE DATABASE "{target.pg_name}"')
            created.append(target.pg_name)
            env["DATABASE_URL"] = _pg_url(target.pg_name)
        else:
            target.sqlite_path = base / "antt.sqlite3"
            env["ANTT_SQLITE_PATH"] = str(target.sqlite_path)
        target.env = env
        return target

    yield make
    if created:
        with _pg_connect("postgres") as conn:
            for name in created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class LiveBackup:
    live: Target
    archive: Path
    count_before: int
    count_after: int
    live_rows: list[tuple]


@pytest.fixture(scope="module")
def live_backup(make_target, tmp_path_factory) -> LiveBackup:
    # A running system: migrated, with uploaded files and a writer appending audit entries.
    live = make_target("live")
    live.run("migrate", "--noinput", "-v0")
    rng = random.Random(2026)
    for rel, size in [("ho-so/2026/11/to-khai.pdf", 300_000), ("anh/chân dung.jpg", 40_000), ("rong.txt", 0)]:
        path = live.media_root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(size))
    stop = live.var_dir / "stop-writer"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop)], env=live.env, cwd=REPO, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while live.audit_count() < 50:
            assert writer.poll() is None, writer.stderr.read()
            assert time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.05)
        # Backup while the writer keeps going.
        count_before = live.audit_count()
        out = tmp_path_factory.mktemp("backups")
        done = live.run("backup", "--output", str(out))
        count_after = live.audit_count()
        assert writer.poll() is None, "the writer stopped during the backup: " + writer.stderr.read()
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0, writer.stderr.read()
    archive = Path(done.stdout.strip().splitlines()[-1])
    live_rows = live.query("SELECT seq, hash FROM core_auditevent ORDER BY seq")
    return LiveBackup(live, archive, count_before, count_after, live_rows)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_backup_taken_during_writes_restores_elsewhere_with_an_intact_chain_and_identical_files(
    live_backup, make_target
):
    # given: a backup taken while a writer appended entries
    assert live_backup.count_after > live_backup.count_before, "no write happened during the backup"
    target = make_target("restored")

    # when
    done = target.run("restore", str(live_backup.archive), "--yes")

    # then: the restore verified the chain against the manifest's head
    assert "toàn vẹn" in done.stdout
    restored_rows = target.query("SELECT seq, hash FROM core_auditevent ORDER BY seq")
    assert live_backup.count_before <= len(restored_rows) <= live_backup.count_after
    assert restored_rows == live_backup.live_rows[: len(restored_rows)]
    assert target.run("audit_verify").stdout.startswith(f"Đã kiểm tra {len(restored_rows)} bản ghi: toàn vẹn")
    assert _files(target.media_root) == _files(live_backup.live.media_root)


def test_the_manifest_describes_the_dumped_database_and_every_file(live_backup):
    # when
    with tarfile.open(live_backup.archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/manifest.json"))
        manifest = json.load(tar.extractfile(member))

    # then
    assert manifest["database"]["vendor"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert live_backup.count_before <= manifest["audit"]["head_seq"] <= live_backup.count_after
    assert manifest["audit"]["events"] == manifest["audit"]["head_seq"]
    assert "0004_audit_triggers" in manifest["migrations"]["core"]
    paths = {entry["path"]: entry for entry in manifest["files"]}
    assert {"media/ho-so/2026/11/to-khai.pdf", "media/anh/chân dung.jpg", "media/rong.txt"} <= set(paths)
    assert paths["media/ho-so/2026/11/to-khai.pdf"]["size"] == 300_000
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"])
    assert manifest["app_version"] and manifest["created_at"]


def _untouched(target: Target) -> bool:
    if target.sqlite_path is not None:
        return not target.sqlite_path.exists() or not target.query("SELECT name FROM sqlite_master")
    return target.query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'")[0][0] == 0


def test_restore_without_yes_changes_nothing(live_backup, make_target):
    # given
    target = make_target("refused")

    # when
    done = target.run("restore", str(live_backup.archive), check=False)

    # then
    assert done.returncode != 0
    assert "--yes" in done.stderr
    assert _untouched(target)
    assert not target.media_root.exists()


def test_restore_refuses_a_backup_with_an_altered_file_before_touching_anything(live_backup, make_target, tmp_path):
    # given: a backup whose uploaded file was changed after it was taken
    with tarfile.open(live_backup.archive) as tar:
        tar.extractall(tmp_path, filter="data")
    (root,) = [p.parent for p in tmp_path.glob("*/manifest.json")]
    altered = root / "media" / "anh" / "chân dung.jpg"
    altered.write_bytes(b"x" + altered.read_bytes()[1:])
    target = make_target("altered")

    # when
    done = target.run("restore", str(root), "--yes", check=False)

    # then
    assert done.returncode != 0
    assert "sai mã băm" in done.stderr and "media/anh/chân dung.jpg" in done.stderr
    assert _untouched(target)
    assert not target.media_root.exists()
