"""Drafting tools: what a file is (`inspect`), a first profile (`init`), and the account setup plan (`plan`).

inspection (kind, header row, fill rates, the built-in profile that fits) · headers (header → import
header matching: synonyms, then fuzzy) · draft (a profile with review comments) · plan (users, stages and
custom fields the data needs).

May import: `migrate.core`, `migrate.quality`. Never imports sources, sinks, amocrm, sandbox, cli or api.
"""
