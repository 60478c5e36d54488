"""Engines: the storage back ends behind found's one API (memory, sqlite, FoundationDB)."""
