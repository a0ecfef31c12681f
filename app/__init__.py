"""The shell of smena: routes, models, queries, rendering, auth, jobs and the CLI."""
