"""A spine clinic's FAQ assistant: cited answers from the clinic's own articles."""
