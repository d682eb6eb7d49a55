"""The base class of every error qabot reports to its user as one line."""

from __future__ import annotations


class QabotError(Exception):
    """An error whose message is written for the user: one line that names the fix.

    Front ends print it without a traceback (the command line shows one only with `-v`)."""
