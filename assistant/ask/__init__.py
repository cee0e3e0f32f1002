"""Asking: question (+history) -> guard -> retrieve -> answer -> cite -> disclaim -> Reply.

`assistant.Assistant` wires the stages; each other module is one stage or a piece of one.
"""
