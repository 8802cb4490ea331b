"""The calculator's form (GET, no account: nothing to protect with a CSRF token) and the
console's deliberation form."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from plateforme.errors import UserError
from tenants.core.forms import REQUIRED
from tenants.core.money import parse_amount
from tenants.core.validation import required
from tenants.hosts.natures import CLASSEMENTS, NATURES
from tenants.tax.delta import BandData, Commune, DeliberationData, PeriodData
from tenants.tax.law import law

PERIOD_BLOCKS = 4
BAND_BLOCKS = 4
NIGHTS, NIGHTS_SAID = 9_999_999, "Un nombre de nuits de 0 à 9 999 999."


class CalculatorForm(Form):
    """Rendering only: `tenants.tax.calculator.parse` checks the values (the API's messages)."""

    class Meta:
        csrf = False

    date = DateField("Date de la première nuit (au forfait : un jour de la période)",
                     render_kw={"type": "date"})
    nature = SelectField("Nature de l'hébergement",
                         choices=[SelectChoice(k, v[0]) for k, v in NATURES.items()])
    classement = SelectField("Classement",
                             choices=[SelectChoice(k, v) for k, v in CLASSEMENTS.items()])
    commune = SelectField("Commune de l'hébergement", choices=[])
    nuits = IntegerField("Nombre de nuits (au forfait : nuits d'ouverture dans la période)",
                         render_kw={"inputmode": "numeric"})
    personnes = IntegerField("Nombre de personnes hébergées (au réel)",
                             render_kw={"inputmode": "numeric"})
    exoneres = IntegerField("Dont personnes exonérées (mineurs, saisonniers, hébergement "
                            "d'urgence)", render_kw={"inputmode": "numeric"})
    prix_nuit_ht = StringField("Prix de la nuitée hors taxes, en euros (obligatoire pour un "
                               "hébergement sans classement)", render_kw={"inputmode": "decimal"})
    capacite = IntegerField("Capacité d'accueil en unités (au forfait)",
                            render_kw={"inputmode": "numeric"})


# --- the console's deliberation form --------------------------------------------------------


class PeriodForm(Form):
    start = StringField("Du (jj/mm)", [Optional()], render_kw={"placeholder": "01/01"})
    end = StringField("Au (jj/mm)", [Optional()], render_kw={"placeholder": "31/12"})


for _category in range(1, 10):
    setattr(PeriodForm, f"cat_{_category}", StringField(
        f"{'Taux' if _category == 9 else 'Tarif'} {law().category_name(_category)} "
        f"({'%' if _category == 9 else '€'})", [Optional()],
        render_kw={"inputmode": "decimal"}))


class BandForm(Form):
    rate = StringField("Abattement (%)", [Optional()], render_kw={"inputmode": "decimal"})
    # Bounded as DELTA's nights are (`tax.delta.DECIMAL_RE`): a column of integers holds them.
    nights_min = IntegerField("De (nuits)", [Optional(), NumberRange(0, NIGHTS, NIGHTS_SAID)])
    nights_max = IntegerField("À (nuits, vide : sans limite)",
                              [Optional(), NumberRange(0, NIGHTS, NIGHTS_SAID)])


class RegimesForm(Form):
    pass


for _nature, _label in law().natures.items():
    setattr(RegimesForm, f"nature_{_nature}", SelectField(
        _label, choices=[SelectChoice("reel", "Réel"), SelectChoice("forfait", "Forfait")]))


class DeliberationForm(FlaskForm):
    year = IntegerField("Année d'application", [InputRequired(REQUIRED),
                                                NumberRange(2019, 2100, "Année invalide.")])
    name = StringField("Collectivité qui a délibéré", [DataRequired(REQUIRED)])
    siren = StringField("SIREN de la collectivité qui a délibéré (facultatif)", [Optional()])
    adopted_on = DateField("Date d'adoption de la délibération", [InputRequired(REQUIRED)],
                           render_kw={"type": "date"})
    entered_on = DateField("Date de saisie dans DELTA (facultative)", [Optional()],
                           render_kw={"type": "date"})
    communes = TextAreaField("Communes couvertes : une par ligne, le code INSEE puis le nom",
                             [DataRequired(REQUIRED)], render_kw={"rows": 5},
                             description="Par exemple : 07019 Aubenas")
    regimes = FormField(RegimesForm, label="Régime par nature d'hébergement")
    periods = FieldList(FormField(PeriodForm), min_entries=PERIOD_BLOCKS,
                        max_entries=PERIOD_BLOCKS, label="Périodes de perception")
    low_rent_night = StringField("Loyer par nuit en dessous duquel les occupants sont "
                                 "exonérés (€)", [Optional()])
    low_rent_week = StringField("… par semaine (€)", [Optional()])
    low_rent_month = StringField("… par mois (€)", [Optional()])
    departementale = BooleanField("Taxe additionnelle départementale")
    regionale = BooleanField("Taxe additionnelle régionale (Île-de-France)")
    idfm = BooleanField("Taxe additionnelle Île-de-France Mobilités")
    lgv = BooleanField("Taxe additionnelle lignes à grande vitesse")
    bands = FieldList(FormField(BandForm), min_entries=BAND_BLOCKS, max_entries=BAND_BLOCKS,
                      label="Abattements du forfait")
    submit = SubmitField("Enregistrer la délibération")

    @classmethod
    def of(cls, data: DeliberationData, year: int):
        """The form filled with a stored version (to correct it)."""
        values = {
            "year": year, "name": data.name, "siren": data.siren, "adopted_on": data.adopted_on,
            "entered_on": data.entered_on,
            "communes": "\n".join(f"{c.insee} {c.name}" for c in data.communes),
            "regimes": {f"nature_{n}": r for n, r in data.regimes},
            "periods": [{"start": f"{p.start[1]:02d}/{p.start[0]:02d}",
                         "end": f"{p.end[1]:02d}/{p.end[0]:02d}",
                         **{f"cat_{c}": _typed(a) for c, a in p.tariffs}}
                        for p in data.periods],
            "low_rent_night": _typed(data.low_rent_night),
            "low_rent_week": _typed(data.low_rent_week),
            "low_rent_month": _typed(data.low_rent_month),
            "bands": [{"rate": _typed(b.rate), "nights_min": b.nights_min,
                       "nights_max": b.nights_max} for b in data.bands],
            **{code: code in data.additional for code in
               ("departementale", "regionale", "idfm", "lgv")},
        }
        return cls(data=values)

    def to_data(self) -> DeliberationData:
        """The deliberation as typed; UserError names the first field that cannot be read (the
        law's checks come after, on the result)."""
        communes = tuple(_commune(line) for line in self.communes.data.splitlines()
                         if line.strip())
        periods = tuple(p for p in (_period(i, block) for i, block in
                                    enumerate(self.periods.data, start=1)) if p)
        bands = tuple(b for b in (_band(block) for block in self.bands.data) if b)
        siren = (self.siren.data or "").strip().replace(" ", "")
        if siren and not (siren.isdigit() and len(siren) == 9):
            raise UserError("SIREN invalide : 9 chiffres.")
        return DeliberationData(
            siren=siren, name=required(self.name.data, "Collectivité", 200), insee=None,
            departement=None, entered_on=self.entered_on.data, adopted_on=self.adopted_on.data,
            communes=communes,
            regimes=tuple((n, self.regimes.data[f"nature_{n}"]) for n in law().natures),
            periods=periods,
            low_rent_night=parse_amount(self.low_rent_night.data, "Loyer par nuit"),
            low_rent_week=parse_amount(self.low_rent_week.data, "Loyer par semaine"),
            low_rent_month=parse_amount(self.low_rent_month.data, "Loyer par mois"),
            additional=tuple(sorted(code for code in ("departementale", "idfm", "lgv",
                                                      "regionale")
                                    if getattr(self, code).data)),
            bands=bands)


class ImportDeltaForm(FlaskForm):
    file = FileField("Fichier DELTA de la DGFiP (XML)")
    submit = SubmitField("Importer le fichier")


def _typed(amount) -> str:
    return "" if amount is None else str(amount).replace(".", ",")


def _commune(line: str) -> Commune:
    insee, _, name = line.strip().partition(" ")
    insee = insee.upper()
    if len(insee) != 5 or not (insee.isdigit() or (insee[:2] in ("2A", "2B")
                                                     and insee[2:].isdigit())):
        raise UserError(f"Commune « {line.strip()} » : le code INSEE (5 caractères) vient en "
                        "premier, puis le nom.")
    return Commune(insee, required(name, f"Nom de la commune {insee}", 200))


def _day_month(text: str, label: str) -> tuple[int, int]:
    day, sep, month = (text or "").strip().partition("/")
    if not sep or not day.isdigit() or not month.isdigit():
        raise UserError(f"{label} : date attendue au format jj/mm (par exemple 01/07).")
    try:
        date(2024, int(month), int(day))  # a leap year: 29/02 is a day a period may name
    except ValueError:
        raise UserError(f"{label} : « {text} » n'est pas un jour de l'année.") from None
    return int(month), int(day)


def _period(index: int, block: dict) -> PeriodData | None:
    filled = {k: v for k, v in block.items() if v not in (None, "")}
    if not filled:
        return None
    label = f"Période {index}"
    tariffs = tuple((c, amount) for c in range(1, 10)
                    if (amount := parse_amount(block.get(f"cat_{c}"),
                                               f"{label}, catégorie {c}")) is not None)
    if not tariffs:
        raise UserError(f"{label} : indiquez au moins un tarif.")
    return PeriodData(_day_month(block.get("start"), f"{label}, début"),
                      _day_month(block.get("end"), f"{label}, fin"), tariffs)


def _band(block: dict) -> BandData | None:
    rate = parse_amount(block.get("rate"), "Abattement")
    if rate is None:
        return None
    if block.get("nights_min") is None:
        raise UserError("Abattement : indiquez le nombre de nuits à partir duquel il s'applique.")
    return BandData(rate, block["nights_min"], block.get("nights_max"))
