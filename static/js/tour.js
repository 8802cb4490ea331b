// The guided tour ("VISITE GUIDÉE") as an overlay on the dashboard: a modal dialog per step,
// usable with the keyboard (Tab between the buttons, Escape to leave). The same steps are a
// plain page for browsers without JavaScript.
(function () {
  "use strict";
  var data = document.getElementById("etapes-visite");
  var launcher = document.getElementById("lancer-visite");
  if (!data || !launcher || typeof HTMLDialogElement === "undefined") { return; }
  var steps = JSON.parse(data.textContent);
  if (!steps.length) { return; }
  launcher.hidden = false;

  var dialog = document.createElement("dialog");
  dialog.className = "tour-dialog";
  dialog.setAttribute("aria-labelledby", "visite-titre");
  dialog.setAttribute("aria-describedby", "visite-texte");
  dialog.innerHTML =
    '<p class="meta" id="visite-position"></p>' +
    '<h2 id="visite-titre"></h2><p id="visite-texte"></p>' +
    '<p class="dialog-actions">' +
    '<button type="button" class="button" id="visite-precedent">Étape précédente</button> ' +
    '<button type="button" class="button primary" id="visite-suivant">Étape suivante</button> ' +
    '<button type="button" class="button" id="visite-fermer">Fermer la visite</button></p>';
  document.body.appendChild(dialog);

  var index = 0, highlighted = null;
  var previous = dialog.querySelector("#visite-precedent");
  var next = dialog.querySelector("#visite-suivant");

  function show(i) {
    index = i;
    var step = steps[i];
    dialog.querySelector("#visite-position").textContent = "Étape " + (i + 1) + " sur " + steps.length;
    dialog.querySelector("#visite-titre").textContent = step.title;
    dialog.querySelector("#visite-texte").textContent = step.text;
    previous.disabled = i === 0;
    next.textContent = i === steps.length - 1 ? "Terminer la visite" : "Étape suivante";
    if (highlighted) { highlighted.classList.remove("tour-highlight"); }
    highlighted = document.getElementById(step.anchor);
    if (highlighted) {
      highlighted.classList.add("tour-highlight");
      highlighted.scrollIntoView({ block: "center" });
    }
    next.focus();
  }

  function close() {
    if (highlighted) { highlighted.classList.remove("tour-highlight"); highlighted = null; }
    if (dialog.open) { dialog.close(); }
    launcher.focus();
  }

  launcher.addEventListener("click", function () { dialog.showModal(); show(0); });
  previous.addEventListener("click", function () { if (index > 0) { show(index - 1); } });
  next.addEventListener("click", function () {
    if (index < steps.length - 1) { show(index + 1); } else { close(); }
  });
  dialog.querySelector("#visite-fermer").addEventListener("click", close);
  dialog.addEventListener("close", function () {
    if (highlighted) { highlighted.classList.remove("tour-highlight"); highlighted = null; }
  });
})();
