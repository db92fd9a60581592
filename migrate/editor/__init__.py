"""The analyst's mapping editor for Jupyter: `MappingEditor`, an ipywidgets view over an editing session.

session (the profile being edited, its live Report, the choices each control offers; no widgets) ·
opening (read the source once, start from a profile or the `init` draft) · yamltext (Save: commented
YAML, written atomically, never over an input) · widget (the ipywidgets editor).

May import: `migrate.core`, `migrate.quality`, `migrate.drafting`, `migrate.sources`. Imported only by
`migrate/__init__` and `migrate.api`; never imports sinks, amocrm, sandbox, cli or api.
"""

from .session import AS_IS, DROP, NOT_MAPPED, EditSession
from .widget import MappingEditor

__all__ = ["AS_IS", "DROP", "NOT_MAPPED", "EditSession", "MappingEditor"]
