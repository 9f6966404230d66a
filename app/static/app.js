/* Spotter's own script: no inline scripts (the CSP is script-src 'self'). Each part in its own section. */

/* == Getting started: the profile's time zone from the phone ==
   On the profile page as first shown, until she has saved it, the time zone field says data-guess-zone:
   it is filled with the zone the browser runs in, under its current name: the attribute maps the old
   names some browsers still report (Asia/Calcutta) to the listed ones (Asia/Kolkata). */
(function () {
  "use strict";
  function guessZone() {
    var field = document.querySelector("input[data-guess-zone]");
    var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (field && zone) {
      var renamed = JSON.parse(field.getAttribute("data-guess-zone") || "{}");
      field.value = renamed[zone] || zone;
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", guessZone);
  } else {
    guessZone();
  }
})();
