"""Batches: their rules (statuses, progress, the 5,000 limit, who sees a draft), drafts, members, matching."""
