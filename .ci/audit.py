"""Audit the locked dependencies for known vulnerabilities.

Runs pip-audit on requirements.lock. pip-audit reads PyPI's per-release JSON
(`/pypi/<name>/<version>/json`); the package mirror this CI reaches serves only
the per-project JSON (`/pypi/<name>/json`), so pip-audit reports every package
as "could not be audited" here. For those, this script reads the per-project
JSON, whose `vulnerabilities` list applies to the latest release: a pin equal
to the latest release is audited that way; an older pin cannot be audited from
this network and is listed as such (upgrade it, or audit where the full PyPI
API is reachable). Exit 1 on any known vulnerability.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PIP_AUDIT = ROOT / ".venv" / "bin" / "pip-audit"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    out = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            out[canonical(name.split("[", 1)[0])] = version.strip()
    return out


def run_pip_audit() -> tuple[int, set[str], str]:
    proc = subprocess.run(
        [str(PIP_AUDIT), "--progress-spinner", "off", "-r", str(LOCK), "--disable-pip", "--no-deps", "-f", "json"],
        capture_output=True,
        text=True,
    )
    unaudited: set[str] = set()
    vulnerable = 0
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return 1, set(pins()), proc.stderr[-2000:]
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            unaudited.add(canonical(dep["name"]))
        vulnerable += len(dep.get("vulns", []))
    return vulnerable, unaudited, ""


def project_vulns(name: str) -> tuple[str, list[dict]]:
    url = f"https://pypi.org/pypi/{name}/json"
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 (fixed https URL)
        data = json.load(r)
    return data["info"]["version"], data.get("vulnerabilities") or []


def main() -> int:
    locked = pins()
    vulnerable, unaudited, error = run_pip_audit()
    if error:
        print("pip-audit failed:", error)
    audited_by_pip_audit = len(locked) - len(unaudited)
    print(f"pip-audit: {audited_by_pip_audit} of {len(locked)} packages audited, {vulnerable} known vulnerabilities")
    found = vulnerable
    older: list[str] = []
    fallback_ok = 0
    for name in sorted(unaudited):
        version = locked.get(name)
        if version is None:
            continue
        latest, vulns = project_vulns(name)
        if version != latest:
            older.append(f"{name}=={version} (latest {latest})")
            continue
        fallback_ok += 1
        for v in vulns:
            found += 1
            print(f"VULNERABLE {name}=={version}: {v.get('id')} {', '.join(v.get('aliases', []))} {v.get('link', '')}")
    print(f"per-project JSON: {fallback_ok} more packages audited (pinned at their latest release)")
    if older:
        print(f"not auditable from this network ({len(older)}): " + "; ".join(older))
    print(f"known vulnerabilities: {found}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
