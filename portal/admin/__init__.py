"""Admin pages for the administrative tree and the users."""
