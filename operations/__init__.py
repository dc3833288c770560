"""The live side: what people do in the app, kept in a real database (users, sessions, the audit log).

The pipeline's artifact is the read-only snapshot of the community's tables;
this package holds what changes between imports.  No Streamlit import:
``dashboard/`` and the HTTP routes (``dashboard/app.py``) use it, and it is
tested without a browser, on SQLite and on PostgreSQL.
"""
