"""Errors a user can fix. The CLI prints them as one line and exits with ``exit_code``."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input or environment (bad config, unwritable path, ...).

    The message must name the problem and what to do about it; the CLI prints it as a single line
    without a traceback.
    """

    exit_code = 2


class ConfigError(UserError):
    """The sources file or a setting is malformed or invalid."""


class LockedError(UserError):
    """Another run holds the database; a distinct status lets cron tell it from a failure."""

    exit_code = 75  # EX_TEMPFAIL: try again later
