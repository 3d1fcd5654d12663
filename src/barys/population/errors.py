"""Domain errors of the population app."""


class PopulationError(Exception):
    """Input or data that an analysis cannot use; the message says why."""
