"""Consistent backups of a running system (database + uploaded files) and their restore.

A backup is one directory (or the same directory packed as a .tar.gz):

    antt-backup-20261128T045012Z/
        manifest.json      created_at, vendor, migrations, audit head, files + sha256
        db.sqlite3 | db.dump
        media/...          a copy of MEDIA_ROOT

Consistency while the system keeps running:
- SQLite: the online backup API (`sqlite3.Connection.backup`) copies the whole
  database in one step under one read transaction; in WAL mode writers go on
  meanwhile and the copy is the database as of one instant.
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot and
  `pg_dump --format=custom --snapshot=...` dumps exactly that snapshot, so the
  audit head and migration state written in the manifest are those of the dump.
  The password goes through PGPASSWORD, never on the command line.
- Uploaded files are copied *after* the database snapshot: every file that the
  dumped rows refer to already exists then (files are only ever added), so the
  backup can hold a few newer, unreferenced files but never miss one.

Restore checks every sha256 first, then replaces the database (SQLite: the
backup API again, page by page under SQLite's own lock; PostgreSQL:
`pg_restore --clean --if-exists --no-owner` in one transaction), copies the
media files back, checks them, and verifies the audit chain, including that it
ends exactly at the head recorded in the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import django
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
SQLITE_FILE = "db.sqlite3"
PG_FILE = "db.dump"
MEDIA_DIR = "media"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (Vietnamese)."""


@dataclass
class Snapshot:
    """What the manifest says about the dumped database."""

    migrations: dict[str, list[str]]
    audit_seq: int
    audit_hash: str
    audit_events: int


# --- helpers -------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _file_entry(root: Path, path: Path) -> dict:
    return {"path": path.relative_to(root).as_posix(), "size": path.stat().st_size, "sha256": sha256_file(path)}


def _app_version() -> str:
    try:
        return metadata.version("antt")
    except metadata.PackageNotFoundError:
        return "unknown"


def _read_snapshot(cursor) -> Snapshot:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    migrations: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    cursor.execute("SELECT seq, hash FROM core_audithead WHERE id = 1")
    row = cursor.fetchone()
    cursor.execute("SELECT COUNT(*) FROM core_auditevent")
    (count,) = cursor.fetchone()
    return Snapshot(migrations, row[0] if row else 0, row[1] if row else "", count)


# --- SQLite --------------------------------------------------------------------


def _sqlite_connect(name: str) -> sqlite3.Connection:
    if name.startswith("file:"):
        conn = sqlite3.connect(name, uri=True, timeout=30)
    else:
        conn = sqlite3.connect(name, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _sqlite_dump(settings_dict: dict, dest: Path) -> Snapshot:
    source = _sqlite_connect(str(settings_dict["NAME"]))
    target = sqlite3.connect(dest)
    try:
        # pages=-1 (the default): one step, one read transaction, one instant.
        source.backup(target)
    finally:
        source.close()
    try:
        return _read_snapshot(target.cursor())
    finally:
        target.close()


def _sqlite_restore(settings_dict: dict, dump: Path) -> None:
    source = sqlite3.connect(dump)
    target = _sqlite_connect(str(settings_dict["NAME"]))
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


# --- PostgreSQL ----------------------------------------------------------------


def _pg_env(settings_dict: dict) -> dict:
    env = os.environ.copy()
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def _pg_args(settings_dict: dict) -> list[str]:
    args = ["--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args.append(f"{option}={settings_dict[key]}")
    return args


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"Không tìm thấy chương trình {name} (gói postgresql-client).")
    return path


def _tool_major(tool: str) -> int:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else 0


def _check_pg_versions(tool: str, server_version_num: int) -> None:
    server_major = server_version_num // 10000
    tool_major = _tool_major(tool)
    if tool_major < server_major:
        raise BackupError(
            f"{Path(tool).name} phiên bản {tool_major} cũ hơn máy chủ PostgreSQL {server_major}: "
            f"cài postgresql-client-{server_major}."
        )


def _run_pg(command: list[str], settings_dict: dict) -> None:
    done = subprocess.run(command, env=_pg_env(settings_dict), capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} thất bại (mã {done.returncode}): {done.stderr.strip()}")


def _pg_dump(connection, dest: Path) -> Snapshot:
    settings_dict = connection.settings_dict
    pg_dump = _pg_tool("pg_dump")
    raw = connection.Database.connect(**connection.get_connection_params())
    try:
        raw.autocommit = True
        cursor = raw.cursor()
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SHOW server_version_num")
        _check_pg_versions(pg_dump, int(cursor.fetchone()[0]))
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot_id,) = cursor.fetchone()
        snapshot = _read_snapshot(cursor)
        _run_pg(
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot_id}",
                f"--file={dest}",
                *_pg_args(settings_dict),
                f"--dbname={settings_dict['NAME']}",
            ],
            settings_dict,
        )
        cursor.execute("COMMIT")
    finally:
        raw.close()
    return snapshot


