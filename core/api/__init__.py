"""What the HTTP API (pages/web/api) and the command line share: the JSON shapes, idempotent writes."""
