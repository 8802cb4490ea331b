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
    if (highlighted) { highlighted.classList.add("tour-highlight"); }
    place();
    next.focus();
  }

  // The dialog sits beside the highlighted section, never over it: below or above when both
  // fit in the window, else to its right or left, else below or above it in the page (the
  // window then scrolls to the dialog). Page coordinates: it follows the section on scroll.
  var MARGIN = 8, GAP = 16;  // GAP clears the highlight's outline (4px + 4px offset)

  function place() {
    var width = document.documentElement.clientWidth, height = window.innerHeight;
    var x = window.pageXOffset, y = window.pageYOffset;
    dialog.style.maxWidth = Math.min(512, width - 2 * MARGIN) + "px";
    dialog.style.left = (x + MARGIN) + "px";
    dialog.style.top = (y + MARGIN) + "px";
    if (!highlighted) { return; }
    var box = highlighted.getBoundingClientRect();
    var r = { top: box.top + y, bottom: box.bottom + y, left: box.left + x, right: box.right + x };
    var w = dialog.offsetWidth, h = dialog.offsetHeight;
    var clampLeft = function (left) { return Math.max(x + MARGIN, Math.min(left, x + width - w - MARGIN)); };
    var fitsStacked = (r.bottom - r.top) + GAP + h <= height - 2 * MARGIN;
    var spot;
    if (fitsStacked && r.bottom + GAP + h <= document.documentElement.scrollHeight) {
      spot = { top: r.bottom + GAP, left: clampLeft(r.left) };
    } else if (fitsStacked && r.top - GAP - h >= MARGIN) {
      spot = { top: r.top - GAP - h, left: clampLeft(r.left) };
    } else if (r.right + GAP + w <= x + width - MARGIN) {
      spot = { top: r.top, left: r.right + GAP };
    } else if (r.left - GAP - w >= x + MARGIN) {
      spot = { top: r.top, left: r.left - GAP - w };
    } else if (r.top - GAP - h >= MARGIN) {
      spot = { top: r.top - GAP - h, left: clampLeft(r.left) };
    } else {
      spot = { top: r.bottom + GAP, left: clampLeft(r.left) };
    }
    dialog.style.left = spot.left + "px";
    dialog.style.top = spot.top + "px";
    var top = Math.min(r.top, spot.top), bottom = Math.max(r.bottom, spot.top + h);
    var scroll = bottom - top <= height - 2 * MARGIN
      ? top - (height - (bottom - top)) / 2                 // both in view, centred
      : (spot.top > r.top ? spot.top + h + MARGIN - height  // the dialog in view, the
        : spot.top - MARGIN);                               // section's nearest edge beside
    window.scrollTo({ top: Math.max(0, scroll), left: x, behavior: "instant" });
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
  window.addEventListener("resize", function () { if (dialog.open) { place(); } });
  dialog.addEventListener("close", function () {
    if (highlighted) { highlighted.classList.remove("tour-highlight"); highlighted = null; }
  });
})();
