"""Publish version 2 of the default response model where the first is still in use unchanged.

Version 2 adds the removal path for advertising, spam and content that breaks the account's
published rules (ground "kontots_regler") and the named shortcuts. A model the communicator has
changed is left as it is. Earlier versions stay, so recorded paths and triages started on them
still walk the same. Both trees are frozen here, as a migration must not follow later edits.
"""

import copy
import json

from django.db import migrations

NEW_TREE = json.loads(
    r"""
{
 "start": "lag",
 "nodes": {
  "lag": {
   "question": "Bryter inlägget mot lag eller mot kontots regler?",
   "help": "BBS-lagen 5 §: olaga hot, olaga integritetsintrång, uppvigling, hets mot folkgrupp, barnpornografibrott, olaga våldsskildring, offentlig uppmaning, upphovsrättsintrång. Överväg polisanmälan. Kontots regler: reklam, spam och inlägg utan koppling till kontots ämne tas bort enligt riktlinjerna och kontots besöksinformation.",
   "answers": [
    {
     "key": "ja",
     "label": "Ja, mot lag",
     "outcome": "remove"
    },
    {
     "key": "nej",
     "label": "Nej",
     "goto": "personuppgifter"
    },
    {
     "key": "regler",
     "label": "Reklam, spam eller annat som bryter mot kontots regler",
     "outcome": "remove",
     "preset": {
      "legal_ground": "kontots_regler"
     }
    }
   ]
  },
  "personuppgifter": {
   "question": "Innehåller inlägget kränkande personuppgifter, personnummer eller sekretessbelagda uppgifter?",
   "help": "Dokumentera och ta bort. Personuppgifter får inte publiceras i kommunens kanaler.",
   "answers": [
    {
     "key": "ja",
     "label": "Ja",
     "outcome": "remove",
     "preset": {
      "legal_ground": "personuppgifter"
     }
    },
    {
     "key": "nej",
     "label": "Nej",
     "goto": "felanmalan"
    }
   ]
  },
  "felanmalan": {
   "question": "Är det en felanmälan?",
   "help": "Till exempel trasig gatubelysning, vattenläcka eller snöröjning som inte fungerar.",
   "answers": [
    {
     "key": "ja",
     "label": "Ja",
     "outcome": "refer_fault_report"
    },
    {
     "key": "nej",
     "label": "Nej",
     "goto": "sarskild_ordning"
    }
   ]
  },
  "sarskild_ordning": {
   "question": "Är det en anmälan om socialt missförhållande, olovlig byggnation eller liknande?",
   "help": "Sådant handläggs i särskild ordning: vidarebefordra för diarieföring, meddela den som anmält, dokumentera och radera inlägget.",
   "answers": [
    {
     "key": "ja",
     "label": "Ja",
     "outcome": "forward_to_department"
    },
    {
     "key": "nej",
     "label": "Nej",
     "goto": "enskilt_arende"
    }
   ]
  },
  "enskilt_arende": {
   "question": "Gäller det ett enskilt ärende eller ett pågående ärende?",
   "help": "Kontakta besökaren och hänvisa till en lämpligare kanal. Uppgifter som hör till ett ärende flyttas till ordinarie ärendehantering.",
   "answers": [
    {
     "key": "ja",
     "label": "Ja",
     "outcome": "refer_individual_case"
    },
    {
     "key": "nej",
     "label": "Nej",
     "goto": "fraga"
    }
   ]
  },
  "fraga": {
   "question": "Är det en fråga?",
   "help": "",
   "answers": [
    {
     "key": "ja",
     "label": "Ja",
     "goto": "kan_svara"
    },
    {
     "key": "nej",
     "label": "Nej",
     "goto": "positiv"
    }
   ]
  },
  "kan_svara": {
   "question": "Kan du svara på frågan inom ditt eget ansvarsområde?",
   "help": "Säg om du inte vet, och berätta vem som kommer att svara.",
   "answers": [
    {
     "key": "ja",
     "label": "Ja",
     "outcome": "answer"
    },
    {
     "key": "nej",
     "label": "Nej",
     "outcome": "forward_for_answer"
    }
   ]
  },
  "positiv": {
   "question": "Är inlägget positivt eller balanserat?",
   "help": "",
   "answers": [
    {
     "key": "ja",
     "label": "Ja",
     "goto": "vill_svara"
    },
    {
     "key": "nej",
     "label": "Nej",
     "goto": "negativ"
    }
   ]
  },
  "vill_svara": {
   "question": "Vill du svara?",
   "help": "",
   "answers": [
    {
     "key": "ja",
     "label": "Ja",
     "outcome": "thank"
    },
    {
     "key": "nej",
     "label": "Nej",
     "outcome": "let_stand"
    }
   ]
  },
  "negativ": {
   "question": "Vad kännetecknar det negativa inlägget?",
   "help": "Välj det som passar bäst.",
   "answers": [
    {
     "key": "troll",
     "label": "Ett troll som vill hacka ner på kommunen",
     "outcome": "monitor",
     "preset": {
      "troll": true
     }
    },
    {
     "key": "raljant",
     "label": "Gnäll, skämt eller satir",
     "outcome": "monitor"
    },
    {
     "key": "felaktiga_fakta",
     "label": "Felaktiga fakta",
     "outcome": "correct_facts"
    },
    {
     "key": "dalig_upplevelse",
     "label": "En dålig upplevelse",
     "outcome": "rectify"
    },
    {
     "key": "annat",
     "label": "Annat",
     "outcome": "let_stand"
    }
   ]
  }
 },
 "shortcuts": [
  {
   "name": "Fråga → Svara",
   "key": "s",
   "path": [
    "nej",
    "nej",
    "nej",
    "nej",
    "nej",
    "ja",
    "ja"
   ]
  },
  {
   "name": "Beröm → Tacka",
   "key": "t",
   "path": [
    "nej",
    "nej",
    "nej",
    "nej",
    "nej",
    "nej",
    "ja",
    "ja"
   ]
  },
  {
   "name": "Beröm → Låt stå",
   "key": "l",
   "path": [
    "nej",
    "nej",
    "nej",
    "nej",
    "nej",
    "nej",
    "ja",
    "nej"
   ]
  },
  {
   "name": "Reklam → Ta bort",
   "key": "r",
   "path": [
    "regler"
   ]
  },
  {
   "name": "Felanmälan → Hänvisa",
   "key": "f",
   "path": [
    "nej",
    "nej",
    "ja"
   ]
  },
  {
   "name": "Gnäll → Bevaka",
   "key": "b",
   "path": [
    "nej",
    "nej",
    "nej",
    "nej",
    "nej",
    "nej",
    "nej",
    "raljant"
   ]
  }
 ]
}
"""
)
OLD_TREE = copy.deepcopy(NEW_TREE)
OLD_TREE.pop("shortcuts")
OLD_TREE["nodes"]["lag"] = {
    "question": "Bryter inlägget mot lag?",
    "help": "BBS-lagen 5 §: olaga hot, olaga integritetsintrång, uppvigling, hets mot folkgrupp, "
    "barnpornografibrott, olaga våldsskildring, offentlig uppmaning, upphovsrättsintrång. "
    "Överväg polisanmälan.",
    "answers": [
        {"key": "ja", "label": "Ja", "outcome": "remove"},
        {"key": "nej", "label": "Nej", "goto": "personuppgifter"},
    ],
}


def publish_version_two(apps, schema_editor):
    ResponseModelVersion = apps.get_model("moderation", "ResponseModelVersion")
    latest = ResponseModelVersion.objects.order_by("-number").first()
    if latest is None or latest.tree != OLD_TREE:
        return
    ResponseModelVersion.objects.create(
        number=latest.number + 1,
        tree=NEW_TREE,
        note=(
            "Standardmodellen, version 2: reklam, spam och brott mot kontots regler tas bort med "
            "kommunens regler som grund; snabbval för vanliga vägar."
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0005_queue_search"),
    ]

    operations = [
        migrations.RunPython(publish_version_two, migrations.RunPython.noop),
    ]
