"""Rendering: terminal text and tables, markdown, GitHub workflow commands.  No I/O here."""
