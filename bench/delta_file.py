"""Realistic DGFiP DELTA files, in the real format (one line of XML, the 2026 grid), for the
benchmarks and the parser's memory test: the real file (~6.35 MB) cannot be committed, and a
random one of the same size and shape says as much about speed and memory.

    .venv/bin/python -m bench.delta_file OUT.xml [--bytes N] [--seed S] [--measure]

--measure then times `tenants.tax.delta.read()` over the whole file and reports its peak memory.
Tariffs lie within the grid and respect the order of categories (1 ≥ 2 ≥ … ≥ 6, 7 ≥ 8); SIRENs
and INSEE codes are random (no Luhn key).
"""

from __future__ import annotations

import argparse
import calendar
import random
import resource
import time
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from tenants.tax import delta

TARGET_BYTES = 6_350_000
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")
GRID = (  # category, label, floor, ceiling (cents), unit: the 2026 grid
    (1, "Palaces", 70, 490, "€"),
    (2, "Hôtels de tourisme 5 étoiles, résidences de tourisme 5 étoiles, meublés de tourisme "
        "5 étoiles", 70, 360, "€"),
    (3, "Hôtels de tourisme 4 étoiles, résidences de tourisme 4 étoiles, meublés de tourisme "
        "4 étoiles", 70, 260, "€"),
    (4, "Hôtels de tourisme 3 étoiles, résidences de tourisme 3 étoiles, meublés de tourisme "
        "3 étoiles", 50, 170, "€"),
    (5, "Hôtels de tourisme 2 étoiles, résidences de tourisme 2 étoiles, meublés de tourisme "
        "2 étoiles, villages de vacances 4 et 5 étoiles", 30, 100, "€"),
    (6, "Hôtels de tourisme 1 étoile, résidences de tourisme 1 étoile, meublés de tourisme "
        "1 étoile, villages de vacances 1, 2 et 3 étoiles, chambres d'hôtes, auberges "
        "collectives", 20, 80, "€"),
    (7, "Terrains de camping et terrains de caravanage classés en 3, 4 et 5 étoiles et tout "
        "autre terrain d'hébergement de plein air de caractéristiques équivalentes, emplacements "
        "dans des aires de camping-cars et des parcs de stationnement touristiques par tranche "
        "de 24 heures", 20, 60, "€"),
    (8, "Terrains de camping et terrains de caravanage classés en 1 et 2 étoiles et tout autre "
        "terrain d'hébergement de plein air de caractéristiques équivalentes, ports de "
        "plaisance", 20, 20, "€"),
    (9, "Hébergements en attente de classement ou sans classement à l'exception des catégories "
        "d'hébergements mentionnées dans le tableau de l'article L. 2333-41 (tarif proportionnel "
        "au coût de la nuitée)", 100, 500, "%"),
)
NATURES = (
    "Les palaces", "Les hôtels de tourisme", "Les résidences de tourisme",
    "Les meublés de tourisme", "Les villages de vacances", "Les chambres d'hôtes",
    "Les emplacements dans les aires de camping-cars et les parcs de stationnement touristiques",
    "Les terrains de camping, les terrains de caravanage ainsi que tout autre terrain "
    "d'hébergement de plein air",
    "Les ports de plaisance",
    "Les hébergements en attente de classement et les hébergements sans classement qui ne "
    "relèvent pas des natures d'hébergement ci-dessus",
    "Dont les auberges collectives",
)
CHAINS = ((1, 2, 3, 4, 5, 6), (7, 8))
DEPARTEMENTS = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
ILE_DE_FRANCE = {"75", "77", "78", "91", "92", "93", "94", "95"}
LGV = {"09", "11", "12", "16", "17", "19", "23", "24", "31", "32", "33", "34", "40", "46", "47",
       "64", "65", "66", "79", "81", "82", "86", "87"}
SYLLABLES = ("sa", "mon", "ville", "bour", "gne", "cha", "teau", "roche", "fort", "val", "mer",
             "lac", "pont", "neuf", "beau", "ri", "vi", "la", "ga", "ron", "sur", "lo", "ma", "tin")
