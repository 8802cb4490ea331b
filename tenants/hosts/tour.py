"""The guided tour of the host's dashboard ("VISITE GUIDÉE"): the steps this package explains;
the others add theirs (`navigation.add_tour_step`)."""

from tenants.core.navigation import TourStep

#: Each step names the dashboard section it explains (the element's id) and what to do there,
#: with its place in the tour. Served by the app itself, as a page without JavaScript and as
#: an overlay with it.
TOUR = tuple(TourStep(order, *step) for order, step in zip(range(10, 70, 10), (
    ("tableau-de-bord", "Votre tableau de bord",
     "Tout votre espace hébergeur part d'ici : vos informations, vos hébergements, vos "
     "documents, les actualités de votre collectivité et l'aide."),
    ("mes-informations", "Vos informations personnelles",
     "Vérifiez et modifiez votre adresse postale, votre téléphone, votre courriel de connexion "
     "et votre mot de passe. Le mot de passe actuel vous est demandé pour changer le courriel "
     "ou le mot de passe."),
    ("mes-hebergements", "Vos hébergements et leurs classements",
     "Chaque hébergement déclaré à votre nom apparaît ici. Tenez à jour son adresse, sa nature, "
     "son classement et sa capacité : ils déterminent le tarif de la taxe."),
    ("mes-documents", "Mes documents",
     "Téléchargez le guide de la télédéclaration de votre collectivité et vos états "
     "récapitulatifs de déclaration."),
    ("actualites", "Actualités",
     "Votre collectivité y publie ses informations. Le numéro de son service technique figure "
     "en bas de chaque page."),
    ("besoin-d-aide", "Besoin d'aide",
     "Retrouvez cette visite guidée et, dès qu'elle en publie, les tutoriels de votre "
     "collectivité."),
), strict=True))
