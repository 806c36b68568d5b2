"""Domain errors whose message is written for a person, not a developer."""


class UserError(ValueError):
    """Bad input or an impossible request; the message tells the user what to do."""

    status_code = 400


class NotFound(UserError):
    status_code = 404


class Conflict(UserError):
    status_code = 409


class TooLarge(UserError):
    status_code = 413
