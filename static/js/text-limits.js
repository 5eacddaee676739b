/* Long text fields: a live count of the characters used against the field's limit.
 *
 * Every textarea with a maxlength of 200 or more gets a line under it, tied to
 * the field by aria-describedby. The line is a live region only near the
 * limit (90 %), so that a screen reader is not told each keystroke.
 */
(function () {
  "use strict";
  var template = document.getElementById("text-limit-words");
  if (!template) {
    return;
  }
  var words = template.getAttribute("data-words");
  var format = new Intl.NumberFormat(document.documentElement.lang || "fr");

  function attach(field, index) {
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!(max >= 200)) {
      return;
    }
    var line = document.createElement("p");
    line.className = "form-text text-limit";
    line.id = (field.id || "champ-" + index) + "-longueur";
    field.insertAdjacentElement("afterend", line);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", described ? described + " " + line.id : line.id);

    function update() {
      var count = field.value.length;
      line.textContent = words
        .replace("{count}", format.format(count))
        .replace("{max}", format.format(max));
      var near = count >= max * 0.9;
      line.classList.toggle("is-near", near);
      if (near) {
        line.setAttribute("aria-live", "polite");
      } else {
        line.removeAttribute("aria-live");
      }
    }
    field.addEventListener("input", update);
    update();
  }

  document.querySelectorAll("textarea[maxlength]").forEach(attach);
})();
