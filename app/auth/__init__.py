"""Sign-in, sessions, roles and CSRF."""
