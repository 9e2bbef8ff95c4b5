"""The package's XML validated while written, in a child process: the same verdicts and messages
as validating the files afterwards, a build that fails on an invalid document, and never a child
left behind."""

import datetime as dt
from pathlib import Path

import pytest

from archiving.packaging import PackageInfo, PackageInvalid, build_package, children, validate_file
from archiving.packaging.synthetic import SyntheticSource
from archiving.packaging.validation import ValidationProcess
from archiving.packaging.zipping import DeflateProcess

from .helpers import written_side_by_side

VALID = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<items xmlns="urn:haparanda-social:archive:1" packageId="p" accountId="1">\n</items>\n'
)
WRONG_TYPE = VALID.replace(b'accountId="1"', b'accountId="x"')
UNKNOWN_ELEMENT = VALID.replace(b"\n</items>", b"<nonsense/></items>")
NOT_XML = b""
# A document that ends part-way through (a writer that stopped, a full disk).
CUT_OFF = VALID[: -len(b"</items>\n")]
# An entity that would read a file from the machine.
EXTERNAL_ENTITY = VALID.replace(
    b"<items ", b'<!DOCTYPE items [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<items '
).replace(b"\n</items>", b"&x;</items>")


def _info(**kwargs):
    defaults = {
        "package_id": "3f1c0c9e-5f43-4a4e-9d8e-000000000002",
        "kind": "yearly",
        "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 12, 31),
        "account_id": 1,
    }
    return PackageInfo(**{**defaults, **kwargs})


@pytest.fixture
def started(monkeypatch):
    """Every child process a build starts, by kind."""
    started = []

    class Validation(ValidationProcess):
        def __init__(self):
            super().__init__()
            started.append(("validation", self))

    class Deflate(DeflateProcess):
        def __init__(self, folder):
            super().__init__(folder)
            started.append(("deflate", self))

    monkeypatch.setattr("archiving.packaging.builder.ValidationProcess", Validation)
    monkeypatch.setattr("archiving.packaging.builder.DeflateProcess", Deflate)
    return started


def _ended(started) -> list[tuple[str, bool]]:
    return [(kind, child._process.poll() is not None) for kind, child in started]


def _fed(folder, documents: dict[str, bytes], chunk: int = 7) -> ValidationProcess:
    process = ValidationProcess()
    for name, data in documents.items():  # one after the other
        written_side_by_side(process, {name: data}, folder, chunk)
    return process


@pytest.mark.parametrize("data", [WRONG_TYPE, UNKNOWN_ELEMENT, NOT_XML, CUT_OFF, EXTERNAL_ENTITY])
def test_the_child_gives_the_message_validating_the_file_gives(tmp_path, data):
    path = tmp_path / "items.xml"
    path.write_bytes(data)
    with pytest.raises(PackageInvalid) as on_disk:
        validate_file(path)
    fed = _fed(tmp_path / "fed", {"data/items.xml": data})
    with fed as process, pytest.raises(PackageInvalid) as streamed:
        process.verdict(["data/items.xml"])
    assert str(streamed.value) == str(on_disk.value)


def test_a_valid_document_passes_and_the_child_ends(tmp_path):
    with _fed(tmp_path, {"a.xml": VALID, "b.xml": VALID}, chunk=3) as process:
        process.verdict(["a.xml", "b.xml"])
        assert process._process.returncode == 0


def test_documents_written_side_by_side_are_kept_apart_and_the_first_listed_failure_is_raised(
    tmp_path,
):
    with ValidationProcess() as process:
        documents = {"data/items.xml": VALID, "data/moderation.xml": WRONG_TYPE}
        written_side_by_side(process, documents, tmp_path, 5)
        with pytest.raises(PackageInvalid, match=r"^moderation\.xml: "):
            process.verdict(["data/items.xml", "data/moderation.xml"])


def test_a_child_that_fails_fails_the_verdict_loudly():
    with ValidationProcess() as process:
        process.end(41)  # a document never started: the child stops on it
        with pytest.raises(RuntimeError, match="child ended with status 1"):
            process.verdict([])


def test_a_build_with_an_invalid_document_fails_and_leaves_no_package(tmp_path, started):
    out = tmp_path / "package.zip"
    # accountId is an integer in the schema: the items and the moderation break it.
    with pytest.raises(PackageInvalid, match=r"^moderation\.xml: .*accountId"):
        build_package(_info(account_id="x"), SyntheticSource(50), out, work_dir=tmp_path / "w")
    assert not out.exists()
    assert not (tmp_path / "w").exists()
    assert _ended(started) == [("deflate", True), ("validation", True)]


def test_a_build_that_fails_while_writing_ends_its_child(tmp_path, started):
    class Failing(SyntheticSource):
        def items(self):
            yield from super().items()
            raise OSError("the database went away")

    with pytest.raises(OSError, match="went away"):
        build_package(_info(), Failing(20), tmp_path / "package.zip")
    assert _ended(started) == [("deflate", True), ("validation", True)]


def test_a_build_without_validation_starts_only_the_deflating_child(tmp_path, started):
    build_package(_info(), SyntheticSource(5), tmp_path / "package.zip", validate=False)
    assert _ended(started) == [("deflate", True)]


def test_the_children_run_without_the_package():
    # Run as a script, the children's module must import neither the package nor Django.
    text = Path(children.__file__).read_text(encoding="utf-8")
    assert "from ." not in text
    assert "django" not in text


@pytest.mark.parametrize("kind", ["validation", "deflate"])
def test_a_child_whose_builder_is_gone_exits(tmp_path, kind):
    # A builder killed outright closes nothing itself: its end of the pipe closes with it.
    process = ValidationProcess() if kind == "validation" else DeflateProcess(tmp_path / "d")
    written_side_by_side(process, {"a.xml": VALID[:40]}, tmp_path, 7)
    process._pipe.close()
    process._process.stdout.close()
    assert process._process.wait(timeout=30) is not None
    process.close()
