"""A source of generated records with the shapes of ``archiving.sources``.

Used by the memory benchmark (``benchmarks/archive_memory.py``) and tests: it yields as many items
as asked without a database, so building measures the package writer alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from typing import Any

T0 = dt.datetime(2025, 1, 1, 8, 0, tzinfo=dt.UTC)


class SyntheticSource:
    def __init__(self, n_items: int, *, text: str = "Hej! När öppnar biblioteket i morgon?"):
        self.n_items = n_items
        self.text = text

    def account_record(self) -> dict[str, Any]:
        return {
            "id": 1,
            "display_name": "Haparanda bibliotek",
            "platform": "facebook",
            "platform_label": "Facebook",
            "handle": "haparandabibliotek",
            "url": "https://www.facebook.com/haparandabibliotek",
            "status": "active",
            "department": {"id": 1, "name": "Kultur- och fritidsförvaltningen", "slug": "kultur"},
            "purpose": "Informera om bibliotekets evenemang.",
            "audiences": "Invånare.",
            "goals": ["accessible"],
            "plan": "Två inlägg i veckan.",
            "tonality": "Personlig men inte privat.",
            "answers": "Öppettider.",
            "does_not_answer": "Enskilda ärenden.",
            "hours_per_week": "2.0",
            "public_contact": "bibliotek@haparanda.se",
            "starts_on": dt.date(2024, 1, 1),
            "ends_on": None,
            "created_at": T0,
            "approved_at": T0,
            "closed_at": None,
            "visitor": {"visitor_responsibility": "Kultur- och fritidsförvaltningen ansvarar."},
            "credentials_location": "Lösenordshanteraren.",
            "credentials_access": "Kontoansvarig och ersättare.",
            "roles": [
                {
                    "role": "owner",
                    "person": "Olle Ägare",
                    "title": "Bibliotekarie",
                    "manager": "Maria Chef",
                    "assignment_status": "confirmed",
                    "assignment_reference": "KFN 2024/12",
                    "created_at": T0,
                    "ended_at": None,
                }
            ],
        }

    def decisions(self) -> Iterator[dict[str, Any]]:
        yield {
            "id": 1,
            "kind": "approved",
            "kind_label": "Godkänt",
            "actor": "Karin Kommunikatör",
            "created_at": T0,
            "comment": "Uppfyller riktlinjerna.",
            "details": {},
        }

    def items(self) -> Iterator[dict[str, Any]]:
        for n in range(1, self.n_items + 1):
            at = T0 + dt.timedelta(minutes=n)
            yield {
                "id": n,
                "platform_id": f"fb_{n}",
                "kind": "comment" if n % 3 else "post",
                "parent_id": (n - n % 3) or None if n % 3 else None,
                "author_name": "Haparanda bibliotek" if n % 3 == 0 else f"Besökare {n}",
                "author_platform_id": f"user_{n % 997}",
                "by_municipality": n % 3 == 0,
                "text": f"{self.text} ({n})",
                "link": f"https://www.facebook.com/haparandabibliotek/posts/{n}",
                "published_at": at,
                "captured_at": at + dt.timedelta(seconds=30),
                "status": "handled",
                "source": "facebook",
                "flags": [],
                "deleted_by_author_at": at + dt.timedelta(hours=1) if n % 50 == 0 else None,
                "removed_at": None,
                "versions": [
                    {
                        "number": 1,
                        "change": "created",
                        "changed_at": at,
                        "recorded_at": at,
                        "text": f"{self.text} ({n})",
                        "deleted": False,
                    },
                    *(
                        [
                            {
                                "number": 2,
                                "change": "deleted",
                                "changed_at": at + dt.timedelta(hours=1),
                                "recorded_at": at + dt.timedelta(hours=1, minutes=5),
                                "text": "",
                                "deleted": True,
                            }
                        ]
                        if n % 50 == 0
                        else []
                    ),
                ],
            }

    def moderation_actions(self) -> Iterator[dict[str, Any]]:
        for n in range(1, self.n_items // 10 + 1):
            yield {
                "id": n,
                "item_id": n * 10,
                "kind": "triaged",
                "outcome": "answer",
                "actor": "Olle Ägare",
                "created_at": T0 + dt.timedelta(minutes=n * 10 + 5),
                "legal_ground": "",
                "reference": "",
                "recipient": "",
                "reply_text": "Biblioteket öppnar klockan tio.",
                "comment": "",
                "response_model_version": "1",
                "path": ["question:yes", "can_answer:yes"],
                "details": {"reply_published": True},
            }

    def evidence(self) -> Iterator[dict[str, Any]]:
        for n in range(1, min(self.n_items // 1000, 20) + 1):
            data = json.dumps({"id": n, "text": "Olämpligt inlägg"}, ensure_ascii=False)
            html = f"<article><p>Olämpligt inlägg {n}</p></article>"
            yield {
                "id": n,
                "item_id": n * 7,
                "taken_by": "Olle Ägare",
                "taken_at": T0 + dt.timedelta(days=1),
                "data_json": data,
                "rendered_html": html,
                "data_sha256": hashlib.sha256(data.encode()).hexdigest(),
                "html_sha256": hashlib.sha256(html.encode()).hexdigest(),
            }
