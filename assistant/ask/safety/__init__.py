"""Triage before retrieval: red flags -> emergency, what must not be answered -> decline."""
