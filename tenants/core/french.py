"""French words that change with the word after them: "de" before "agent" is "d'agent", "que"
before "administrateur" is "qu'administrateur". Names and roles are filled in at run time, so
templates cannot write the elision by hand; they write `{{ "Rôle de"|elide(name) }}`."""

from __future__ import annotations

#: The words elided before a vowel or a mute h, and what they become.
ELIDED = {"de": "d'", "que": "qu'", "le": "l'", "la": "l'", "je": "j'", "ne": "n'", "se": "s'",
          "me": "m'", "te": "t'", "lorsque": "lorsqu'", "puisque": "puisqu'",
          "jusque": "jusqu'"}
#: Initials that take the elision. The h is taken as mute, as in nearly every word and first
#: name the product writes (hébergeur, hôtel, Hélène); "y" as in Yves or Yssingeaux.
VOWELS = frozenset("aeiouyhàâäéèêëîïôöùûüœæ")


def elide(before: str, word: str) -> str:
    """`before` followed by `word`, its last word elided when `word` calls for it:
    elide("Rôle de", "Administrateur") == "Rôle d'Administrateur"."""
    word = str(word)
    head, space, last = before.rpartition(" ")
    elided = ELIDED.get(last.lower())
    if elided is None or word[:1].lower() not in VOWELS:
        return f"{before} {word}"
    if last[:1].isupper():
        elided = elided.capitalize()
    return f"{head}{space}{elided}{word}"
