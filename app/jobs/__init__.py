"""Background jobs: enqueue in a request, run in a worker, show progress with a polling fragment."""
