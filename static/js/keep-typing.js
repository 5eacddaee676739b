/* Nothing typed is lost, and the session does not end by surprise.

   Drafts: every field of a form marked data-keep-typing is copied to this
   browser's localStorage as it is typed, under the signed-in user's id. When a
   post does not go through (the session expired, the page had gone stale in
   another tab), the same form shown again gets the text back, with a notice and
   a way to return to the saved version. A draft is dropped once a later page
   shows the post went through (any page other than the form), after 7 days, or
   when the user signs out.

   Expiry: a notice appears a few minutes before the session ends, with a button
   that keeps it alive. Progressive enhancement only: without this script the
   forms work as before. */
(function () {
  "use strict";

  var info = document.getElementById("session-info");
  if (!info || !window.localStorage) {
    return;
  }
  var prefix = "qualicoop-draft:" + info.getAttribute("data-user") + ":";
  var week = 7 * 24 * 3600 * 1000;
  var skipped = { hidden: true, password: true, file: true, submit: true, button: true };

  function read(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key));
    } catch (error) {
      return null;
    }
  }

  function write(key, draft) {
    try {
      window.localStorage.setItem(key, JSON.stringify(draft));
    } catch (error) {
      /* A full or disabled storage: the form still works, without drafts. */
    }
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && !skipped[field.type] && field.name !== "csrfmiddlewaretoken";
    });
  }

  function valuesOf(form) {
    var values = {};
    fields(form).forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        values[field.name] = values[field.name] || [];
        if (field.checked) {
          values[field.name].push(field.value);
        }
      } else {
        values[field.name] = field.value;
      }
    });
    return values;
  }

  function apply(form, values) {
    fields(form).forEach(function (field) {
      if (!(field.name in values)) {
        return;
      }
      var value = values[field.name];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = value.indexOf(field.value) !== -1;
      } else {
        field.value = value;
      }
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  /* Forget drafts whose post went through (we are on another page, or the page
     says it was saved) or that are old. */
  var succeeded = document.querySelector(".messages .alert-success") !== null;
  Object.keys(window.localStorage).forEach(function (key) {
    if (key.indexOf(prefix) !== 0) {
      return;
    }
    var draft = read(key);
    var stale = !draft || Date.now() - draft.savedAt > week;
    var here = window.location.pathname;
    var elsewhere = draft && draft.path !== here && draft.action !== here;
    var done = draft && draft.submitted && (elsewhere || succeeded);
    if (stale || done) {
      window.localStorage.removeItem(key);
    }
  });

  function notice(form, draft, saved, key) {
    var template = document.getElementById("draft-restored");
    var box = template.content.firstElementChild.cloneNode(true);
    var when = new Date(draft.savedAt);
    box.querySelector("[data-when]").textContent = when.toLocaleString(
      document.documentElement.lang || "fr",
      { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" }
    );
    box.querySelector("button").addEventListener("click", function () {
      apply(form, saved);
      window.localStorage.removeItem(key);
      box.remove();
    });
    form.insertBefore(box, form.firstChild);
  }

  document.querySelectorAll("form[data-keep-typing]").forEach(function (form, index) {
    var key = prefix + window.location.pathname + ":" + (form.id || index);
    var saved = valuesOf(form);
    var draft = read(key);
    if (draft && !same(draft.values, saved)) {
      apply(form, draft.values);
      notice(form, draft, saved, key);
    }
    function keep(submitted) {
      write(key, {
        path: window.location.pathname,
        action: new URL(form.action, window.location.href).pathname,
        savedAt: Date.now(),
        submitted: submitted,
        values: valuesOf(form),
      });
    }
    /* At every keystroke: a page closed or left a moment later keeps it all. */
    form.addEventListener("input", function () { keep(false); });
    form.addEventListener("change", function () { keep(false); });
    form.addEventListener("submit", function () { keep(true); });
  });

  /* Signing out on a shared computer leaves no text behind. */
  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", function () {
      Object.keys(window.localStorage).forEach(function (key) {
        if (key.indexOf(prefix) === 0) {
          window.localStorage.removeItem(key);
        }
      });
    });
  });

  /* The warning before the session ends. */
  var expiresAt = parseInt(info.getAttribute("data-expires-at"), 10) * 1000;
  var warnBefore = parseInt(info.getAttribute("data-warn-before"), 10) * 1000;
  var warning = document.getElementById("session-warning");
  if (!expiresAt || !warning) {
    return;
  }
  /* On a phone the notice spans the screen's width: it goes to the top or the
     bottom edge, whichever covers less of the field being typed in (WCAG 2.4.11). */
  function overlap(box, top, bottom) {
    return Math.max(0, Math.min(box.bottom, bottom) - Math.max(box.top, top));
  }
  function keepClear() {
    var field = document.activeElement;
    if (warning.hidden || !field || field === document.body || warning.contains(field)) {
      return;
    }
    var box = field.getBoundingClientRect();
    var height = warning.offsetHeight;
    var margin = 16;
    var below = overlap(box, window.innerHeight - margin - height, window.innerHeight - margin);
    var above = overlap(box, margin, margin + height);
    warning.classList.toggle("session-warning-top", above < below);
  }
  document.addEventListener("focusin", keepClear);
  window.addEventListener("scroll", keepClear, { passive: true });
  window.addEventListener("resize", keepClear);
  function schedule() {
    window.setTimeout(function () {
      /* Announced (role="alert"), without taking the focus from a field being typed in. */
      warning.hidden = false;
      keepClear();
    }, Math.max(0, expiresAt - warnBefore - Date.now()));
  }
  warning.querySelector("button").addEventListener("click", function () {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", info.getAttribute("data-csrf"));
    window.fetch(info.getAttribute("data-keepalive"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && data.expires_at) {
        expiresAt = data.expires_at * 1000;
        warning.hidden = true;
        schedule();
      }
    });
  });
  schedule();
})();
