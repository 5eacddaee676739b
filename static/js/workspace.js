/* Cooperative workspace: live counter of the engagements ticked on the choice page.
   Progressive enhancement only: the server renders the same count, and the form
   works without this script. */
(function () {
  "use strict";

  function setUpCounter(form) {
    var counter = document.getElementById("compteur-engagements");
    if (!counter || !counter.querySelector("[data-count]")) {
      return;
    }
    var minimum = parseInt(counter.getAttribute("data-minimum"), 10) || 0;
    var boxes = form.querySelectorAll('input[type="checkbox"][name="engagements"]');
    // The sentence in the singular or the plural ("1 engagement choisi",
    // "2 engagements choisis"), by the plural rule of the page's language:
    // in French, 0 takes the singular; in English, the plural.
    var text = counter.querySelector("[data-count-text]");
    var wordings = {};
    counter.querySelectorAll("template[data-plural]").forEach(function (wording) {
      wordings[wording.getAttribute("data-plural")] = wording;
    });
    var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang) : null;

    function update() {
      var count = 0;
      boxes.forEach(function (box) {
        if (box.checked) {
          count += 1;
        }
      });
      var wording = rules && text ? wordings[rules.select(count)] || wordings.other : null;
      if (wording) {
        text.replaceChildren(wording.content.cloneNode(true));
      }
      counter.querySelector("[data-count]").textContent = String(count);
      counter.classList.toggle("is-enough", count >= minimum);
    }

    form.addEventListener("change", function (event) {
      if (event.target.name === "engagements") {
        update();
      }
    });
    update();
  }

  document.querySelectorAll("[data-engagement-form]").forEach(setUpCounter);
})();
