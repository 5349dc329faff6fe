"""The browser side of Batch Unlock.

Everything lives in sub-packages on purpose: Streamlit treats `*.py` files directly inside a
`pages/` folder as pages of its older multipage mode, which would bypass the router's login and
role checks. `screens/` holds the page scripts, `ui/` what they share, `web/` the server parts.
"""
