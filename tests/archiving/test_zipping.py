"""The ZIP written from files deflated in a child process is the ZIP ``ZipFile.write`` writes."""

import os
import random
import zipfile

import pytest

from archiving.packaging.zipping import DeflateProcess, write_zip

from .helpers import written_side_by_side


@pytest.fixture
def files(tmp_path):
    """Files of the shapes a package holds: empty, small, large text, incompressible bytes."""
    folder = tmp_path / "files"
    folder.mkdir()
    rng = random.Random(14)
    contents = {
        "METS.xml": b'<?xml version="1.0"?>\n<mets/>\n',
        "empty.jsonl": b"",
        "items.xml": "".join(
            f'<item id="{n}"><text>Hej! När öppnar biblioteket? ({n})</text></item>\n'
            for n in range(40_000)
        ).encode(),
        "media/photo": rng.randbytes(300_000),
    }
    paths = {}
    for name, data in contents.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (1_700_000_000, 1_700_000_000))
        paths[name] = path
    return paths


def _deflated(files, chunk):
    process = DeflateProcess(files["METS.xml"].parent.parent / "deflated")
    with process:
        # The same bytes written again beside them, as the build writes them.
        contents = {name: path.read_bytes() for name, path in files.items()}
        written_side_by_side(process, contents, process.folder.parent / "written", chunk)
        done = process.results()
    return {files[name]: result for name, result in done.items()}


@pytest.mark.parametrize("chunk", [1000, 64 * 1024])
def test_the_zip_from_deflated_files_is_the_zip_zipfile_writes(tmp_path, files, chunk):
    entries = [(path, f"p/{name}") for name, path in files.items()]
    write_zip(tmp_path / "plain.zip", entries)
    write_zip(tmp_path / "deflated.zip", entries, _deflated(files, chunk))
    assert (tmp_path / "deflated.zip").read_bytes() == (tmp_path / "plain.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "deflated.zip") as zf:
        assert zf.testzip() is None
        assert [i.filename for i in zf.infolist()] == [name for _path, name in entries]
        for path, name in entries:
            assert zf.read(name) == path.read_bytes()


def test_a_file_changed_after_deflating_is_refused(tmp_path, files):
    deflated = _deflated(files, 64 * 1024)
    files["items.xml"].write_bytes(b"<changed/>")
    entries = [(path, f"p/{name}") for name, path in files.items()]
    with pytest.raises(RuntimeError, match="bytes on disk"):
        write_zip(tmp_path / "p.zip", entries, deflated)


def test_the_child_ends_with_the_process_that_started_it(tmp_path):
    process = DeflateProcess(tmp_path / "deflated")
    written_side_by_side(process, {"a": b"abc"}, tmp_path / "written", 2)
    process.close()
    assert process._process.poll() is not None
