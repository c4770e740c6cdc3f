/* Catalog page enhancement (the page works without it): on wide screens the filter panel is a
   sidebar, so it starts open; on a phone it stays folded above the results. */
(function () {
  "use strict";
  var filters = document.getElementById("catalog-filters");
  if (filters && window.matchMedia("(min-width: 992px)").matches) {
    filters.open = true;
  }
})();
