"""Errors the entry points turn into messages that say what to do."""


class AssistantError(Exception):
    """Base of every error the assistant reports to a person."""


class LoadError(AssistantError):
    """A file could not be read as an article; the message says why and what to do."""


class IndexLockedError(AssistantError):
    """Another ingest holds the data directory's lock."""


class StoreError(AssistantError):
    """The vector store cannot be reached or is not usable."""
