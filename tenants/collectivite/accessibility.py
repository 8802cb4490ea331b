"""The accessibility statement (loi 2005-102, art. 47; décret 2019-768; RGAA 4.1), after the
model statement of the DINUM. The collectivité is the one bound to publish it: its
administrators complete what the platform cannot know (the audit, the contact, the schéma
pluriannuel and the plan d'actions); the rest comes with defaults from what the platform knows
of itself.

RGAA's rule on the status: it follows from an audit's rate of respected criteria — 100 %
« totalement conforme », at least 50 % « partiellement conforme », below or without an audit
« non conforme ». So without an audit (its date and its rate) only « non conforme » is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from markupsafe import Markup
from sqlalchemy.orm import Session

from plateforme import content
from plateforme.errors import UserError
from tenants.audit import journal
from tenants.audit.journal import Actor
from tenants.collectivite import settings
from tenants.collectivite.models import AccessibilityStatement
from tenants.core import validation
from tenants.core.markdown import render_markdown
from tenants.core.money import parse_amount

STATUSES = {
    "non_conforme": "non conforme",
    "partiellement_conforme": "partiellement conforme",
    "totalement_conforme": "totalement conforme",
}
#: The lowest rate of respected criteria each status allows (RGAA 4.1, « État de conformité »).
MINIMUM_RATE = {"non_conforme": Decimal(0), "partiellement_conforme": Decimal(50),
                "totalement_conforme": Decimal(100)}

# What the platform knows of itself: how its pages are built and how they were checked.
TECHNOLOGIES = "HTML5\nCSS\nJavaScript (un peu : chaque page fonctionne aussi sans JavaScript)"
ENVIRONMENT = ("Chromium (version récente) sous Linux, avec et sans JavaScript, à 1 280 pixels "
               "et à 320 pixels de large\nNavigation au clavier seul, sans souris")
TOOLS = ("axe-core (règles WCAG 2.1 A et AA), sur chaque page du parcours\nNavigation au "
         "clavier\nVérifications manuelles (titres, libellés des champs, contrastes, "
         "messages d'erreur, agrandissement du texte)")
PAGES = ("Accueil et connexion (/)\nActivation du compte (/activation/)\nMot de passe oublié "
         "(/mot-de-passe-oublie)\nConditions générales d'utilisation à accepter (/cgu)\n"
         "Tableau de bord (/tableau-de-bord)\nMon compte (/mon-compte)\nHébergement "
         "(/hebergements/…)\nDéclarations (/declarations/)\nDéclaration d'une période "
         "(/declarations/periode/…)\nPaiements (/paiements/)\nMes documents (/documents)\n"
         "Aide et visite guidée (/aide)\nCalculette (/calculette)\nDéclaration d'accessibilité "
         "(/accessibilite)")
TEXTS = ("non_compliances", "derogations", "exempt_contents", "schema_text", "action_plan")
DEFAULTS = {"technologies": TECHNOLOGIES, "environment": ENVIRONMENT, "tools": TOOLS,
            "pages": PAGES}


@dataclass(frozen=True)
class Statement:
    """What the page shows: the recorded statement, its gaps filled by the defaults."""

    organisation: str
    status: str                   # a key of STATUSES
    audit_date: date | None
    auditor: str
    compliance_rate: Decimal | None
    non_compliances: str          # Markdown
    derogations: str
    exempt_contents: str
    technologies: tuple[str, ...]
    environment: tuple[str, ...]
    tools: tuple[str, ...]
    pages: tuple[str, ...]
    contact_email: str
    contact_url: str
    support_phone: str
    schema_url: str
    schema_text: str
    action_plan: str
    established_on: date | None   # None until an administrator saved it
    updated_on: date | None
    #: The Markdown texts (TEXTS) rendered, for the public page (see `published_statement`).
    html: dict[str, Markup] = field(default_factory=dict)

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def audited(self) -> bool:
        return self.audit_date is not None and self.compliance_rate is not None

    @property
    def rate_label(self) -> str:
        return "" if self.compliance_rate is None else _percent(self.compliance_rate)


def recorded(session: Session) -> AccessibilityStatement | None:
    return session.get(AccessibilityStatement, 1)


@content.cached
def recorded_status(session: Session) -> str:
    """The status every footer states, from memory."""
    row = recorded(session)
    return row.status if row is not None else "non_conforme"


@content.cached
def published_statement(session: Session) -> Statement:
    """The public page's statement, its texts rendered once per change, from memory."""
    current = statement(session)
    return replace(current, html={name: Markup(render_markdown(getattr(current, name)))  # noqa: S704
                                  for name in TEXTS})


