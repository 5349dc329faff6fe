"""Webhooks (issue 17): an admin registers URLs to be told when a batch is published, finishes or
is revoked; each event is written to a durable outbox in the transaction of the change
(`events`), signed (`signing`), posted with retries and back-off (`delivery`) by a thread beside
the publisher (`dispatcher`); `registry` is the admins' side (add, list, remove, test, deliveries)."""
