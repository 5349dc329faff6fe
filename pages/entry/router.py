"""The script Streamlit runs for every page load: `st.App`'s main script (see app.py).

It lives here, not beside `pages/`, on purpose: Streamlit serves the `*.py` files of a `pages/`
folder next to its main script as old-style pages, which would skip the router's login and role
checks. No such folder sits next to this file (app.py refuses to start if one appears), so only
the pages `st.navigation` lists are served.
"""

from pages.ui.shell import main

main()
