"""The tax's natures of accommodation and classements, and how what people type maps to them.

The codes (`meuble`, `3`, `non_classe`, `sans_objet`…) are the product's, stable: CSV imports,
the console's filters and the public calculator's API speak them.
"""

from __future__ import annotations

from plateforme.errors import UserError
from tenants.core.validation import plain

CIVILITIES = {"M.": "Monsieur", "Mme": "Madame"}

#: Natures of accommodation of the tax (CGCT L2333-30 / L2333-41), with the classements each
#: admits. "non_classe" is "non classé ou en attente de classement"; natures without a star
#: system take "sans_objet".
NATURES = {
    "palace": ("Palace", ("palace",)),
    "hotel": ("Hôtel de tourisme", ("non_classe", "1", "2", "3", "4", "5")),
    "residence": ("Résidence de tourisme", ("non_classe", "1", "2", "3", "4", "5")),
    "meuble": ("Meublé de tourisme", ("non_classe", "1", "2", "3", "4", "5")),
    "village_vacances": ("Village de vacances", ("non_classe", "1", "2", "3", "4", "5")),
    "chambre_hotes": ("Chambre d'hôtes", ("sans_objet",)),
    "auberge_collective": ("Auberge collective", ("sans_objet",)),
    "camping": ("Terrain de camping ou de caravanage", ("non_classe", "1", "2", "3", "4", "5")),
    "aire_camping_car": ("Aire de camping-cars ou parc de stationnement touristique",
                         ("sans_objet",)),
    "port_plaisance": ("Port de plaisance", ("sans_objet",)),
    "non_classe": ("Autre hébergement sans classement", ("non_classe",)),
}

CLASSEMENTS = {
    "non_classe": "Non classé ou en attente de classement",
    "1": "1 étoile",
    "2": "2 étoiles",
    "3": "3 étoiles",
    "4": "4 étoiles",
    "5": "5 étoiles",
    "palace": "Palace",
    "sans_objet": "Sans objet",
}


_CIVILITY_ALIASES = {"m": "M.", "mr": "M.", "monsieur": "M.", "mme": "Mme", "madame": "Mme",
                     "mlle": "Mme", "mademoiselle": "Mme"}

_NATURE_ALIASES = {plain(label): key for key, (label, _c) in NATURES.items()}
_NATURE_ALIASES.update({plain(key): key for key in NATURES})
_NATURE_ALIASES.update({
    "hotel": "hotel", "hotels": "hotel", "residence": "residence", "meuble": "meuble",
    "meuble de tourisme": "meuble", "location meublee": "meuble", "gite": "meuble",
    "chambre d hotes": "chambre_hotes", "chambres d hotes": "chambre_hotes",
    "village de vacances": "village_vacances", "camping": "camping",
    "aire de camping car": "aire_camping_car", "aire camping car": "aire_camping_car",
    "port de plaisance": "port_plaisance", "auberge collective": "auberge_collective",
    "non classe": "non_classe", "sans classement": "non_classe", "palaces": "palace",
})

_CLASSEMENT_ALIASES = {
    "non classe": "non_classe", "nc": "non_classe", "0": "non_classe",
    "en attente de classement": "non_classe", "sans classement": "non_classe",
    "sans objet": "sans_objet", "": "sans_objet", "palace": "palace",
}
for _n in "12345":
    for _form in (_n, f"{_n} etoile", f"{_n} etoiles", f"{_n} e", f"{_n} star", f"{_n} stars"):
        _CLASSEMENT_ALIASES[_form] = _n


def parse_civility(value: str) -> str:
    civility = _CIVILITY_ALIASES.get(plain(value))
    if civility is None:
        raise UserError(f"civilité « {value} » inconnue (M. ou Mme)")
    return civility


def parse_nature(value: str) -> str:
    nature = _NATURE_ALIASES.get(plain(value))
    if nature is None:
        raise UserError(f"nature « {value} » inconnue")
    return nature


def parse_classement(value: str, nature: str) -> str:
    classement = _CLASSEMENT_ALIASES.get(plain(value).replace(" etoile s", " etoiles"))
    allowed = NATURES[nature][1]
    if classement == "sans_objet" and "sans_objet" not in allowed and len(allowed) == 1:
        classement = allowed[0]
    if classement is None or classement not in allowed:
        labels = ", ".join(CLASSEMENTS[c] for c in allowed)
        raise UserError(f"classement « {value} » impossible pour un(e) "
                        f"{NATURES[nature][0].lower()} (attendu : {labels})")
    return classement


def parse_capacity(value) -> int:
    try:
        capacity = int(str(value).strip())
    except ValueError:
        raise UserError(f"capacité « {value} » invalide (nombre entier attendu)") from None
    if not 1 <= capacity <= 100_000:
        raise UserError(f"capacité « {value} » invalide (entre 1 et 100 000)")
    return capacity
