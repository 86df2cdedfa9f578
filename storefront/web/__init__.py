"""What every page shares: security headers, errors, languages, templating, the session cart."""
