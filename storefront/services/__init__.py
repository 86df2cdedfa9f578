"""Use cases: (session, plain values) -> result. No request, no commit, no rendering."""
