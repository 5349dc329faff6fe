"""Who may act: roles and permissions, accounts, passwords, logging in (throttled) and sessions."""
