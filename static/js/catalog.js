/* Catalog page enhancement (the page works without it): on wide screens the filter panel is a
   sidebar, so it starts open; on a phone it stays folded above the results. */
(function () {
  "use strict";
  var filters = document.getElementById("catalog-filters");
  if (filters && window.matchMedia("(min-width: 992px)").matches) {
    filters.open = true;
  }
})();

/* «Для кого ищем» (a signed-in parent's child chooser, navigator/personal.py): the filters may have
   changed the address since the page came (htmx pushes it), so the choice keeps the current ones. */
(function () {
  "use strict";
  var chooser = document.getElementById("catalog-child");
  if (chooser) {
    chooser.addEventListener("submit", function () {
      chooser.elements.next.value = window.location.pathname + window.location.search;
    });
  }
})();
