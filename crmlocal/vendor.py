"""`make vendor`: the workspace's front-end files, fetched from the npm registry at their pinned versions and
checked against chalicelib/web/workspace/assets/VENDORED.json (npm's integrity of the package, the file's
sha256). The files are committed: the app ships them and fetches nothing at run time; this only refreshes
them, and fails if what npm serves differs from the pin.

To move to a new version: change `version` in VENDORED.json, run `make vendor` (it prints the new integrity
and sha256 and refuses until the pin says them), review the diff, commit.
"""
from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "chalicelib" / "web" / "workspace" / "assets"


def fetch(name: str, pin: dict, work: Path) -> bytes:
    spec = f"{pin['package']}@{pin['version']}"
    answer = json.loads(subprocess.run(["npm", "pack", spec, "--json", "--pack-destination", str(work)],
                                       check=True, capture_output=True, text=True).stdout)[0]
    tarball = (work / answer["filename"]).read_bytes()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if integrity != pin["npm_integrity"]:
        raise SystemExit(f"{spec}: npm serves {integrity}, the pin says {pin['npm_integrity']}")
    with tarfile.open(work / answer["filename"]) as archive:
        member = archive.extractfile(f"package/{pin['file']}")
        if member is None:
            raise SystemExit(f"{spec} has no {pin['file']}")
        data = member.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != pin["sha256"]:
        raise SystemExit(f"{spec} {pin['file']}: sha256 {digest}, the pin says {pin['sha256']}")
    return data


def main() -> int:
    pins = json.loads((ASSETS / "VENDORED.json").read_text())
    with tempfile.TemporaryDirectory() as work:
        for name, pin in pins.items():
            (ASSETS / name).write_bytes(fetch(name, pin, Path(work)))
            print(f"{name}: {pin['package']}@{pin['version']} (sha256 {pin['sha256'][:16]}...)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
