"""`python -m migrate.cli` runs the command line (the benchmarks use it when no console script is on PATH)."""

from .main import main

main()
