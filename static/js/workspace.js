/* Cooperative workspace: live counter of the engagements ticked on the choice page.
   Progressive enhancement only: the server renders the same count, and the form
   works without this script. */
(function () {
  "use strict";

  function setUpCounter(form) {
    var counter = document.getElementById("compteur-engagements");
    var value = counter && counter.querySelector("[data-count]");
    if (!value) {
      return;
    }
    var minimum = parseInt(counter.getAttribute("data-minimum"), 10) || 0;
    var boxes = form.querySelectorAll('input[type="checkbox"][name="engagements"]');

    function update() {
      var count = 0;
      boxes.forEach(function (box) {
        if (box.checked) {
          count += 1;
        }
      });
      value.textContent = String(count);
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
