"""What the reviewer marks is what leaves masked: spans at the very start and end of a text, an
empty span refused, the limit on spans, overlapping spans as one, the detector's suggestions in
the order of the text, and a name masked whole wherever it appears even when part of it is
masked on its own too. Through the review page and the delivery built from it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from moderation.models import Item
from records.delivering import build_delivery
from records.masking import MASK, MAX_SPANS, mask_words
from records.models import ItemReview, SecrecyProvision
from records.services import request_add_items
from tests.moderation.conftest import make_item

pytestmark = pytest.mark.django_db


def _provision():
    return SecrecyProvision.objects.get(citation="21 kap. 7 §")


@pytest.fixture
def reviewed(communicator, communicator_client, records_request, active_account):
    """An item with ``text`` in the request, reviewed with ``spans``: the response and the
    delivered text (None when the review was refused)."""

    def review_and_deliver(text: str, spans: str = "", **data):
        item = make_item(active_account, text=text, author_name="Kalle Kula")
        request_add_items(
            request=records_request, actor=communicator, items=Item.objects.filter(pk=item.pk)
        )
        response = communicator_client.post(
            f"/handlingar/begaran/{records_request.pk}/objekt/{item.pk}/granska/",
            {"outcome": "mask", "provision": _provision().pk, "spans": spans, **data},
        )
        if response.status_code != 302:
            return response, None
        delivery, _lines = build_delivery(
            records_request, actor=communicator, delivered_at=timezone.now()
        )
        [delivered] = delivery.items()
        return response, delivered.text

    return review_and_deliver


def test_a_span_from_the_first_character_is_masked(reviewed):
    response, text = reviewed("Anna ringde om snöröjningen.", "0-4")
    assert response.status_code == 302, response.content.decode()
    assert text == f"{MASK} ringde om snöröjningen."


def test_a_span_to_the_last_character_is_masked(reviewed):
    words = "Snöröjningen, sa Anna"
    response, text = reviewed(words, f"{len(words) - 4}-{len(words)}")
    assert response.status_code == 302, response.content.decode()
    assert text == f"Snöröjningen, sa {MASK}"


def test_an_empty_span_masks_nothing_and_is_refused(reviewed):
    response, text = reviewed("Anna ringde om snöröjningen.", "5-5")
    assert response.status_code == 400
    assert "utanför texten" in response.content.decode()
    assert text is None
    assert not ItemReview.objects.exists()


def _spans(count: int) -> str:
    return " ".join(f"{2 * n}-{2 * n + 1}" for n in range(count))


def test_as_many_spans_as_the_limit_are_masked(reviewed):
    response, text = reviewed("xy" * MAX_SPANS, _spans(MAX_SPANS))
    assert response.status_code == 302, response.content.decode()
    assert text == f"{MASK}y" * MAX_SPANS


def test_one_span_past_the_limit_is_refused_with_the_limit_named(reviewed):
    response, text = reviewed("xy" * (MAX_SPANS + 1), _spans(MAX_SPANS + 1))
    assert response.status_code == 400
    assert f"Maskera högst {MAX_SPANS}" in response.content.decode()
    assert text is None
    assert not ItemReview.objects.exists()


def test_a_name_is_masked_whole_where_its_surname_is_also_masked_alone(reviewed):
    # The reviewer marks the full name once and the surname once; the full name further on is
    # masked whole, so no first name is left beside a marker.
    words = "Anna Berg ringde. Sedan skrev Berg igen. Hälsningar Anna Berg"
    surname = words.index("Berg igen")
    response, text = reviewed(words, f"0-9 {surname}-{surname + 4}")
    assert response.status_code == 302, response.content.decode()
    assert text == f"{MASK} ringde. Sedan skrev {MASK} igen. Hälsningar {MASK}"
    assert "Anna" not in text


def test_overlapping_and_touching_spans_are_masked_as_one(reviewed):
    words = "Anna Berg och Olle Holm ringde om snöröjningen."
    # 0-6 and 3-9 overlap, 14-18 and 18-23 touch, 2-4 lies inside 0-6; commas separate too.
    response, text = reviewed(words, "0-6, 3-9 2-4,14-18 18-23")
    assert response.status_code == 302, response.content.decode()
    assert text == f"{MASK} och {MASK} ringde om snöröjningen."
    assert ItemReview.objects.get().spans == [[0, 9], [14, 23]]


@pytest.mark.parametrize("part", ["a-5", "5-b", "12", "-"])
def test_a_span_that_is_not_two_positions_is_refused_and_named(reviewed, part):
    response, text = reviewed("Anna ringde om snöröjningen.", f"0-4 {part}")
    assert response.status_code == 400
    assert f"Skriv varje avsnitt som start-slut, till exempel 12-25; {part} är inte" in (
        response.content.decode()
    )
    assert text is None


def test_a_long_span_that_is_not_one_is_named_by_its_first_forty_characters(reviewed):
    part = "1" * 40 + "x-5"
    response, _text = reviewed("Anna ringde om snöröjningen.", part)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"12-25; {part[:40]} är inte" in page
    assert f"12-25; {part[:41]}" not in page


def test_suggestions_come_in_the_order_of_the_text_and_the_first_is_masked(reviewed):
    # The detector finds identity numbers before e-mail addresses; the reviewer sees (and
    # accepts by number) what the text holds first. 0501011233 is read as a personnummer and a
    # phone number at the same place: one suggestion.
    words = "Mejla anna@example.se, nummer 0501011233 eller ring 070-123 45 67."
    response, text = reviewed(words, accepted=["0"])
    assert response.status_code == 302, response.content.decode()
    assert text == f"Mejla {MASK}, nummer 0501011233 eller ring 070-123 45 67."
    suggestions = ItemReview.objects.get().suggestions
    assert [(s["kind"], s["label"], s["accepted"]) for s in suggestions] == [
        ("email", "E-postadress", True),
        ("personnummer", "Personnummer", False),
        ("phone", "Telefonnummer", False),
    ]
    assert [words[s["start"] : s["end"]] for s in suggestions] == [
        "anna@example.se",
        "0501011233",
        "070-123 45 67",
    ]


@pytest.mark.parametrize("word", ["a", "era", "mask", "[maskerat]"])
def test_a_word_is_never_masked_inside_a_marker_already_put_in(word):
    text = f"Anna Berg bor på Storgatan, {word} sa hon."
    masked = mask_words(text, ["Anna Berg", word])
    assert "Anna Berg" not in masked
    assert word not in masked.replace(MASK, "")
    assert "[m[" not in masked and "]t]" not in masked
    assert masked.count(MASK) == masked.count("[") == masked.count("]")


def test_overlapping_words_leave_no_character_visible_whatever_their_order():
    text = "Ring Annasson i Haparanda."
    for words in (["Annasson", "Anna"], ["Anna", "Annasson"], ["nnas", "Annasson"]):
        assert mask_words(text, words) == f"Ring {MASK} i Haparanda."
    assert mask_words("abc", ["bc", "ab"]) == MASK


def test_masked_words_that_touch_in_another_text_become_one_marker():
    # As spans that touch are masked as one: no count of the hidden parts is given away.
    assert mask_words("Hälsningar OlleHolm.", ["Olle", "Holm"]) == f"Hälsningar {MASK}."
    assert mask_words("Olle Holm", ["Olle", "Holm"]) == f"{MASK} {MASK}"
