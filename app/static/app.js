/* Spotter's own script: what htmx does not do by itself. No inline scripts (the CSP is script-src 'self');
   every word shown comes from the page (data-* attributes written by the templates). */
(function () {
  "use strict";

  /* ---- Request errors: a failed in-page action says so where it happened ---------------------- */

  const messages = () => document.getElementById("request-messages").dataset;

  function anchorOf(elt) {
    return (elt && (elt.closest("form") || elt)) || document.body;
  }

  function showError(elt, text) {
    const anchor = anchorOf(elt);
    clearError(anchor);
    const p = document.createElement("p");
    p.className = "error request-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    anchor.requestError = p;
    if (anchor === document.body) document.querySelector("main").prepend(p);
    else anchor.insertAdjacentElement("afterend", p);
  }

  function clearError(anchor) {
    if (anchor.requestError) anchor.requestError.remove();
    anchor.requestError = null;
  }

  /* A 400 for an expired CSRF token carries a fresh one: every form and htmx request takes it. */
  function renewCsrfToken(token) {
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    headers["X-CSRFToken"] = token;
    document.body.setAttribute("hx-headers", JSON.stringify(headers));
    document.querySelectorAll("input[name=csrf_token]").forEach((input) => { input.value = token; });
  }

  function wordingFor(xhr) {
    const m = messages();
    const token = xhr.getResponseHeader("X-CSRF-Token");
    if (xhr.status === 400 && token) {
      renewCsrfToken(token);
      return m.expired;
    }
    if (xhr.status === 429) return m.tooMany;
    if (xhr.status >= 500) return m.server;
    return m.refused;
  }

  function failed(elt, text) {
    const form = elt && elt.closest("form[data-autosave]");
    if (form) form.dataset.saveFailed = "1"; // Send will try it again first
    showError(elt, text);
  }

  document.addEventListener("htmx:responseError", (e) => failed(e.detail.elt, wordingFor(e.detail.xhr)));
  document.addEventListener("htmx:sendError", (e) => failed(e.detail.elt, messages().offline));
  document.addEventListener("htmx:timeout", (e) => failed(e.detail.elt, messages().offline));
  document.addEventListener("htmx:afterRequest", (e) => {
    if (!e.detail.successful) return;
    const anchor = anchorOf(e.detail.elt);
    clearError(anchor);
    if (anchor.dataset) delete anchor.dataset.saveFailed;
  });

  /* ---- Send waits for saves: nothing typed is left behind ------------------------------------- */

  let inFlight = 0;
  const whenIdle = [];

  document.addEventListener("htmx:beforeRequest", () => { inFlight += 1; });
  document.addEventListener("htmx:afterRequest", () => {
    inFlight = Math.max(0, inFlight - 1);
    // A request queued behind this one (hx-sync) starts right after this event: look once it has.
    setTimeout(() => {
      if (inFlight === 0) whenIdle.splice(0).forEach((fn) => fn());
    }, 0);
  });

  function isDirty(form) {
    return [...form.elements].some((el) => {
      if (el.type === "hidden" || !el.name) return false;
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      return el.value !== el.defaultValue;
    });
  }

  /* Forms saved as they change count as unsaved only when their save failed; the others when typed in. */
  function unsavedForms() {
    return [...document.querySelectorAll("form[data-unsaved]")].filter((form) =>
      form.hasAttribute("data-autosave") ? form.dataset.saveFailed === "1" : isDirty(form));
  }

  /* The message goes inside the send bar, so the next bar swapped in by a save takes it away. */
  function holdSend(bar, text) {
    const old = bar.querySelector(".request-error");
    if (old) old.remove();
    const p = document.createElement("p");
    p.className = "error request-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    bar.prepend(p);
    const first = unsavedForms()[0];
    const field = first && [...first.elements].find((el) => el.type !== "hidden" && el.name);
    if (field) {
      field.scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    }
  }

  function sendWhenSaved(bar) {
    const button = bar.querySelector("button[type=submit]");
    bar.dataset.waiting = "1";
    if (button) { button.disabled = true; button.textContent = bar.dataset.saving; }
    whenIdle.push(() => {
      const current = document.getElementById("batch-bar"); // swapped in by the last save
      const unsaved = unsavedForms();
      delete bar.dataset.waiting;
      if (unsaved.length) {
        const again = current.querySelector("button[type=submit]");
        if (again) again.disabled = false;
        holdSend(current, unsaved[0].dataset.unsaved);
        return;
      }
      current.dataset.saved = "1";
      current.requestSubmit();
    });
    if (inFlight === 0) setTimeout(() => whenIdle.splice(0).forEach((fn) => fn()), 0);
  }

  document.addEventListener("submit", (e) => {
    const bar = e.target;
    if (!bar.matches("form[data-send]") || bar.dataset.saved === "1") return;
    if (bar.dataset.waiting === "1") { e.preventDefault(); return; } // a second tap while saving
    const typed = unsavedForms().filter((form) => !form.hasAttribute("data-autosave"));
    if (typed.length) {
      e.preventDefault();
      holdSend(bar, typed[0].dataset.unsaved);
      return;
    }
    const retry = unsavedForms(); // autosaves that failed: try each once more before sending
    if (!retry.length && inFlight === 0) return;
    e.preventDefault();
    retry.forEach((form) => htmx.trigger(form, "submit"));
    sendWhenSaved(bar);
  });

  /* ---- Links to share by hand: Copy, and Share where the phone has a share sheet --------------- */

  function showShareButtons(root) {
    if (typeof navigator.share !== "function") return;
    root.querySelectorAll("[data-share]").forEach((button) => { button.hidden = false; });
  }

  function copyLink(box) {
    const link = box.dataset.link;
    const status = box.querySelector(".copied");
    const done = (ok) => { status.textContent = ok ? box.dataset.copied : box.dataset.copyFailed; };
    const byHand = () => {
      const range = document.createRange();
      range.selectNodeContents(box.querySelector(".link-text"));
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      done(document.execCommand && document.execCommand("copy"));
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(link).then(() => done(true), byHand);
    } else {
      byHand();
    }
  }

  document.addEventListener("click", (e) => {
    const button = e.target.closest("[data-copy], [data-share]");
    if (!button) return;
    const box = button.closest(".link-box");
    if (button.hasAttribute("data-copy")) {
      copyLink(box);
    } else {
      navigator.share({ title: box.dataset.title, url: box.dataset.link }).catch(() => {});
    }
  });

  document.addEventListener("DOMContentLoaded", () => showShareButtons(document));
  document.addEventListener("htmx:load", (e) => showShareButtons(e.detail.elt));
})();

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
