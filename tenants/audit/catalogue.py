"""The journal in French: every event code the product writes, as the end of a sentence whose
subject is who acted; the details' labels; who acted, named as an agent reads it; the time in
Paris. The codes themselves stay as they were written (the CSV export and the filter keep them),
old rows included: a code no longer written keeps its phrase here.

`tests/tenants/audit/test_catalogue.py` reads the source of every package and fails when a code
written anywhere has no phrase, or a detail no label.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tenants.audit.models import AuditEvent
from tenants.core.dates import to_paris
from tenants.core.money import french

#: Code → what the actor did (the sentence's verb phrase); the target follows after " : ".
EVENTS = {
    # hosts' accounts and space (security events)
    "login.success": "s'est connecté(e) à l'espace hébergeur",
    "login.failure": "a échoué à se connecter à l'espace hébergeur",
    "login.remembered": "a été reconnecté(e) automatiquement (« Rester connecté(e) »)",
    "logout": "s'est déconnecté(e) de l'espace hébergeur",
    "activation.code_accepted": "a saisi un code d'activation valide",
    "activation.code_refused": "a saisi un code d'activation refusé",
    "activation.completed": "a activé son compte",
    "password_reset.requested": "a demandé un lien de réinitialisation du mot de passe",
    "password_reset.completed": "a choisi un nouveau mot de passe après une réinitialisation",
    "profile.updated": "a modifié ses coordonnées",
    "profile.email_changed": "a changé son adresse électronique",
    "profile.password_changed": "a changé son mot de passe",
    "cgu.accepted": "a accepté les textes en vigueur (CGU, confidentialité)",
    "hebergement.updated": "a modifié l'hébergement",
    "hebergement.closure_added": "a déclaré une fermeture de l'hébergement",
    # the console's own security events
    "console.login_success": "s'est connecté(e) à la console",
    "console.login_failure": "a échoué à se connecter à la console",
    "console.logout": "s'est déconnecté(e) de la console",
    "console.second_factor_enrolled": "a configuré sa double authentification",
    "console.second_factor_failure": "a saisi un code de vérification erroné",
    "console.invitation_accepted": "a accepté son invitation à la console",
    "console.denied": "a demandé une page réservée aux administrateurs (accès refusé)",
    # agents
    "agent.invited": "a invité un agent",
    "agent.role_changed": "a changé le rôle de l'agent",
    "agent.disabled": "a désactivé l'agent",
    "agent.enabled": "a réactivé l'agent",
    "agent.second_factor_reset": "a réinitialisé la double authentification de l'agent",
    # the collectivité's settings and content
    "settings.updated": "a modifié les paramètres",
    "settings.logo_updated": "a changé le logo",
    "settings.logo_removed": "a supprimé le logo",
    "accessibility.updated": "a mis à jour la déclaration d'accessibilité",
    "audit.retention_changed": "a changé la durée de conservation du journal",
    "audit.exported": "a exporté le journal",
    "legal.draft_saved": "a enregistré un brouillon",
    "legal.published": "a publié une nouvelle version",
    "news.saved": "a enregistré l'actualité",
    "news.publier": "a publié l'actualité",
    "news.depublier": "a retiré l'actualité de la publication",
    "news.epingler": "a épinglé l'actualité",
    "news.desepingler": "a désépinglé l'actualité",
    "news.supprimer": "a supprimé l'actualité",
    "document.added": "a ajouté le document",
    "document.monter": "a remonté le document dans la liste",
    "document.descendre": "a descendu le document dans la liste",
    "document.supprimer": "a supprimé le document",
    "tutorial.added": "a ajouté le tutoriel",
    "tutorial.deleted": "a supprimé le tutoriel",
    "job.released": "a relancé une tâche en échec",
    # hosts, from the console
    "host.created": "a créé l'hébergeur",
    "host.updated": "a modifié l'hébergeur",
    "host.desactiver": "a désactivé le compte de l'hébergeur",
    "host.reactiver": "a réactivé le compte de l'hébergeur",
    "host.reinitialiser": "a envoyé un lien de réinitialisation du mot de passe à l'hébergeur",
    "host.exported": "a exporté les données de l'hébergeur (RGPD)",
    "host.erased": "a effacé les données personnelles de l'hébergeur (RGPD)",
    "hosts.imported": "a importé des hébergeurs",
    "hebergement.created": "a créé l'hébergement",
    "letters.produced": "a produit des courriers d'activation",
    "letters.downloaded": "a téléchargé des courriers d'activation",
    # the tax
    "tax.delta_imported": "a importé les délibérations (fichier DELTA)",
    "tax.deliberation_recorded": "a saisi une délibération",
    "tax.deliberation_corrected": "a corrigé une délibération",
    # declarations
    "declaration.opened": "a commencé une déclaration",
    "declaration.rectification_opened": "a ouvert une rectification de déclaration",
    "declaration.on_behalf": "a saisi une déclaration pour le compte de l'hébergeur",
    "declaration.stay_added": "a ajouté un séjour à la déclaration",
    "declaration.stay_updated": "a modifié un séjour de la déclaration",
    "declaration.stay_removed": "a supprimé un séjour de la déclaration",
    "declaration.imported": "a importé des séjours dans la déclaration",
    "declaration.zero": "a déclaré 0 nuitée",
    "declaration.abandoned": "a abandonné le brouillon de déclaration",
    "declaration.validated": "a validé la déclaration",
    "declaration.reminders_configured": "a réglé les relances des déclarations",
    "declaration.reminded": "a relancé l'hébergeur pour sa déclaration",
    # payments
    "payments.settings_changed": "a modifié les paramètres de paiement",
    "payment.started": "a commencé un paiement en ligne",
    "payment.payfip_unavailable": "n'a pas pu joindre PayFiP pour un paiement",
    "payment.payfip_mismatch": "a reçu de PayFiP un détail qui ne correspond pas au paiement",
    "payment.en_cours": "a remis le paiement en cours",
    "payment.payee": "a reçu de PayFiP la confirmation du paiement",
    "payment.refusee": "a reçu de PayFiP le refus du paiement",
    "payment.abandonnee": "a constaté l'abandon du paiement en ligne",
    "payment.expiree": "a constaté l'expiration du paiement en ligne",
    "payment.erreur": "a marqué le paiement à vérifier",
    "payment.paid": "a enregistré le paiement en ligne et émis sa quittance",
    "payment.recorded": "a enregistré un paiement reçu et émis sa quittance",
    "payment.credit_applied": "a imputé un crédit de l'hébergeur",
    # recovery
    "recovery.settings_changed": "a modifié les paramètres du recouvrement",
    "recovery.opened": "a ouvert un dossier de recouvrement",
    "recovery.regularised": "a clos un dossier de recouvrement régularisé",
    "recovery.mise_en_demeure": "a émis une mise en demeure",
    "recovery.estimate_impossible": "n'a pas pu estimer la taxation d'office",
    "recovery.taxation_d_office": "a émis un avis de taxation d'office",
    "recovery.observations": "a enregistré les observations de l'hébergeur",
    "recovery.final_position": "a pris sa position finale (mise en recouvrement)",
    "recovery.statement_imported": "a importé le relevé d'une plateforme",
    "recovery.platform_paid": "a enregistré le reversement d'une plateforme",
}

#: The journal's filter: a code's first part → what an agent looks for (the filter keeps the
#: codes that start with it: "host" keeps "host.…" and "hosts.…").
FAMILIES = {
    "login": "Connexions à l'espace hébergeur", "logout": "Déconnexions de l'espace hébergeur",
    "activation": "Activations de comptes", "password_reset": "Mots de passe oubliés",
    "profile": "Comptes modifiés par les hébergeurs", "cgu": "Acceptations des textes",
    "console": "Console : connexions et accès refusés", "agent": "Agents",
    "host": "Hébergeurs (console)", "hebergement": "Hébergements", "letters": "Courriers",
    "settings": "Paramètres", "accessibility": "Déclaration d'accessibilité",
    "legal": "CGU et confidentialité", "news": "Actualités", "document": "Documents",
    "tutorial": "Tutoriels", "tax": "Délibérations",
    "declaration": "Déclarations", "payment": "Paiements", "recovery": "Recouvrement",
    "audit": "Journal", "job": "Tâches en échec",
}

#: A detail's key → its label.
DETAILS = {
    "amount": "Montant", "by_whom": "Par", "case_id": "Dossier n°", "cases": "Dossiers",
    "days_after": "Jours après l'échéance", "days_before": "Jours avant l'échéance",
    "days_to_notice": "Délai avant la mise en demeure (jours)",
    "declaration_id": "Déclaration n°", "deliberation_id": "Délibération n°",
    "details_count": "Évènements exportés", "document": "Document", "documents": "Documents",
    "failure": "Échec", "format": "Format", "guide": "Guide", "hebergement_id": "Hébergement n°",
    "hebergements": "Hébergements", "host_id": "Hébergeur n°", "host_ids": "Hébergeurs n°",
    "iban_end": "Fin de l'IBAN", "interest": "Intérêts", "kind": "Type", "lines": "Lignes",
    "means": "Moyen de paiement", "mode": "Mode", "months": "Durée (mois)",
    "news_id": "Actualité n°", "number": "Numéro", "numcli": "Numéro client PayFiP",
    "occupancy_percent": "Taux d'occupation (%)", "payment_id": "Paiement n°",
    "periods": "Périodes", "price_per_person": "Prix par personne", "reason": "Motif",
    "refdet": "Référence du paiement", "refused": "Refusés", "remember": "Rester connecté(e)",
    "replaced": "Remplacés", "role": "Rôle", "size": "Taille (octets)", "source": "Source",
    "state": "État", "statement_id": "Relevé n°", "stays": "Séjours", "step": "Étape",
    "tax": "Taxe", "theirs": "Réponse de PayFiP", "throttled": "Tentatives ralenties",
    "version": "Version", "year": "Année",
}
AMOUNTS = {"amount", "tax", "interest", "price_per_person"}


def phrase(code: str) -> str:
    return EVENTS.get(code, f"a effectué l'action « {code} »")


def _value(key: str, value) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} : {v}" for k, v in value.items())
    if key in AMOUNTS:
        try:
            return french(Decimal(str(value)))
        except InvalidOperation:
            pass
    return "" if value is None else str(value)


def details(text: str) -> list[tuple[str, str]]:
    """The stored JSON as (label, value) pairs, in a stable order."""
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return [("Détails", text)]
    if not isinstance(data, dict):
        return [("Détails", str(data))]
    return [(DETAILS.get(key, key.replace("_", " ").capitalize()), _value(key, value))
            for key, value in sorted(data.items())]


@dataclass(frozen=True)
class Person:
    """What the console knows of an actor: their name, and an agent's role."""

    name: str
    role: str = ""


