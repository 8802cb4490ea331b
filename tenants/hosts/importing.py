"""Importing hosts and hébergements from the collectivité's CSV.

UTF-8 (with or without BOM) or, failing that, Windows-1252 (what a French Excel writes for
"CSV (séparateur : point-virgule)"), `;` or `,` separated, a header row. Every row is checked before
anything is written: the report names each bad row by its line number in the file, with its
reasons, and then nothing at all is imported. Rows sharing a `reference` are one host with
several hébergements; a `reference` already known attaches the new hébergements to that host.
An hébergement may carry its own `hebergement_reference` (unique: declarations are imported and
exported by it).
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.core import validation
from tenants.core.files import french_csv
from tenants.hosts import natures
from tenants.hosts.models import Hebergement, Host

REQUIRED_COLUMNS = ("civilite", "nom", "prenom", "adresse", "code_postal", "commune",
                    "hebergement_nom", "hebergement_adresse", "hebergement_code_postal",
                    "hebergement_commune", "nature", "classement", "capacite")
OPTIONAL_COLUMNS = ("email", "telephone", "compte_avant_2019", "reference",
                    "hebergement_reference")
MAX_ROWS = 20_000
#: The encodings read, by the names spreadsheets give them in their "Save as" dialogs.
UTF8, WINDOWS_1252 = "UTF-8", "Windows-1252"
#: The downloadable template's example row, in the columns' order.
EXAMPLE_ROW = {
    "civilite": "Mme", "nom": "Martin", "prenom": "Élodie", "adresse": "12 rue des Lilas",
    "code_postal": "07200", "commune": "Aubenas", "hebergement_nom": "Gîte des Lilas",
    "hebergement_adresse": "12 rue des Lilas", "hebergement_code_postal": "07200",
    "hebergement_commune": "Aubenas", "nature": "meuble", "classement": "3", "capacite": "6",
    "email": "elodie.martin@example.fr", "telephone": "04 75 12 34 56",
    "compte_avant_2019": "non", "reference": "H001", "hebergement_reference": "",
}


@dataclass
class RowError:
    line: int
    reasons: list[str]

    def __str__(self) -> str:
        return f"ligne {self.line} : " + " ; ".join(self.reasons)


@dataclass
class ImportReport:
    encoding: str = UTF8
    hosts_created: int = 0
    hosts_updated: int = 0
    hebergements_created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _HostRow:
    line: int
    reference: str | None
    values: dict
    hebergement: dict


class ImportRejected(UserError):
    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.errors)} ligne(s) en erreur : rien n'a été importé.")
        self.report = report


def template_csv() -> bytes:
    """The header the importer expects and one example row, as the product writes CSV (and
    reads it back)."""
    columns = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    return french_csv(columns, [[EXAMPLE_ROW[c] for c in columns]])


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read in: UTF-8 when it is valid UTF-8 (bytes
    with accents in Windows-1252 almost never are), else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError:
        pass
    if data.startswith(codecs.BOM_UTF8):
        raise UserError("Le fichier annonce l'encodage UTF-8 mais contient des caractères "
                        "invalides : enregistrez-le de nouveau en « CSV UTF-8 ».")
    try:
        return data.decode("cp1252"), WINDOWS_1252
    except UnicodeDecodeError:
        raise UserError("Le fichier n'est encodé ni en UTF-8 ni en Windows-1252 : "
                        "enregistrez-le en « CSV UTF-8 ».") from None


def read_rows(text: str) -> tuple[list[str], list[tuple[int, dict]]]:
    """Split the decoded file; raise UserError for a file that is not a usable CSV."""
    if not text.strip():
        raise UserError("Le fichier est vide.")
    if "\x00" in text:  # a spreadsheet's binary file, not its CSV (and no database stores it)
        raise UserError("Ce fichier n'est pas un fichier texte CSV : enregistrez-le en "
                        "« CSV UTF-8 ».")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _read_rows(reader)
    except csv.Error:  # a value past csv's field limit, a NUL character…
        raise UserError(f"Le fichier CSV est mal formé à la ligne {reader.line_num}.") from None


def _read_rows(reader: csv.DictReader) -> tuple[list[str], list[tuple[int, dict]]]:
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise UserError("Colonne(s) obligatoire(s) absente(s) de la ligne d'en-tête : "
                        + ", ".join(missing) + ".")
    unknown = [c for c in header if c and c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise UserError("Colonne(s) inconnue(s) : " + ", ".join(unknown) + ".")
    rows = []
    for row in reader:
        if None in row:
            rows.append((reader.line_num, {"__extra__": True}))
            continue
        values = {k: (v or "").strip() for k, v in row.items()}
        if any(values.values()):
            rows.append((reader.line_num, values))
        if len(rows) > MAX_ROWS:
            raise UserError(f"Le fichier dépasse {MAX_ROWS} lignes : découpez-le.")
    if not rows:
        raise UserError("Le fichier ne contient aucune ligne de données.")
    return header, rows


def _check_row(line: int, row: dict) -> tuple[_HostRow | None, list[str]]:
    reasons: list[str] = []
    if row.get("__extra__"):
        return None, ["plus de valeurs que de colonnes (séparateur dans une valeur ?)"]

    def take(parse, *args):
        try:
            return parse(*args)
        except UserError as error:
            reasons.append(error.message)
            return None

    values = {
        "civility": take(natures.parse_civility, row["civilite"]),
        "last_name": take(validation.required, row["nom"], "nom", 100),
        "first_name": take(validation.required, row["prenom"], "prénom", 100),
        "address": take(validation.required, row["adresse"], "adresse", 200),
        "postal_code": take(validation.parse_postal_code, row["code_postal"]),
        "city": take(validation.required, row["commune"], "commune", 100),
        "email": take(validation.parse_email, row.get("email")),
        "phone": take(validation.parse_phone, row.get("telephone")),
        "legacy": take(_parse_yes_no, row.get("compte_avant_2019", "")),
    }
    nature = take(natures.parse_nature, row["nature"])
    hebergement = {
        "name": take(validation.required, row["hebergement_nom"], "nom de l'hébergement", 200),
        "address": take(validation.required, row["hebergement_adresse"],
                        "adresse de l'hébergement", 200),
        "postal_code": take(validation.parse_postal_code, row["hebergement_code_postal"]),
        "city": take(validation.required, row["hebergement_commune"],
                     "commune de l'hébergement", 100),
        "nature": nature,
        "classement": take(natures.parse_classement, row["classement"], nature) if nature else None,
        "capacity": take(natures.parse_capacity, row["capacite"]),
        "reference": row.get("hebergement_reference") or None,
    }
    if hebergement["reference"] and len(hebergement["reference"]) > 64:
        reasons.append("référence de l'hébergement trop longue (64 caractères au plus)")
    if values["legacy"] and not values["email"]:
        reasons.append("un compte d'avant 2019 a besoin d'une adresse électronique pour "
                       "réinitialiser son mot de passe")
    reference = row.get("reference") or None
    if reference and len(reference) > 64:
        reasons.append("référence trop longue (64 caractères au plus)")
    if reasons:
        return None, reasons
    return _HostRow(line, reference, values, hebergement), []


def _parse_yes_no(value: str) -> bool:
    folded = validation.plain(value)
    if folded in ("", "non", "n", "no", "0", "faux", "false"):
        return False
    if folded in ("oui", "o", "yes", "y", "1", "vrai", "true"):
        return True
    raise UserError(f"compte_avant_2019 « {value} » invalide (oui ou non)")


def import_hosts(session: Session, data: bytes) -> ImportReport:
    """Check everything, then write everything (the caller commits) or raise ImportRejected."""
    text, encoding = decode(data)
    _header, rows = read_rows(text)
    report = ImportReport(encoding=encoding)
    checked: list[_HostRow] = []
    for line, row in rows:
        host_row, reasons = _check_row(line, row)
        if reasons:
            report.errors.append(RowError(line, reasons))
        else:
            checked.append(host_row)
    _check_consistency(session, checked, report)
    if report.errors:
        report.errors.sort(key=lambda e: e.line)
        raise ImportRejected(report)

    by_reference: dict[str, Host] = {}
    for row in checked:
        host = by_reference.get(row.reference) if row.reference else None
        if host is None and row.reference:
            host = session.scalar(sa.select(Host).where(Host.reference == row.reference))
            if host is not None:
                report.hosts_updated += 1
        if host is None:
            host = Host(reference=row.reference, **row.values)
            session.add(host)
            report.hosts_created += 1
        if row.reference:
            by_reference[row.reference] = host
        host.hebergements.append(Hebergement(**row.hebergement))
        report.hebergements_created += 1
    session.flush()
    return report


def _check_consistency(session: Session, rows: list[_HostRow], report: ImportReport) -> None:
    """Across rows and against the database: one email per account, one identity per
    reference."""
    first_by_reference: dict[str, _HostRow] = {}
    email_owner: dict[str, str] = {}
    hebergement_line: dict[str, int] = {}
    for row in rows:
        reasons = []
        hebergement_reference = row.hebergement["reference"]
        if hebergement_reference:
            first = hebergement_line.setdefault(hebergement_reference, row.line)
            if first != row.line:
                reasons.append(f"référence d'hébergement « {hebergement_reference} » déjà "
                               f"donnée à la ligne {first}")
            elif session.scalar(sa.select(Hebergement.id).where(
                    Hebergement.reference == hebergement_reference)) is not None:
                reasons.append(f"référence d'hébergement « {hebergement_reference} » déjà "
                               "utilisée par un hébergement existant")
        if row.reference:
            first = first_by_reference.setdefault(row.reference, row)
            if first is not row:
                differing = [k for k in ("last_name", "first_name", "email")
                             if first.values[k] != row.values[k]]
                if differing:
                    reasons.append(f"même référence « {row.reference} » qu'à la ligne "
                                   f"{first.line} mais un autre hébergeur")
        email = row.values["email"]
        if email:
            owner = row.reference or f"ligne {row.line}"
            if email_owner.setdefault(email, owner) != owner:
                reasons.append(f"adresse électronique {email} déjà utilisée plus haut dans "
                               "le fichier par un autre hébergeur")
            existing = session.scalar(sa.select(Host).where(Host.email == email))
            if existing is not None and (not row.reference or existing.reference != row.reference):
                reasons.append(f"adresse électronique {email} déjà utilisée par un compte "
                               "existant")
        if reasons:
            report.errors.append(RowError(row.line, reasons))


def import_journaled(session: Session, data: bytes, by: Actor) -> ImportReport:
    """The console's import: all rows or none, journaled."""
    report = import_hosts(session, data)
    journal.record(session, "hosts.imported", by, target=f"{report.hosts_created} hébergeur(s)",
                   hebergements=report.hebergements_created)
    return report
