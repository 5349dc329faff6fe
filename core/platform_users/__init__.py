"""Platform users, the people badges are unlocked for.

`ids` is the one rule for what a user ID is, `names` the one normal form of usernames and
emails, `directory` imports users from a file.
"""
