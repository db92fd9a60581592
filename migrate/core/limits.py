"""Limits of the formats and systems we write to, in one place: checks report them, writers obey them.

Kept in the core (not in `sinks/`) so that the rules in `migrate.quality` can check a value against the
limit without importing a writer.
"""

#: rows of one Excel sheet (1,048,576) minus the header row: the import writer splits beyond it
SHEET_ROWS = 1_048_575
#: the longest cell each typed transform parses: past it the cell cannot be one value of that type (a phone
#: field holds a few numbers, an e-mail field a few addresses, RFC 5321 caps one at 254), so it is reported
#: as invalid without running a parser over it — a 1 MB cell costs a length check, not a regex scan
PARSE_MAX = {"number": 100, "phone": 500, "email": 2000, "date": 100, "datetime": 100, "checkbox": 50,
             "url": 4096, "name": 1000}  # fmt: skip
MAX_CELL = 32767  # Excel's limit for one cell's text (xlsx); longer text is reported, never truncated silently
