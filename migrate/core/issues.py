"""The error catalogue: data problems are `Issue` records, run failures are exceptions.

An `Issue` is a finding about the user's data or mapping. It never stops a run: errors exclude their row
from the import file, warnings do not. An exception (`MigrateError` and below) means the run itself cannot
go on (unreadable file, invalid profile or schema); the CLI turns it into one paragraph and exit code 2.

Every `IssueCode` carries its severity and a message template, so the catalogue is one place to read and
the report's wording stays consistent.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .yamlsafe import CLIP, clip

ERROR = "error"
WARNING = "warning"
#: worth knowing, nothing to fix (a header matched only after folding, an optional column absent)
INFO = "info"


class IssueCode(StrEnum):
    """Stable machine codes. The value is what reports and JSON carry; never rename one."""

    # structure of the source
    DUPLICATE_HEADER = "duplicate_header"
    BLANK_HEADER = "blank_header"
    # mapping
    UNMAPPED_COLUMN = "unmapped_column"
    MISSING_COLUMN = "missing_column"
    UNKNOWN_FIELD = "unknown_field"
    AMBIGUOUS_FIELD = "ambiguous_field"
    NO_OWNER_COLUMN = "no_owner_column"
    HEADER_FOLDED = "header_folded"
    OPTIONAL_COLUMN_MISSING = "optional_column_missing"
    # rows that are not records
    SUMMARY_ROW = "summary_row"
    # owners
    UNKNOWN_OWNER = "unknown_owner"
    INACTIVE_OWNER = "inactive_owner"
    EMPTY_OWNER = "empty_owner"
    UNCHECKED_OWNER = "unchecked_owner"
    # values
    VALUE_NOT_IN_LIST = "value_not_in_list"
    UNKNOWN_PIPELINE = "unknown_pipeline"
    UNKNOWN_STATUS = "unknown_status"
    REQUIRED_EMPTY = "required_empty"
    REQUIRED_AT_STATUS = "required_at_status"
    BAD_NUMBER = "bad_number"
    NUMBER_ROUNDED = "number_rounded"
    BAD_DATE = "bad_date"
    BAD_PHONE = "bad_phone"
    BAD_EMAIL = "bad_email"
    BAD_CHECKBOX = "bad_checkbox"
    BAD_URL = "bad_url"
    EXTRA_VALUES_MOVED = "extra_values_moved"
    EXTRA_VALUES_JOINED = "extra_values_joined"
    NO_NAME = "no_name"
    TEXT_TOO_LONG = "text_too_long"
    INN_LOST_ZERO = "inn_lost_zero"
    # duplicates inside the file (duplicates.py, duplicates_policy.py)
    DUPLICATE_ROW = "duplicate_row"
    DUPLICATE_REJECTED = "duplicate_rejected"
    DUPLICATE_MERGED = "duplicate_merged"
    REPEATED_IN_ROWS = "repeated_in_rows"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    # a whole base across files (migrate.base: manifests, keys, links)
    EMPTY_KEY = "empty_key"
    DUPLICATE_KEY = "duplicate_key"
    DANGLING_LINK = "dangling_link"
    UNKNOWN_LINK_TYPE = "unknown_link_type"
    NOTHING_TO_ATTACH = "nothing_to_attach"


#: code -> (severity, message template). Templates use the Issue's own fields.
CATALOGUE: dict[IssueCode, tuple[str, str]] = {
    IssueCode.DUPLICATE_HEADER: (WARNING, "Header {value!r} appears more than once; this copy is read as {column!r}."),
    IssueCode.BLANK_HEADER: (WARNING, "A column with data has no header; it is read as {column!r}."),
    IssueCode.AMBIGUOUS_FIELD: (
        ERROR,
        "Target header {field!r} names {count} fields of this account ({ids}); the column is not exported. Name "
        "the one you mean with its id: {examples}.",
    ),
    IssueCode.POSSIBLE_DUPLICATE: (
        WARNING,
        "Company {value!r} may be {other_name!r} of row {other} (one letter apart; no phone, e-mail, INN, contact, "
        "or owner and city agree). Not merged: check, and write both the same way if they are one firm.",
    ),
    IssueCode.UNMAPPED_COLUMN: (WARNING, "Source column {column!r} is not in the profile and is not exported."),
    IssueCode.MISSING_COLUMN: (
        ERROR, "The profile maps source column {column!r}, which the file does not have.{nearest}"
    ),
    IssueCode.UNKNOWN_FIELD: (
        ERROR,
        "Target header {field!r} is not a field of this account's {entity} layout; the column is not exported.",
    ),
    IssueCode.HEADER_FOLDED: (
        INFO,
        "Profile key {value!r} matches the file's header {shown} only once invisible differences are ignored "
        "({how}); the column is read.",
    ),
    IssueCode.OPTIONAL_COLUMN_MISSING: (
        INFO,
        "Optional column {column!r} is not in the file (the source system shows it only on request).",
    ),
    IssueCode.SUMMARY_ROW: (
        ERROR,
        "The row is a summary ({value!r} with sums), not a record; it is not imported.",
    ),
    IssueCode.NO_OWNER_COLUMN: (
        WARNING,
        "No column names the responsible user and the profile has no owners.default; "
        "AmoCRM will make the importing user responsible for every record.",
    ),
    IssueCode.UNKNOWN_OWNER: (ERROR, "Owner {value!r} is not a user of the account."),
    IssueCode.INACTIVE_OWNER: (
        ERROR,
        "Owner {value!r} is a deactivated user; AmoCRM refuses one as responsible. Map them to an active "
        "user in owners.map, or reactivate them.",
    ),
    IssueCode.EMPTY_OWNER: (ERROR, "The owner is empty and the profile has no owners.default."),
    IssueCode.UNCHECKED_OWNER: (
        WARNING,
        "Owner {value!r} cannot be checked: the account schema lists no users "
        "(run `amomigrate schema pull`); it is written as it is.",
    ),
    IssueCode.VALUE_NOT_IN_LIST: (ERROR, "{value!r} is not an option of list field {field!r}."),
    IssueCode.UNKNOWN_PIPELINE: (ERROR, "Pipeline {value!r} does not exist in the account."),
    IssueCode.UNKNOWN_STATUS: (ERROR, "Stage {value!r} does not exist in pipeline {pipeline!r}."),
    IssueCode.REQUIRED_EMPTY: (ERROR, "Field {field!r} is required and empty."),
    IssueCode.REQUIRED_AT_STATUS: (ERROR, "Field {field!r} is required at stage {status!r} and is empty."),
    IssueCode.BAD_NUMBER: (ERROR, "{value!r} is not a number."),
    IssueCode.NUMBER_ROUNDED: (WARNING, "{value!r} is written as {written!r}: AmoCRM takes whole numbers here."),
    IssueCode.BAD_DATE: (ERROR, "{value!r} is not a date the importer can read."),
    IssueCode.BAD_PHONE: (ERROR, "{value!r} is not a valid phone number."),
    IssueCode.BAD_EMAIL: (ERROR, "{value!r} is not a valid e-mail address."),
    IssueCode.BAD_CHECKBOX: (ERROR, "{value!r} is not a yes/no value (Да/Нет, yes/no, 1/0)."),
    IssueCode.BAD_URL: (ERROR, "{value!r} is not a web address."),
    IssueCode.EXTRA_VALUES_MOVED: (
        WARNING,
        "The cell holds several values; the first stays in {field!r}, the rest go to {written!r}.",
    ),
    IssueCode.EXTRA_VALUES_JOINED: (
        WARNING,
        "The cell holds several values; all are written comma-separated in {field!r}.",
    ),
    IssueCode.NO_NAME: (WARNING, "The row has no {what}; AmoCRM will give it a placeholder name."),
    IssueCode.TEXT_TOO_LONG: (
        ERROR,
        "The text is {length} characters long; an Excel cell holds at most {limit}, so it would be cut.",
    ),
    IssueCode.INN_LOST_ZERO: (
        WARNING,
        "INN {value!r} has {digits} digits; an INN has 10 or 12. It probably lost its leading zero{fix}.",
    ),
    IssueCode.DUPLICATE_ROW: (
        WARNING,
        "The same {what} as in row {first} ({because}); both rows would be imported as two records. "
        "Merge them, or set `duplicates: merge` or `keep-first` in the profile.",
    ),
    IssueCode.DUPLICATE_REJECTED: (
        ERROR,
        "Duplicate of row {first} ({because}), left out by `duplicates: keep-first`. Delete this row from "
        "the rejects file, or first copy what it adds into row {first}.",
    ),
    IssueCode.DUPLICATE_MERGED: (
        WARNING,
        "Merged into row {first} ({because}): its phones, e-mails, notes and tags are written there{dropped}.",
    ),
    IssueCode.REPEATED_IN_ROWS: (
        WARNING,
        "The {what} of this row is also in row {first} ({because}) but written differently: {differs}. One "
        "{what} in several rows is normal (several deals of one client); write it the same way in each, or it "
        "may be created twice.",
    ),
    IssueCode.EMPTY_KEY: (
        ERROR,
        "The row has no source key in {column!r}; without it the record cannot be linked or found again by a re-run.",
    ),
    IssueCode.DUPLICATE_KEY: (
        ERROR,
        "Source key {value!r} is also the key of row {first}; a key names one record, so this row is left out.",
    ),
    IssueCode.DANGLING_LINK: (
        WARNING,
        "{what} {value!r} is not in the base ({where}); the record goes without this link.",
    ),
    IssueCode.UNKNOWN_LINK_TYPE: (
        WARNING,
        "{value!r} does not say which entity it links to (known: {known}); the record goes without this link.",
    ),
    IssueCode.NOTHING_TO_ATTACH: (
        ERROR,
        "This {what} names no company, contact or deal of the base that it could be attached to.",
    ),
}


def severity_of(code: IssueCode) -> str:
    return CATALOGUE[code][0]


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding. `row` is the physical row in the source (header = row 1), None for file-level issues;
    `column` is the source header, `field` the target header, `value` the original cell text."""

    code: IssueCode
    severity: str
    row: int | None
    column: str | None
    field: str | None
    value: str | None
    suggestion: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        # built field by field, in the fields' order: `asdict` deep-copied every value, and a big file's
        # report makes a dict of each of its hundreds of thousands of issues
        return {"code": self.code.value, "severity": self.severity, "row": self.row, "column": self.column,
                "field": self.field, "value": self.value, "suggestion": self.suggestion, "message": self.message}


