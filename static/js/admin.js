/* The admin: labels that Django's own templates leave out (WCAG 1.3.1, 4.1.2).
   A tabular inline (the engagements of a pillar) has column headers but no label
   for each field; a split date and time field has one label for its two inputs;
   the filter of a two-list selector (groups, permissions) puts an aria-label on a
   bare span. Each field is named from the words already on the page, so nothing
   here needs translating. Runs once loaded, then whenever Django's scripts add
   rows or widgets. */
(function () {
  "use strict";

  var serial = 0;

  function idOf(element) {
    if (!element.id) {
      serial += 1;
      element.id = "qc-admin-label-" + serial;
    }
    return element.id;
  }

  function unlabelled(field) {
    return !(field.labels && field.labels.length) &&
      !field.hasAttribute("aria-label") && !field.hasAttribute("aria-labelledby");
  }

  function fieldsOf(cell) {
    return cell.querySelectorAll("input:not([type=hidden]), select, textarea");
  }

  function labelTabularInlines() {
    document.querySelectorAll(".tabular table").forEach(function (table) {
      var headers = table.querySelectorAll("thead th");
      var last = headers[headers.length - 1];
      table.querySelectorAll("tbody td").forEach(function (cell) {
        var header = null;
        cell.classList.forEach(function (name) {
          if (name.indexOf("field-") === 0) {
            header = table.querySelector("thead th.column-" + name.slice(6));
          }
        });
        if (!header && cell.classList.contains("delete")) {
          header = last;
        }
        if (!header) {
          return;
        }
        fieldsOf(cell).forEach(function (field) {
          if (unlabelled(field)) {
            field.setAttribute("aria-labelledby", idOf(header));
          }
        });
      });
    });
  }

  function labelDateTimes() {
    document.querySelectorAll("p.datetime").forEach(function (group) {
      var label = group.parentElement && group.parentElement.querySelector("label");
      group.querySelectorAll("input").forEach(function (field) {
        if (!unlabelled(field)) {
          return;
        }
        // "Date :" and "Heure :" are bare text before each input.
        var words = field.previousSibling;
        var part = null;
        if (words && words.nodeType === Node.TEXT_NODE && words.textContent.trim()) {
          part = document.createElement("span");
          part.textContent = words.textContent;
          words.replaceWith(part);
        }
        var names = [label && idOf(label), part && idOf(part)].filter(Boolean);
        if (names.length) {
          field.setAttribute("aria-labelledby", names.join(" "));
        }
      });
    });
  }

  function nameTooltips() {
    document.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  var pending = false;

  function mend() {
    pending = false;
    labelTabularInlines();
    labelDateTimes();
    nameTooltips();
  }

  function start() {
    mend();
    new MutationObserver(function () {
      if (!pending) {
        pending = true;
        // Django's scripts build their widgets in one go: mend once they are done.
        window.queueMicrotask(mend);
      }
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
