"""YAML for the files a user hands us (profiles, manifests, role templates): data only, no aliases.

`yaml.safe_load` never runs code, but it does expand aliases: a 430-byte profile of nested `&a [*b, *b, …]`
anchors grows to hundreds of MB in memory (the "billion laughs"), and one message quoting the value
repeats it on stderr. None of our files needs an alias, so an alias is refused where it stands (line and
column), before anything is expanded. Messages about a value quote at most `clip`'s few hundred characters.
"""

from __future__ import annotations

from typing import Any

import yaml

CLIP = 300


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that stops at the first alias (`*name`) instead of expanding it."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: ANN401 (PyYAML's own signature)
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"YAML aliases (*{event.anchor}) are not allowed here; write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:  # noqa: ANN401 (any YAML document)
    """`yaml.safe_load` without aliases; raises yaml.MarkedYAMLError (with line and column) on one."""
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader subclass)


def clip(text: object, limit: int = CLIP) -> str:
    """`text` as str, cut to `limit` characters with "…" and the full length when longer."""
    s = str(text)
    return s if len(s) <= limit else f"{s[:limit]}… ({len(s):,} characters)"
