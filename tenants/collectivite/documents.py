"""The collectivité's documents for hosts ("Mes documents"): PDFs only, size-limited, ordered;
one of them may replace the generated "GUIDE DE LA TÉLÉDÉCLARATION"."""

from __future__ import annotations

import enum
import io
import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite.models import Document
from tenants.core import validation

MAX_BYTES = 10 * 1024 * 1024


def check_pdf(data: bytes) -> int:
    """The page count of a real PDF; UserError for anything else."""
    if not data:
        raise UserError("Aucun fichier reçu.")
    if len(data) > MAX_BYTES:
        raise UserError("Document trop lourd : 10 Mo au plus.")
    if not data.startswith(b"%PDF-"):
        raise UserError("Format refusé : seuls les documents PDF sont acceptés.")
    from pypdf import PdfReader  # only uploads need it: not loaded in every worker
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise UserError("Document protégé par un mot de passe : envoyez une version "
                            "sans protection.")
        pages = len(reader.pages)
        active = _active_content(reader)
    except (PdfReadError, ValueError, KeyError, OSError, RecursionError):
        raise UserError("Ce fichier n'est pas un PDF lisible.") from None
    if pages == 0:
        raise UserError("Ce PDF n'a aucune page.")
    if active:
        raise UserError(f"PDF refusé : il contient {active}, qu'aucun document remis aux "
                        "hébergeurs ne doit porter. Enregistrez-le de nouveau sans (par "
                        "exemple « Imprimer en PDF ») puis envoyez cette version.")
    return pages


_FORBIDDEN_KEYS = {"/JS": "du JavaScript", "/JavaScript": "du JavaScript",
                   "/EmbeddedFiles": "des fichiers joints", "/EmbeddedFile": "des fichiers joints",
                   "/EF": "des fichiers joints", "/RichMedia": "un contenu multimédia actif"}
_FORBIDDEN_ACTIONS = {"/JavaScript": "du JavaScript", "/Launch": "une commande à lancer",
                      "/ImportData": "une importation de données"}
MAX_OBJECTS = 200_000


def _active_content(reader) -> str | None:
    """What a PDF would run or carry when opened (issue 12, finding 8): JavaScript, a launch
    action, embedded files — looked for in every dictionary reachable from the trailer (the
    catalog, its /OpenAction and /Names, each page's /AA and annotations), not in the text."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    while stack:
        if len(seen) > MAX_OBJECTS:
            return "trop d'objets pour être vérifié"
        node = stack.pop()
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            for key in node:
                if key in _FORBIDDEN_KEYS:
                    return _FORBIDDEN_KEYS[key]
            action = node.get("/S")
            if action in _FORBIDDEN_ACTIONS:
                return _FORBIDDEN_ACTIONS[action]
            stack.extend(value for key, value in node.items() if key != "/Parent")
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None


def safe_filename(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:100] or "document"
    return f"{slug}.pdf"


class DocumentAction(enum.StrEnum):
    MONTER = "monter"
    DESCENDRE = "descendre"
    SUPPRIMER = "supprimer"


def add(session: Session, title: str, data: bytes, is_guide: bool = False,
        by: Actor = journal.SYSTEM) -> Document:
    title = validation.required(title, "Titre", 200)
    check_pdf(data)
    if is_guide:
        session.execute(sa.update(Document).values(is_guide=False))
    last = session.scalar(sa.select(sa.func.max(Document.position))) or 0
    document = Document(title=title, filename=safe_filename(title), content=data,
                        size=len(data), position=last + 1, is_guide=is_guide)
    session.add(document)
    session.flush()
    journal.record(session, "document.added", by, target=document.title, size=document.size,
                   guide=is_guide)
    return document


def ordered(session: Session) -> list[Document]:
    return list(session.scalars(sa.select(Document).order_by(Document.position, Document.id)))


def guide(session: Session) -> Document | None:
    return session.scalar(sa.select(Document).where(Document.is_guide.is_(True)))


def move(session: Session, document: Document, offset: int) -> None:
    """Swap with the neighbour above (-1) or below (+1)."""
    items = ordered(session)
    index = items.index(document)
    other = index + offset
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items, start=1):
        item.position = position


def act(session: Session, document: Document, action: DocumentAction, by: Actor) -> None:
    if action is DocumentAction.SUPPRIMER:
        session.delete(document)
    else:
        move(session, document, -1 if action is DocumentAction.MONTER else 1)
    journal.record(session, f"document.{action}", by, target=document.title)