EPCI_KINDS = ("CC", "CA", "CU", "COMMUNAUTE DE COMMUNES", "METROPOLE")
FOOTER = "</deliberations></delta>"
MAX = ' isMax="true"'
AVERAGE_BYTES = 2_700  # of a random deliberation: where to spread the extra ones


def header() -> str:
    grid = "".join(
        f'<categorie id="{c}"><libelle>{escape(label)}</libelle><tarification><plancher>'
        f"{amount(low)}</plancher><plafond>{amount(high)}</plafond><unite>{unit}</unite>"
        "</tarification></categorie>" for c, label, low, high, unit in GRID)
    natures = "".join(f'<nature id="{n}">{escape(label)}</nature>'
                      for n, label in enumerate(NATURES, start=1))
    return ("<?xml version='1.0' encoding='UTF-8'?><delta><version>2.5.0</version><date>"
            '01/01/2026</date><categories><millesime annee="2019"><libelle>à/c du 01/01/2019'
            f"</libelle>{grid}</millesime></categories><natures>{natures}</natures>"
            "<deliberations>")



def amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def name(rng: random.Random) -> str:
    words = ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(rng.randint(1, 3))]
    return "-".join(words).upper()


def insee(rng: random.Random, departement: str) -> str:
    return f"{departement}{rng.randint(1, 999):03d}"


def day(rng: random.Random, first: int = 2018, last: int = 2025) -> tuple[int, int, int]:
    year, month = rng.randint(first, last), rng.randint(1, 12)
    return year, month, rng.randint(1, calendar.monthrange(year, month)[1])


def day_month(month: int, day_: int) -> str:
    return f"{day_:02d} {MONTHS[month - 1]}"


def tariffs(rng: random.Random) -> str:
    """Within the grid, and never above a higher category of the same chain."""
    bounds = {c: (low, high) for c, _, low, high, _ in GRID}
    chosen = {}
    for chain in CHAINS:
        above = 10_000
        for category in chain:
            low, high = bounds[category]  # floors decrease along a chain: low <= above
            chosen[category] = above = rng.randint(low, min(high, above)) // 10 * 10
    chosen[9] = rng.randrange(100, 501, 50)
    return "".join(f'<tarif categorieId="{c}"{MAX if c == 1 else ""}>{amount(chosen[c])}</tarif>'
                   for c in sorted(chosen))


def periods(rng: random.Random) -> str:
    """Mostly the whole year; some seasons; ~10 % split in two or three periods."""
    roll = rng.random()
    if roll < 0.10:
        cuts = sorted(rng.sample(range(2, 13), rng.choice((1, 2))))
        starts = [1, *cuts]
        ends = [m - 1 for m in cuts] + [12]
    elif roll < 0.20:
        starts, ends = [rng.randint(3, 6)], [rng.randint(8, 10)]
    else:
        starts, ends = [1], [12]
    return "".join(
        f"<periode><dateDebut>{day_month(start, 1)}</dateDebut><dateFin>"
        f"{day_month(end, calendar.monthrange(2026, end)[1])}</dateFin><tarifs>{tariffs(rng)}"
        "</tarifs></periode>" for start, end in zip(starts, ends, strict=True))


