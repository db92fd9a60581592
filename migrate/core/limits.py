"""Limits of the formats and systems we write to, in one place: checks report them, writers obey them.

Kept in the core (not in `sinks/`) so that the rules in `migrate.quality` can check a value against the
limit without importing a writer.
"""

#: rows of one Excel sheet (1,048,576) minus the header row: the import writer splits beyond it
SHEET_ROWS = 1_048_575
MAX_CELL = 32767  # Excel's limit for one cell's text (xlsx); longer text is reported, never truncated silently
