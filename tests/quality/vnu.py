"""The Nu HTML Checker (vnu.jar, npm package `vnu-jar`, MIT) run once over many HTML files.

The jar comes from `npm ci` at the repository root (node_modules/vnu-jar/build/dist/vnu.jar) or from
ANTT_VNU_JAR; it needs Java 11 or later (Debian: default-jre-headless).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def jar_path() -> Path:
    return Path(os.environ.get("ANTT_VNU_JAR") or DEFAULT_JAR)


def missing_tool() -> str | None:
    """Why the checker cannot run here (None: it can)."""
    if not shutil.which("java"):
        return "java is missing (apt-get install default-jre-headless)"
    if not jar_path().exists():
        return f"{jar_path()} is missing (npm ci at the repository root)"
    return None


def check_files(paths: list[Path]) -> dict[Path, list[dict]]:
    """Every error (not info or warning) of each file, in ONE java run: {path: [{line, message, extract}]}."""
    if not paths:
        return {}
    command = ["java", "-Xss4m", "-jar", str(jar_path()), "--format", "json", "--exit-zero-always"]
    done = subprocess.run([*command, *map(str, paths)], capture_output=True, text=True, timeout=600, check=False)
    # vnu writes its JSON report on stderr
    report = json.loads(done.stderr or done.stdout)
    errors: dict[Path, list[dict]] = {Path(p): [] for p in paths}
    for message in report.get("messages", []):
        if message.get("type") not in ("error", "non-document-error"):
            continue
        url = message.get("url", "")
        path = Path(url.removeprefix("file:")) if url else None
        entry = {
            "line": message.get("lastLine"),
            "message": message.get("message", ""),
            "extract": (message.get("extract") or "").strip()[:160],
        }
        errors.setdefault(path, []).append(entry)
    return errors
