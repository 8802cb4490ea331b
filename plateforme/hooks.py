"""What the platform asks of the collectivités' features without naming them: the package that
owns the console's agents hands over how a collectivité's first administrator is invited, so
that onboarding from the operators' pages sends the same invitation as
`flask tenants add-admin`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy.orm import Session

ADMIN_INVITER = "taxesejour.invite_first_admin"

#: `invite(session, email)`, run with the collectivité bound: creates the administrator and
#: sends the invitation once the session commits; raises UserError on a refused address.
AdminInviter = Callable[[Session, str], None]


def set_admin_inviter(app: Flask, invite: AdminInviter) -> None:
    app.extensions[ADMIN_INVITER] = invite


def invite_admin(session: Session, email: str) -> None:
    current_app.extensions[ADMIN_INVITER](session, email)
