"""Files handed to people: downloads, and CSV as French spreadsheets open it.

CSV: `;` separated (a French Excel splits on it), CRLF, UTF-8 with a BOM (or accents break), and
formula-safe: a cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at
its start) is prefixed with `'`, unless it is a plain number such as a phone in E.164 (OWASP,
"CSV injection"). Every CSV the product writes goes through `french_csv`.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import hmac
import io
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from flask import Response

from tenants.core.keys import current_keys

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d[\d ]*(?:[.,]\d+)?")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def french_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue().encode("utf-8-sig")


MIMETYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
             "json": "application/json", "txt": "text/plain; charset=utf-8"}


def download(content: bytes, filename: str) -> Response:
    """A file to save, typed by its extension (csv, pdf, json, txt)."""
    response = Response(content, content_type=MIMETYPES[filename.rsplit(".", 1)[-1]])
    ascii_name = filename.encode("ascii", "ignore").decode() or "fichier"
    disposition = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        disposition += f"; filename*=UTF-8''{quote(filename)}"
    response.headers["Content-Disposition"] = disposition
    return response


# --- a file checked, then confirmed --------------------------------------------------------


def carry(data: bytes) -> tuple[str, str]:
    """A file checked and previewed travels back with the confirmation as (base64, signature):
    what is imported is exactly what the person saw."""
    return base64.b64encode(data).decode(), _signature(data)


def carried(content: str | None, signature: str | None) -> bytes | None:
    """The file back from `carry`, or None when it was altered (or never carried)."""
    try:
        data = base64.b64decode(content or "", validate=True)
    except (binascii.Error, ValueError):
        return None
    signature = signature or ""
    if not content or not signature.isascii() \
            or not hmac.compare_digest(_signature(data), signature):  # str: ASCII only
        return None
    return data


def _signature(data: bytes) -> str:
    return hmac.new(current_keys().token_digest("import", "key").encode(), data,
                    hashlib.sha256).hexdigest()
