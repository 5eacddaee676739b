/* Federation synthesis page: follow the synthesis being made without reloading the page.
   Progressive enhancement only: the server renders the same progress, and the
   page has an "Actualiser" link without this script. While a synthesis is under
   way, the page is fetched again every few seconds and the parts of its
   follow-up region refreshed; polling stops once nothing is under way. A static file, as the
   content security policy allows no inline script. */
(function () {
  "use strict";

  var DELAY = 4000;
  var region = document.querySelector("[data-synthesis-poll]");
  if (!region || !window.fetch || !window.DOMParser) {
    return;
  }

  function poll() {
    if (!region.hasAttribute("data-under-way")) {
      return;
    }
    window.setTimeout(function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser()
            .parseFromString(html, "text/html")
            .querySelector("[data-synthesis-poll]");
          if (!fresh) {
            return;
          }
          // Each part's content is replaced in place, so that the status
          // region stays the same element and screen readers announce it.
          fresh.querySelectorAll("[data-synthesis-part]").forEach(function (part) {
            var here = document.getElementById(part.id);
            if (here && here.innerHTML !== part.innerHTML) {
              here.innerHTML = part.innerHTML;
            }
          });
          region.toggleAttribute("data-under-way", fresh.hasAttribute("data-under-way"));
          poll();
        })
        .catch(function () {
          // A network hiccup: try again later, the link still works.
          poll();
        });
    }, DELAY);
  }

  poll();
})();