def who(event: AuditEvent, person: Person | None) -> str:
    """The sentence's subject: "Marie Dupont (administrateur)", "l'hébergeur Jean Martin", "la
    plateforme (tâche automatique)"."""
    label = event.actor_label
    if event.actor_kind == "agent":
        if person is not None:
            return f"{person.name} ({person.role})" if person.role else person.name
        return f"l'agent {label}" if label else "un agent"
    if event.actor_kind == "host":
        if person is not None and person.name:
            return f"l'hébergeur {person.name}"
        return f"l'hébergeur {label}" if label else "un hébergeur (données effacées)"
    if label.startswith("flask "):
        return f"la plateforme (commande « {label} »)"
    if label:
        return f"la plateforme (tâche automatique : {label})"
    if event.ip:
        return "une personne non connectée"
    return "la plateforme (tâche automatique)"


def when(event: AuditEvent) -> str:
    """27/11/2026 à 18:05, Paris time."""
    return f"{to_paris(event.at):%d/%m/%Y à %H:%M}"


@dataclass(frozen=True)
class Line:
    """An event as an agent reads it."""

    event: AuditEvent
    when: str
    who: str
    what: str
    details: list[tuple[str, str]]


def lines(events, people: dict[tuple[str, int], Person]) -> list[Line]:
    """`people`: the actors the caller could name, by (kind, id)."""
    return [Line(e, when(e), who(e, people.get((e.actor_kind, e.actor_id))), phrase(e.action),
                 details(e.details)) for e in events]
