/* A refused form says so where the eye is: focus moves to the summary of its
   errors at the top of the page, whose links lead to each field. Without this
   script the summary is still there, first in the page. */
(function () {
  "use strict";

  var summary = document.getElementById("resume-erreurs");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (target) {
      event.preventDefault();
      var field = target.matches("input, textarea, select") ? target : target.querySelector("input, textarea, select");
      (field || target).focus();
      target.scrollIntoView({ block: "center" });
    }
  });
})();
