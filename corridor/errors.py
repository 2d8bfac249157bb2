"""Exceptions that carry a message for the user.

:class:`InputError` means the user gave something invalid (a file, an id, a
number): the command line prints its one-line message and exits with code 2.
"""


class InputError(ValueError):
    """Bad input from the user: a one-line message naming what was wrong and what is valid."""


class RegistryError(InputError):
    """A registry file is broken: the message names the file, the entry and the problem."""


class NoRouteError(InputError):
    """Nothing at all is reachable between the requested places."""
