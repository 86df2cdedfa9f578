"""Pure business rules: no Flask, no SQLAlchemy. Money, cart totals, and later premiums."""
