"""Tandem's built-in library of KPI and OKR templates, by business function, in English and Vietnamese.

The templates are data (``data/kpis.json`` and ``data/okrs.json``), read and checked once by
``tandem.templates_library.library``; an organization's own saved templates live elsewhere.
"""