def deliberation(rng: random.Random) -> str:
    departement = rng.choice(DEPARTEMENTS)
    epci = rng.random() < 0.45
    siren = f"2{rng.randint(0, 99_999_999):08d}"
    label = f"{rng.choice(EPCI_KINDS)} {name(rng)}" if epci else name(rng)
    code = "<codeInsee/>" if epci else f"<codeInsee>{insee(rng, departement)}</codeInsee>"
    adopted = day(rng)
    entered = day(rng, adopted[0], min(adopted[0] + 1, 2025))
    covered = "".join(
        f'<collectivite siren="2{rng.randint(0, 99_999_999):08d}"><nom>{name(rng)}</nom>'
        f"<codeInsee>{insee(rng, departement)}</codeInsee></collectivite>"
        for _ in range(rng.randint(3, 40))) if epci else ""
    forfait = rng.random() < 0.05
    regimes = "".join(
        f'<regime natureId="{n}">'
        f"{'Forfaitaire' if forfait and n <= 9 and rng.random() < 0.7 else 'Réel'}</regime>"
        for n in range(1, 12))
    bands = ""
    if forfait:
        rates = sorted(rng.sample(range(10, 81, 5), 3))
        bands = "".join(
            f"<abattement><taux>{rate}.00</taux><nuiteMin>{low}</nuiteMin><nuiteMax>{high}"
            "</nuiteMax></abattement>"
            for rate, low, high in zip(rates, (1, 61, 106), (60, 105, ""), strict=True))
    thresholds = "".join(
        f"<loyerMaximum{unit}>"
        f"{rng.choice(('', '', '', '', '0.00', amount(rng.randint(1, 60) * 100)))}"
        f"</loyerMaximum{unit}>" for unit in ("Nuit", "Semaine", "Mois"))
    flags = {"Departementale": rng.random() < 0.6,
             "Regionale": departement in ILE_DE_FRANCE,
             "LGV": departement in LGV and rng.random() < 0.8,
             "ArticleL2531-18": departement in ILE_DE_FRANCE}
    additional = "".join(f"<taxeAdditionnelle{flag}>{str(on).lower()}</taxeAdditionnelle{flag}>"
                         for flag, on in flags.items())
    return (f"<deliberation><saisie><date>{date_text(entered)}</date><collectiviteDeliberante "
            f"siren={quoteattr(siren)}><nom>{escape(label)}</nom>{code}<departement><numero>"
            f"{departement}</numero><libelle>DEP {name(rng)}</libelle></departement>"
            f"</collectiviteDeliberante></saisie><date>{date_text(adopted)}</date><millesime>2019"
            f"</millesime>{thresholds}{additional}"
            f"{f'<collectivites>{covered}</collectivites>' if covered else '<collectivites/>'}"
            f"<regimes>{regimes}</regimes><periodes>{periods(rng)}</periodes>"
            f"{f'<abattements>{bands}</abattements>' if bands else '<abattements/>'}"
            "</deliberation>")


def date_text(day_: tuple[int, int, int]) -> str:
    return f"{day_[2]:02d}/{day_[1]:02d}/{day_[0]}"


def generate(path, target_bytes: int = TARGET_BYTES, seed: int = 0,
             extra: Sequence[str] = ()) -> int:
    """Writes the file and returns how many deliberations it holds, `extra` included: those are
    spread among the random ones (what is left when the file is full goes at its end)."""
    rng = random.Random(seed)
    expected = max(1, target_bytes // AVERAGE_BYTES)
    slots = sorted(rng.randrange(expected) for _ in extra)
    pending = list(extra)
    written = 0
    with Path(path).open("wb") as out:
        size = out.write(header().encode())
        while size + len(FOOTER) < target_bytes:
            while pending and slots and slots[0] <= written:
                slots.pop(0)
                size += out.write(pending.pop(0).encode())
                written += 1
            size += out.write(deliberation(rng).encode())
            written += 1
        for text in pending:
            size += out.write(text.encode())
            written += 1
        out.write(FOOTER.encode())
    return written


def measure(path: Path) -> None:
    start = time.perf_counter()
    delta_file = delta.read(path)
    count = sum(1 for _ in delta_file.deliberations)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"read(): {count} délibérations en {elapsed:.2f} s, pic RSS du processus {peak:.0f} Mo")


def main() -> None:
    parser = argparse.ArgumentParser(description="Écrit un fichier DELTA réaliste et aléatoire.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--bytes", type=int, default=TARGET_BYTES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--measure", action="store_true",
                        help="puis mesure la lecture du fichier par tenants.tax.delta.read()")
    args = parser.parse_args()
    count = generate(args.out, args.bytes, args.seed)
    print(f"{args.out} : {count} délibérations, {args.out.stat().st_size} octets")
    if args.measure:
        measure(args.out)


if __name__ == "__main__":
    main()
