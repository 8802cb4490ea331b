"""Host names as the platform compares them: one normal form for the Host header and the
registry's domains alike, so that an exact match is a safe match."""

from __future__ import annotations

import re

import idna


class InvalidHost(ValueError):
    pass


#: Plain ASCII names with no punycode label: lower-casing is all IDNA would do to them.
_PLAIN_ASCII_HOST = re.compile(
    r"(?!.*(?:^|\.)xn--)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*"
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def normalise_host(raw: str) -> str:
    """Lower case, port removed, trailing dot removed, IDNA (UTS 46) encoded."""
    host = (raw or "").strip()
    if not host:
        raise InvalidHost("empty host")
    if host.startswith("["):  # an IPv6 literal: never a collectivité
        end = host.find("]")
        if end == -1:
            raise InvalidHost(raw)
        return host[: end + 1].lower()
    name, sep, port = host.rpartition(":")
    if sep:
        if not port.isdigit():
            raise InvalidHost(raw)
        host = name
    host = host.rstrip(".")
    if not host or len(host) > 253:
        raise InvalidHost(raw)
    lowered = host.lower()
    if _PLAIN_ASCII_HOST.fullmatch(lowered):
        return lowered  # the common case, without the cost of the IDNA codec
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise InvalidHost(raw) from None