def make_issue(
    code: IssueCode,
    *,
    row: int | None = None,
    column: str | None = None,
    field: str | None = None,
    value: str | None = None,
    suggestion: str | None = None,
    suggestions: list[str] | None = None,
    **context: Any,
) -> Issue:
    """Build an Issue with its catalogue severity and rendered message (plus the suggestion, if any).

    `suggestions`: several candidates, each quoted on its own in the message ("Did you mean 'A', 'B' or
    'C'?"); the Issue's `suggestion` is then the first of them."""
    severity, message = rendered(code, row, column, field, value, context)
    if suggestions:
        suggestion = suggestions[0]
    if suggestion:
        message += f" Did you mean {did_you_mean([clip(s) for s in (suggestions or [suggestion])])}?"
    return Issue(code, severity, row, column, field, value, suggestion, message)


def rendered(code: IssueCode, row: int | None, column: str | None, field: str | None, value: str | None,
             context: dict[str, Any]) -> tuple[str, str]:  # fmt: skip
    """`code`'s severity and its message for these fields, no suggestion appended: what `make_issue` builds
    on, and what a caller making hundreds of thousands of one kind of issue (a big file's linked-row
    warnings) calls to build each Issue once. `context` is not changed."""
    severity, template = CATALOGUE[code]
    # a message quotes a few hundred characters of a value at most (a 1 MB cell stays in `value`)
    shown = value if value is None or len(value) <= CLIP else clip(value)
    if "nearest" not in context:
        return severity, template.format(row=row, column=column, field=field, value=shown, nearest="", **context)
    return severity, template.format(row=row, column=column, field=field, value=shown, **context)


def did_you_mean(choices: list[str]) -> str:
    """'A' · 'A' or 'B' · 'A', 'B' or 'C': each candidate quoted on its own."""
    quoted = [repr(c) for c in choices]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


class MigrateError(Exception):
    """A run cannot go on. The message is one paragraph meant for the user, naming file/sheet/row/column."""


class SourceError(MigrateError):
    """The source file cannot be read (missing, empty, unknown format, wrong sheet, undecodable)."""


class ProfileError(MigrateError):
    """The mapping profile is invalid; the message lists every problem with its path."""


class SchemaError(MigrateError):
    """The account schema is invalid; the message lists every problem with its path."""


class AmoApiError(MigrateError):
    """The AmoCRM API refused or failed in a way a retry will not fix."""
