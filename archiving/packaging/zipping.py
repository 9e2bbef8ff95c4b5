"""The package's ZIP: its files deflated while written, in a child process, then put together.

Deflating is a fifth of a build's work, and zlib lets other threads run while it works, but a
thread in the building process would wait for the interpreter after each call while Python
formats the items. A child process deflates each file as it is written (``DeflateProcess``), on
the other core; the ZIP is then written from the deflated files, each entry exactly as
``ZipFile.write`` would have written it from the file itself.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .children import ChildProcess

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Deflated:
    path: Path  # the raw deflate stream
    crc: int
    size: int
    compress_size: int


class DeflateProcess(ChildProcess):
    """Deflates files in a child process into ``folder``, fed while written."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        super().__init__("deflate", str(folder))

    def results(self) -> dict[str, Deflated]:
        """Wait for the child; each file's deflated stream, by the name it was started with."""
        done = {}
        for line in self.finish().decode("ascii").splitlines():
            number, crc, size, compress_size = (int(n) for n in line.split())
            done[self.names[number]] = Deflated(self.folder / str(number), crc, size, compress_size)
        return done


def _write_deflated(zf: zipfile.ZipFile, path: Path, arcname: str, deflated: Deflated) -> None:
    """One entry from its deflated stream: the bytes ``zf.write(path, arcname)`` writes (the
    header ``ZipFile.open(…, "w")`` writes and rewrites once the sizes are known, then the
    data), from a seekable file as the build's is."""
    zinfo = zipfile.ZipInfo.from_file(path, arcname, strict_timestamps=zf._strict_timestamps)
    if zinfo.file_size != deflated.size:
        raise RuntimeError(f"{arcname}: {zinfo.file_size} bytes on disk, {deflated.size} deflated")
    zinfo.compress_type = zf.compression
    zinfo._compresslevel = zf.compresslevel
    zinfo.flag_bits = 0
    if not zinfo.external_attr:
        zinfo.external_attr = 0o600 << 16
    zip64 = zinfo.file_size * 1.05 > zipfile.ZIP64_LIMIT
    zinfo.CRC = deflated.crc
    zinfo.compress_size = deflated.compress_size
    if not zip64 and deflated.compress_size > zipfile.ZIP64_LIMIT:
        raise RuntimeError("Compressed size too large, try using force_zip64")
    zf.fp.seek(zf.start_dir)
    zinfo.header_offset = zf.fp.tell()
    zf._writecheck(zinfo)
    zf._didModify = True
    zf.fp.write(zinfo.FileHeader(zip64))
    with deflated.path.open("rb") as src:
        shutil.copyfileobj(src, zf.fp, CHUNK)
    zf.start_dir = zf.fp.tell()
    zf.filelist.append(zinfo)
    zf.NameToInfo[zinfo.filename] = zinfo


def write_zip(
    out_path: Path, files: list[tuple[Path, str]], deflated: dict[Path, Deflated] | None = None
) -> None:
    """The ZIP of ``files`` (path on disk, name in the ZIP), in that order; each file found in
    ``deflated`` is written from its deflated stream, the others deflated here."""
    deflated = deflated or {}
    with zipfile.ZipFile(out_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path, arcname in files:
            done = deflated.get(path)
            if done is None:
                zf.write(path, arcname)
            else:
                _write_deflated(zf, path, arcname, done)
