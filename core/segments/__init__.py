"""Segments of platform users (issue 16): the Users page's filter, its list, exports and user
page, and putting the users it matches into batches. Above `core.batches` and `core.history`,
whose rules (the upload's, the date filter's) it reuses; nothing below imports it."""
