"""The mapping of the moderation app's records into the package's record shapes."""

import datetime as dt
from types import SimpleNamespace

from archiving.sources import DatabaseSource, _action_record, _evidence_record, _item_record

T = dt.datetime(2025, 5, 1, 10, tzinfo=dt.UTC)


class _Versions:
    def __init__(self, versions):
        self._versions = versions

    def all(self):
        return self._versions


def test_an_item_maps_with_its_versions_and_the_authors_deletion():
    item = SimpleNamespace(
        pk=7,
        platform_id="fb_7",
        kind="comment",
        parent_id=3,
        author_name="Besökare",
        author_platform_id="u1",
        by_municipality=False,
        text="Hej",
        link="",
        published_at=T,
        captured_at=T,
        deleted_by_author_at=T,
        removed_at=None,
        status="handled",
        source="facebook",
        flags=["phone_number"],
        has_personal_data=True,
        versions=_Versions(
            [
                SimpleNamespace(number=2, change="deleted", text="", changed_at=T, recorded_at=T),
                SimpleNamespace(
                    number=1, change="created", text="Hej", changed_at=T, recorded_at=T
                ),
            ]
        ),
    )
    record = _item_record(item)
    assert [v["number"] for v in record["versions"]] == [1, 2]
    assert [v["deleted"] for v in record["versions"]] == [False, True]
    assert record["flags"] == ["phone_number", "personal_data"]
    assert record["deleted_by_author_at"] == T


def test_a_removal_maps_its_legal_ground_diarienummer_and_response_model():
    action = SimpleNamespace(
        pk=1,
        item_id=7,
        kind="removed",
        outcome="remove",
        actor=None,
        created_at=T,
        reply_text="",
        reason="Olaga hot.",
        path=["law:yes"],
        response_model=SimpleNamespace(number=3),
        details={"legal_ground": "olaga_hot", "diarienummer": "KS 2025/12", "police_report": True},
    )
    record = _action_record(action)
    assert (record["legal_ground"], record["reference"]) == ("olaga_hot", "KS 2025/12")
    assert (record["comment"], record["response_model_version"]) == ("Olaga hot.", "3")
    assert record["details"]["police_report"] is True


def test_evidence_keeps_its_stored_copies_verbatim():
    evidence = SimpleNamespace(
        pk=2,
        item_id=7,
        data_json='{"text": "<b>x</b>"}',
        data_sha256="a" * 64,
        html="<article>&lt;b&gt;x&lt;/b&gt;</article>",
        html_sha256="b" * 64,
        taken_by=None,
        taken_at=T,
    )
    record = _evidence_record(evidence)
    assert record["data_json"] == evidence.data_json
    assert record["rendered_html"] == evidence.html
    assert record["taken_at"] == T


def test_an_account_without_moderation_records_has_empty_moderation_sections(active_account):
    source = DatabaseSource(active_account, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert list(source.items()) == []
    assert list(source.moderation_actions()) == []
    assert list(source.evidence()) == []
