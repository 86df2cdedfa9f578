"""Staff accounts on the web: logging in and out, and which role may open which page."""
