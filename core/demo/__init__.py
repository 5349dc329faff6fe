"""Demo data: badges, platform users, back-office accounts and a history of batches in every status.

`content` says what the demo holds, `generate` derives its frames from the seed, `loader` fills a
store with them in one transaction, and `data_file` creates a new demo data file.
"""
