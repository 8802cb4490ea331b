// Warns before the session ends for inactivity and lets the host or the agent extend it
// (RGAA 13.1); each layout names its own endpoints (data-session-*).
// Without JavaScript the session simply ends after the idle limit.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-session-idle"), 10);
  var extendUrl = body.getAttribute("data-session-extend");
  var endUrl = body.getAttribute("data-session-end") || "/";
  var csrf = body.getAttribute("data-csrf");
  if (!idle || !extendUrl || typeof HTMLDialogElement === "undefined") { return; }

  var warnBefore = Math.min(120, Math.floor(idle / 2));
  var warnTimer, endTimer, tickTimer, deadline, focusBefore;

  var dialog = document.createElement("dialog");
  dialog.setAttribute("role", "alertdialog");
  dialog.setAttribute("aria-labelledby", "session-titre");
  dialog.setAttribute("aria-describedby", "session-texte");
  dialog.className = "session-dialog";
  dialog.innerHTML =
    '<h2 id="session-titre">Votre session va bientôt expirer</h2>' +
    '<p id="session-texte">Sans action de votre part, vous serez déconnecté(e) dans ' +
    '<span id="session-reste"></span>.</p>' +
    '<p class="dialog-actions"><button type="button" class="button primary" id="session-prolonger">' +
    'Rester connecté(e)</button> <button type="button" class="button" id="session-quitter">' +
    'Se déconnecter</button></p>';
  body.appendChild(dialog);
  var remaining = dialog.querySelector("#session-reste");

  function describe(seconds) {
    var minutes = Math.floor(seconds / 60), rest = seconds % 60;
    if (minutes > 0) { return minutes + " minute" + (minutes > 1 ? "s" : "") + (rest ? " " + rest + " s" : ""); }
    return seconds + " seconde" + (seconds > 1 ? "s" : "");
  }

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    remaining.textContent = describe(left);
  }

  function warn() {
    tick();
    tickTimer = setInterval(tick, 15000);
    if (!dialog.open) {
      focusBefore = document.activeElement;
      dialog.showModal();
    }
    dialog.querySelector("#session-prolonger").focus();
  }

  function expire() {
    window.location.assign(endUrl);
  }

  function arm() {
    clearTimeout(warnTimer); clearTimeout(endTimer); clearInterval(tickTimer);
    deadline = Date.now() + idle * 1000;
    warnTimer = setTimeout(warn, (idle - warnBefore) * 1000);
    endTimer = setTimeout(expire, idle * 1000);
  }

  dialog.querySelector("#session-prolonger").addEventListener("click", function () {
    fetch(extendUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      // A session already gone answers with the login page, after a redirect.
      if (!response.ok || response.redirected) { expire(); return; }
      dialog.close();
      if (focusBefore && focusBefore !== document.body && document.contains(focusBefore)) {
        focusBefore.focus();
      }
      arm();
    }, expire);
  });
  dialog.querySelector("#session-quitter").addEventListener("click", function () {
    var form = document.querySelector('form[action$="/deconnexion"]');
    if (form) { form.submit(); } else { expire(); }
  });
  dialog.addEventListener("cancel", function (event) { event.preventDefault(); });

  arm();
})();
