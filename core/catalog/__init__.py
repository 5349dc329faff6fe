"""The badge catalogue: badges and their badge quests.

`badge_tree` reads it (lists, the dropdown tree, one quest), `editing` changes it (add, archive,
restore, import), `names` is the one rule for a badge or quest name.
"""
