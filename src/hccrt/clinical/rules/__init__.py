"""The seed rules as small pure functions over a :class:`~hccrt.clinical.rules.context.Context`.

Importing this package registers every rule in :data:`hccrt.clinical.sources.RULES`.
"""

from hccrt.clinical.rules import (  # noqa: F401  (imported to register their rules)
    ebrt,
    fractionation,
    local_therapy,
    modern,
    radical,
    radiotherapy,
    rt_plan,
    rt_safety,
    rt_sequencing,
    sbrt,
)
