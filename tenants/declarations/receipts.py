"""The état récapitulatif of a validated declaration, built from what the engine answered (the
`Summary`), so that the receipt and the amount due can never disagree."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from tenants.collectivite import settings
from tenants.core.dates import french_date
from tenants.core.money import french
from tenants.declarations.calendar import Period
from tenants.declarations.computing import EXEMPT_REASONS, ZERO_REASONS, Summary
from tenants.declarations.models import Declaration
from tenants.declarations.recap import Recap, RecapLine, recap_pdf
from tenants.hosts.models import Hebergement
from tenants.tax.calculation import ROUNDING, Regime

ZERO = Decimal("0.00")


def lines_of(result: Summary) -> tuple[RecapLine, ...]:
    """The stays summarised: taxable nights by tariff, then the nights a platform collected."""
    if result.regime is Regime.FORFAIT:
        forfait = result.forfait
        return tuple(_forfait_line(forfait.units, span, quote)
                     for span, quote in zip(forfait.spans, forfait.quotes, strict=True))
    by_tariff: dict[Decimal, list] = {}
    for line in result.lines:
        if line.quote is None:
            continue
        for part in line.quote.parts:
            if part.taxable_nights:
                nights, amount = by_tariff.setdefault(part.tariff.total, [0, ZERO])
                by_tariff[part.tariff.total] = [nights + part.taxable_nights, amount + part.amount]
    summarised = [RecapLine(f"Nuitées taxables au tarif de {french(tariff)} par personne et "
                            "par nuit", nights, tariff, amount)
                  for tariff, (nights, amount) in sorted(by_tariff.items())]
    if result.platform_nights:
        summarised.append(RecapLine("Nuitées dont une plateforme a collecté la taxe (rien à "
                                    "reverser ici)", result.platform_nights, None, ZERO))
    return tuple(summarised)


def _forfait_line(units: int, span, quote) -> RecapLine:
    first, last, nights_open = span
    label = (f"Du {first.strftime('%d/%m')} au {last.strftime('%d/%m')} : {units} unités × "
             f"{nights_open} nuits ouvertes")
    if quote.abattement:
        label += f", abattement de {quote.abattement.normalize():f} %"
    return RecapLine(label, quote.taxable_nights, quote.tariff.total if quote.tariff else None,
                     quote.amount)


def how_to_pay(name: str, deadline) -> str:
    return (f"Reversez ce montant à {name} au plus tard le {french_date(deadline)}, selon les "
            "modalités de paiement que la collectivité vous indique. Conservez ce document : il "
            "fait foi de votre déclaration.")


def build(session: Session, declaration: Declaration, hebergement: Hebergement,
          result: Summary, previous: Declaration | None) -> bytes:
    sender = settings.sender(session)
    host = hebergement.host
    period = Period(declaration.period_start, declaration.period_end, declaration.period)
    commune = result.deliberation
    return recap_pdf(Recap(
        sender=sender, reference=declaration.reference, version=declaration.version,
        host_name=host.full_name,
        host_address=(host.address, f"{host.postal_code} {host.city}"),
        hebergement=hebergement.name,
        hebergement_address=f"{hebergement.address}, {hebergement.postal_code} "
                            f"{hebergement.city}",
        nature=hebergement.nature_label, classement=hebergement.classement_label,
        commune=f"{commune.name} ({commune.insee})" if commune.insee else commune.name,
        period_label=period.label, period_start=period.start, period_end=period.end,
        deadline=declaration.deadline, regime=result.regime.value,
        lines=() if declaration.zero_reason else lines_of(result),
        taxable_nights=result.taxable_nights,
        exempt_nights=tuple((EXEMPT_REASONS[reason], count)
                            for reason, count in result.exempt_nights.items()),
        platform_nights=result.platform_nights,
        zero_reason=ZERO_REASONS.get(declaration.zero_reason or ""),
        amount=result.amount, previous_amount=previous.amount if previous else None,
        rounding=ROUNDING, how_to_pay=how_to_pay(sender.name, declaration.deadline),
        validated_at=declaration.validated_at, validated_by=declaration.validated_by))
