/* Personal account enhancement (the pages work without it): the section menu scrolls sideways on a
   phone, so bring the current section into view. */
(function () {
  "use strict";
  var nav = document.querySelector(".cabinet-nav");
  var current = nav && nav.querySelector('[aria-current="page"]');
  if (current) {
    // offsetLeft is measured from .cabinet-nav (position: relative)
    nav.scrollLeft = current.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2;
  }
})();
