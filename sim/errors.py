"""Errors the user can act on, kept free of heavy imports so that the command line can
catch them without loading the model."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario (or an override, or another input file) is invalid. ``str(err)`` is
    the message for the user: one line per problem, each naming the place, the bad
    value and what is allowed. The command line exits with code 2."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def __reduce__(self):
        # Raised in a worker process, it must arrive whole in the parent.
        return (type(self), (self.problems,))


class OutputDirError(ValueError):
    """An output path cannot be used (checked before the run starts); exit code 2."""
