"""Turn jsonschema's findings into short messages that name the path, for SchemaError/ProfileError.

Both the account schema and the mapping profile are validated this way, so a user always sees *every*
problem at once, each as `path: what is wrong`, instead of fixing them one run at a time. An unknown key
is named together with the closest valid key ('transfrom' → did you mean 'transform'?), and a value that
could take several shapes (a profile column: null, a target name, or a mapping) is judged against the
shape it has, not against the first alternative.
"""

from __future__ import annotations

import difflib
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .yamlsafe import clip


def _path(error: ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(top level)"


def _unknown_keys(error: ValidationError) -> str:
    allowed = sorted((error.schema.get("properties") or {}) if isinstance(error.schema, dict) else {})
    extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
    parts = []
    for key in extra:
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        parts.append(f"unknown key {key!r}{hint}")
    known = f"; valid keys: {', '.join(allowed)}" if allowed else ""
    return "; ".join(parts) + known if parts else error.message


def _best_branch(error: ValidationError) -> ValidationError:
    """Of the alternatives' failures, the one from the alternative whose type the value has: a mapping
    with a misspelt key is reported against the mapping shape, not as "is not of type 'null'"."""
    depth = len(list(error.absolute_path))
    shaped = [e for e in error.context or [] if e.validator != "type" or len(list(e.absolute_path)) > depth]
    shaped = shaped or list(error.context or [])
    return max(shaped, key=lambda e: len(list(e.absolute_path)))


def _describe(error: ValidationError) -> str:
    if error.validator == "additionalProperties":
        return _unknown_keys(error)
    if error.validator in ("oneOf", "anyOf") and error.context:
        depth = len(list(error.absolute_path))
        if all(e.validator == "type" and len(list(e.absolute_path)) == depth for e in error.context):
            kinds = [str(e.validator_value) for e in error.context]
            return f"{error.instance!r} is none of: " + ", ".join(kinds)
        best = _best_branch(error)
        return _describe(best) if best is not error else best.message
    return error.message


def collect_errors(data: Any, schema: dict[str, Any]) -> list[str]:
    """Every violation of `schema` by `data`, as `path: message`, in document order."""
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [clip(f"{_path(e)}: {_describe(e)}") for e in errors]
