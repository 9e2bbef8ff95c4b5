"""Run the E-ARK reference validator (eark-validator 1.1.3) offline on one package.

Runs in the validator's own virtualenv (``.venv-eark``, made by ``scripts/bootstrap.sh``: the
validator pins an lxml the project does not use). At import the validator downloads the CSIP
controlled vocabularies from earkcsip.dilcis.eu; the same vocabularies ship inside its package
(``eark_validator/ipxml/resources/vocabs``), so the download is answered from those files. Any
other address fails loudly: nothing the validator checks is changed or skipped.

Prints one JSON object: {"errors": [...], "warnings": [...], "structure": "..."}.
"""

import json
import sys
import urllib.request
from importlib import resources

VOCABULARY_BASE = "https://earkcsip.dilcis.eu/schema/"
_real_urlopen = urllib.request.urlopen


def offline_urlopen(url, *args, **kwargs):
    address = getattr(url, "full_url", url)
    if isinstance(address, str) and address.startswith(VOCABULARY_BASE):
        name = address[len(VOCABULARY_BASE) :]
        shipped = resources.files("eark_validator.ipxml.resources.vocabs").joinpath(name)
        if shipped.is_file():
            return shipped.open("rb")
    raise OSError(f"No network: the validator asked for {address}")


def main(path: str) -> int:
    urllib.request.urlopen = offline_urlopen
    from pathlib import Path

    from eark_validator.packages import PackageValidator
    from eark_validator.specifications.specification import SpecificationVersion

    report = PackageValidator(Path(path), SpecificationVersion.V2_1_0).validation_report
    data = json.loads(report.model_dump_json())
    messages = list(data["structure"].get("messages") or [])
    metadata = data.get("metadata") or {}
    for key in ("schema_results", "schematron_results"):
        messages += (metadata.get(key) or {}).get("messages") or []
    result = {
        "structure": data["structure"].get("status"),
        "errors": [m for m in messages if m.get("severity") == "Error"],
        "warnings": [m for m in messages if m.get("severity") == "Warning"],
        "package": data.get("package"),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
