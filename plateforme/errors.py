"""Errors a person can act on: their message is one French sentence, shown as it is."""


class UserError(Exception):
    """Bad input or a refused action. Nothing was changed."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""
