"""Build throughput of an archival package as a ratio to zlib compressing the same bytes.

Builds the package of N items (default 100 000) from ``SyntheticSource`` through the same
streaming writers, XSD validation, METS/PREMIS writing and ZIP as production, then, in the same
process on the same machine, compresses every file of that package with zlib alone (the
compression the ZIP uses, same level) from files on disk. The ratio is

    (package bytes / build seconds) / (package bytes / zlib seconds) = zlib seconds / build seconds

so 1.0 would mean building costs no more than compressing; the goal is at least 0.2.

    .venv/bin/python benchmarks/archive_speed.py           # 100 000 items, best of 1
    .venv/bin/python benchmarks/archive_speed.py 10000 3   # 10 000 items, best of 3
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 1024 * 1024


def _zlib_seconds(files: list[Path]) -> float:
    """Deflate every file as ZIP_DEFLATED does (raw deflate, default level), reading in chunks."""
    started = time.perf_counter()
    for path in files:
        deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        crc = 0
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                crc = zlib.crc32(chunk, crc)
                deflate.compress(chunk)
        deflate.flush()
    return time.perf_counter() - started


def measure(n_items: int, repeat: int = 1) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haparanda_social.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()

    from archiving.packaging import PackageInfo, build_package
    from archiving.packaging.synthetic import SyntheticSource

    info = PackageInfo(
        package_id="benchmark",
        kind="yearly",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        account_id=1,
    )
    builds, zlibs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "package.zip"
        for _ in range(repeat):
            out.unlink(missing_ok=True)
            started = time.perf_counter()
            result = build_package(info, SyntheticSource(n_items), out, validate=True)
            builds.append(time.perf_counter() - started)
        # The same bytes, unpacked to disk, compressed with zlib alone.
        unpacked = Path(tmp) / "unpacked"
        with zipfile.ZipFile(out) as zf:
            zf.extractall(unpacked)
            raw_bytes = sum(i.file_size for i in zf.infolist())
        files = sorted(p for p in unpacked.rglob("*") if p.is_file())
        for _ in range(repeat):
            zlibs.append(_zlib_seconds(files))
    build_s, zlib_s = min(builds), min(zlibs)
    return {
        "items": n_items,
        "raw_mb": round(raw_bytes / 1e6, 1),
        "package_mb": round(result.size / 1e6, 1),
        "build_seconds": round(build_s, 2),
        "build_mb_per_s": round(raw_bytes / 1e6 / build_s, 2),
        "zlib_seconds": round(zlib_s, 2),
        "zlib_mb_per_s": round(raw_bytes / 1e6 / zlib_s, 2),
        "ratio": round(zlib_s / build_s, 3),
    }


def main(argv: list[str]) -> None:
    n_items = int(argv[0]) if argv else 100_000
    repeat = int(argv[1]) if len(argv) > 1 else 1
    row = measure(n_items, repeat)
    print(json.dumps(row))
    keys = list(row)
    print("| " + " | ".join(keys) + " |")
    print("|" + "|".join("---:" for _ in keys) + "|")
    print("| " + " | ".join(f"{row[k]:,}" for k in keys) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