def _pg_restore(connection, dump: Path) -> None:
    settings_dict = connection.settings_dict
    pg_restore = _pg_tool("pg_restore")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        _check_pg_versions(pg_restore, int(cursor.fetchone()[0]))
    connection.close()
    _run_pg(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *_pg_args(settings_dict),
            f"--dbname={settings_dict['NAME']}",
            str(dump),
        ],
        settings_dict,
    )


# --- backup ----------------------------------------------------------------------


def default_backup_dir() -> Path:
    return Path(getattr(settings, "ANTT_BACKUP_DIR", "") or settings.VAR_DIR / "backups")


def create_backup(output_dir: Path | None = None, *, archive: bool = True, using: str = DEFAULT_DB_ALIAS) -> Path:
    """Back up the database and MEDIA_ROOT; return the .tar.gz (or the directory)."""
    output_dir = Path(output_dir or default_backup_dir())
    output_dir.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu {vendor}.")
    created_at = datetime.now(UTC)
    name = f"antt-backup-{created_at:%Y%m%dT%H%M%S%fZ}"
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=output_dir))
    try:
        if vendor == "sqlite":
            db_file = work / SQLITE_FILE
            snapshot = _sqlite_dump(connection.settings_dict, db_file)
        else:
            db_file = work / PG_FILE
            snapshot = _pg_dump(connection, db_file)
        files = [_file_entry(work, db_file)]
        media_root = Path(settings.MEDIA_ROOT)
        if media_root.is_dir():
            for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                copy = work / MEDIA_DIR / path.relative_to(media_root)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, copy)
                files.append(_file_entry(work, copy))
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": created_at.isoformat(),
            "app_version": _app_version(),
            "django_version": django.get_version(),
            "database": {"vendor": vendor, "file": db_file.name},
            "media_storage": settings.STORAGES["default"]["BACKEND"],
            "migrations": snapshot.migrations,
            "audit": {
                "head_seq": snapshot.audit_seq,
                "head_hash": snapshot.audit_hash,
                "events": snapshot.audit_events,
            },
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        if not archive:
            final = output_dir / name
            work.rename(final)
            return final
        final = output_dir / f"{name}.tar.gz"
        partial = output_dir / f".{name}.tar.gz.partial"
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work, arcname=name)
        partial.rename(final)
        return final
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- restore ---------------------------------------------------------------------


def _unpack(source: Path, scratch: Path) -> Path:
    """The backup directory (the one holding manifest.json)."""
    if source.is_dir():
        root = source
    elif tarfile.is_tarfile(source):
        with tarfile.open(source, "r:*") as tar:
            tar.extractall(scratch, filter="data")
        root = scratch
    else:
        raise BackupError(f"{source} không phải bản sao lưu (thư mục hoặc tệp .tar.gz).")
    if (root / MANIFEST).is_file():
        return root
    candidates = [p.parent for p in root.glob(f"*/{MANIFEST}")]
    if len(candidates) != 1:
        raise BackupError(f"Không tìm thấy {MANIFEST} trong {source}.")
    return candidates[0]


def read_manifest(root: Path) -> dict:
    try:
        return json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"Không đọc được {MANIFEST}: {exc}") from exc


def check_files(root: Path, manifest: dict) -> None:
    """Every file of the manifest is there, with its size and sha256."""
    bad = []
    for entry in manifest.get("files", []):
        path = root / entry["path"]
        if not path.is_file() or path.stat().st_size != entry["size"] or sha256_file(path) != entry["sha256"]:
            bad.append(entry["path"])
    if bad:
        raise BackupError("Bản sao lưu bị hỏng, tệp sai mã băm: " + ", ".join(bad))


def _safe_relative(rel: str) -> Path:
    path = Path(rel)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"Đường dẫn không hợp lệ trong manifest: {rel}")
    return path


def restore_backup(source: Path, *, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Replace the database and restore MEDIA_ROOT's files from a backup; return its manifest.

    The caller stops the application first and verifies the audit chain after.
    """
    connection = connections[using]
    with tempfile.TemporaryDirectory(prefix="antt-restore-") as scratch:
        root = _unpack(Path(source), Path(scratch))
        manifest = read_manifest(root)
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"Định dạng bản sao lưu {manifest.get('format')} không được hỗ trợ.")
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                f"Bản sao lưu của cơ sở dữ liệu {vendor}, nhưng hệ thống đang cấu hình {connection.vendor}."
            )
        check_files(root, manifest)
        dump = root / _safe_relative(manifest["database"]["file"])
        if vendor == "sqlite":
            connection.close()
            _sqlite_restore(connection.settings_dict, dump)
        else:
            _pg_restore(connection, dump)
        media_root = Path(settings.MEDIA_ROOT)
        prefix = MEDIA_DIR + "/"
        media = [e for e in manifest["files"] if e["path"].startswith(prefix)]
        for entry in media:
            rel = _safe_relative(entry["path"][len(prefix) :])
            target = media_root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / entry["path"], target)
        bad = [e["path"] for e in media if sha256_file(media_root / e["path"][len(prefix) :]) != e["sha256"]]
        if bad:
            raise BackupError("Tệp đã khôi phục sai mã băm: " + ", ".join(bad))
    return manifest
