"""The batch history: the list's view, its URL and chips, the listing, charts and export, and the
audit log read as sentences."""
