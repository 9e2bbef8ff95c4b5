"""How many examples a property test tries: its full number in ``make test``, a share of it in
mutation runs (``scripts/mutation.sh`` sets ``PROPERTY_EXAMPLES_SCALE=0.1``), where every
surviving mutant runs the test again. Never fewer than one; the ``@example`` cases always run."""

from __future__ import annotations

import os

SCALE = float(os.environ.get("PROPERTY_EXAMPLES_SCALE", "1"))


def examples(full: int) -> int:
    return max(1, round(full * SCALE))
