"""The standard visitor information (R6), built from the account's own data.

The texts are published on the platform and on the public list, so they are written in Swedish
whatever language the person filling in the application uses.
"""

from __future__ import annotations

from django.conf import settings


def standard_visitor_information(account) -> dict[str, str]:
    municipality = settings.MUNICIPALITY_NAME
    department = account.department.name if account.department_id else municipality
    purpose = (account.purpose or "").strip().rstrip(".")
    contact = account.public_contact or settings.COMMUNICATOR_EMAIL
    responsibility = (
        f"Det här kontot drivs av {municipality}, {department}, som ansvarar för innehållet."
    )
    if purpose:
        responsibility += f" Syftet med kontot är: {purpose}."
    return {
        "visitor_responsibility": responsibility,
        "visitor_public_records": (
            "Allt som publiceras här – inlägg, kommentarer och meddelanden – blir allmän handling "
            f"hos {municipality} och kan lämnas ut enligt offentlighetsprincipen. Det du skriver "
            "syns även för andra besökare."
        ),
        "visitor_forbidden": (
            "Du får inte publicera inlägg som strider mot lag, till exempel olaga hot, hets mot "
            "folkgrupp, uppvigling, olaga våldsskildring, barnpornografi eller intrång i "
            "upphovsrätt. Du får inte heller publicera personnummer, kränkande personuppgifter, "
            "sekretessbelagda uppgifter, reklam eller inlägg som saknar koppling till kontots "
            "ämne. Sådana inlägg dokumenteras och tas bort, och vi meddelar dig att de "
            "tagits bort. Brottsligt innehåll kan polisanmälas."
        ),
        "visitor_own_responsibility": (
            "Du ansvarar själv för att det du publicerar är korrekt och inte strider mot lag."
        ),
        "visitor_contact": (
            f"Kontakta oss på {contact} om du har frågor om kontot. Ser du olämpliga kommentarer "
            "eller kränkande innehåll? Rapportera det gärna till oss, så tar vi hand om det."
        ),
    }
