// A "Print" button for pages made to be printed; without JavaScript the page says to use the
// browser's own Print command, and the button stays hidden.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
