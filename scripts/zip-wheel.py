"""Zips a staged wheel tree into OUT/{name}-{version}-{tag}.whl: same tree, same bytes.

Usage: python3 scripts/zip-wheel.py TREE OUT   (run by scripts/build-wheel.ts)

Standard library only. TREE holds the files to install and exactly one
{name}-{version}.dist-info with WHEEL (its one Tag names the file) and no
RECORD. This writes RECORD as the binary distribution format asks: one CSV
row per file with its sha256 (urlsafe base64, no padding) and size, and a
row without either for RECORD itself. Deterministic: entries sorted with
.dist-info last (the spec's recommendation) and RECORD the very last, every
timestamp 1980-01-01, every mode 0644, one compression level. Older wheels
of the same name in OUT are removed, so OUT holds exactly this one.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import sys
import zipfile
from pathlib import Path

EPOCH = (1980, 1, 1, 0, 0, 0)


def main(tree: Path, out: Path) -> Path:
    dist_infos = [p for p in tree.iterdir() if p.name.endswith(".dist-info")]
    if len(dist_infos) != 1:
        raise SystemExit(f"{tree} must hold exactly one .dist-info directory")
    dist_info = dist_infos[0].name
    tags = [line.split(":", 1)[1].strip() for line in (tree / dist_info / "WHEEL").read_text("utf-8").splitlines() if line.startswith("Tag:")]
    if len(tags) != 1:
        raise SystemExit(f"{dist_info}/WHEEL must have exactly one Tag")
    record = f"{dist_info}/RECORD"
    files = sorted((p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file()), key=lambda f: (f.startswith(dist_info + "/"), f))
    if record in files:
        raise SystemExit(f"{record} is written here, not staged")

    wheel = out / f"{dist_info[: -len('.dist-info')]}-{tags[0]}.whl"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{dist_info.split('-')[0]}-*.whl"):
        old.unlink()
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    tmp = wheel.with_name(wheel.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for name in files:
            data = (tree / name).read_bytes()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
            writer.writerow([name, f"sha256={digest}", len(data)])
            _add(zf, name, data)
        writer.writerow([record, "", ""])
        _add(zf, record, rows.getvalue().encode("utf-8"))
    os.replace(tmp, wheel)
    return wheel


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, EPOCH)
    info.create_system = 3  # Unix, wherever it is built
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data, compresslevel=9)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    print(main(Path(sys.argv[1]), Path(sys.argv[2])))