def statement(session: Session) -> Statement:
    values = settings.current(session)
    row = recorded(session) or AccessibilityStatement(
        status="non_conforme", auditor="", **dict.fromkeys(
            (*TEXTS, *DEFAULTS, "contact_email", "contact_url", "schema_url"), ""))

    def lines(name: str) -> tuple[str, ...]:
        text = getattr(row, name) or DEFAULTS[name]
        return tuple(line.strip() for line in text.splitlines() if line.strip())

    saved = row.id is not None
    return Statement(
        organisation=values.display_name, status=row.status, audit_date=row.audit_date,
        auditor=row.auditor, compliance_rate=row.compliance_rate,
        non_compliances=row.non_compliances, derogations=row.derogations,
        exempt_contents=row.exempt_contents, technologies=lines("technologies"),
        environment=lines("environment"), tools=lines("tools"), pages=lines("pages"),
        contact_email=row.contact_email or values.contact_email, contact_url=row.contact_url,
        support_phone=values.support_phone, schema_url=row.schema_url,
        schema_text=row.schema_text, action_plan=row.action_plan,
        established_on=row.established_on if saved else None,
        updated_on=row.updated_at.date() if saved and row.updated_at else None)


def form_values(session: Session) -> dict:
    """The console's form, filled with the recorded statement or the defaults."""
    current = statement(session)
    data = {name: getattr(current, name) for name in (
        "status", "audit_date", "auditor", *TEXTS, "contact_email", "contact_url",
        "schema_url")}
    data.update({name: "\n".join(getattr(current, name)) for name in DEFAULTS})
    rate = current.compliance_rate
    data["compliance_rate"] = "" if rate is None else f"{rate.normalize():f}".replace(".", ",")
    return data


def update(session: Session, data: dict, by: Actor) -> AccessibilityStatement:
    """The console's form, every rule checked before anything changes."""
    status = data.get("status") or "non_conforme"
    if status not in STATUSES:
        raise UserError(f"État de conformité « {status} » inconnu.")
    audit_date = data.get("audit_date")
    rate = parse_amount(data.get("compliance_rate"), "Taux de conformité")
    if rate is not None and rate > 100:
        raise UserError("Le taux de conformité est un pourcentage, de 0 à 100.")
    if status != "non_conforme":
        if audit_date is None or rate is None:
            raise UserError("Sans audit (sa date et son taux de conformité), la déclaration "
                            "ne peut être que « non conforme ».")
        if rate < MINIMUM_RATE[status]:
            raise UserError(f"Avec un taux de {_percent(rate)}, le RGAA demande l'état "
                            f"« {STATUSES[_status_for(rate)]} ».")
    if status == "non_conforme" and rate is not None and rate >= 50 and audit_date is not None:
        raise UserError(f"Avec un taux de {_percent(rate)}, le RGAA demande l'état "
                        f"« {STATUSES[_status_for(rate)]} ».")
    row = recorded(session)
    if row is None:
        row = AccessibilityStatement(id=1)
        session.add(row)
    row.status, row.audit_date, row.compliance_rate = status, audit_date, rate
    row.auditor = " ".join((data.get("auditor") or "").split())
    for name in TEXTS:
        setattr(row, name, (data.get(name) or "").strip())
    for name, default in DEFAULTS.items():
        text = "\n".join(line.strip() for line in (data.get(name) or "").splitlines()
                         if line.strip())
        setattr(row, name, "" if text == default else text)
    row.contact_email = validation.parse_email(data.get("contact_email")) or ""
    row.contact_url = _https(data.get("contact_url"), "Formulaire de contact")
    row.schema_url = _https(data.get("schema_url"), "Schéma pluriannuel")
    journal.record(session, "accessibility.updated", by, target="déclaration d'accessibilité",
                   state=STATUSES[status])
    return row


def _status_for(rate: Decimal) -> str:
    return max((s for s, minimum in MINIMUM_RATE.items() if rate >= minimum),
               key=MINIMUM_RATE.__getitem__)


def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}".replace(".", ",") + "\u00a0%"


def _https(url: str | None, label: str) -> str:
    url = (url or "").strip()
    if url and not url.startswith("https://"):
        raise UserError(f"{label} : l'adresse doit commencer par https://.")
    if len(url) > 500:
        raise UserError(f"{label} : l'adresse est trop longue (500 caractères au plus).")
    return url
