"""Turn jsonschema's findings into short messages that name the path, for SchemaError/ProfileError.

Both the account schema and the mapping profile are validated this way, so a user always sees *every*
problem at once, each as `path: what is wrong`, instead of fixing them one run at a time.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError


def _path(error: ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(top level)"


def _describe(error: ValidationError) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key(s)")
    if error.validator in ("oneOf", "anyOf") and error.context:
        # the most specific branch failure says more than "is not valid under any of the given schemas"
        best = min(error.context, key=lambda e: len(list(e.absolute_path)) * -1)
        return best.message
    return error.message


def collect_errors(data: Any, schema: dict[str, Any]) -> list[str]:
    """Every violation of `schema` by `data`, as `path: message`, in document order."""
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{_path(e)}: {_describe(e)}" for e in errors]
