"""`make bench`: speed and size budgets, measured against a bare Flask app (see bench/run.py)."""
