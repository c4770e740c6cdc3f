/* Catalog page enhancement (the page works without it: a plain GET form, chips are links).
   - One request per search: a request identical to the one just sent is dropped. Enter in a field
     fires «change» and then «submit»; «Показать N программ» submits what the filters already asked for.
   - A chip above the results clears its form control rather than following its link, so the form,
     the pushed URL and the results stay in step; «Сбросить» clears every filter of the panel. */
(function () {
  "use strict";
  var lastSent = null;

  function form() {
    return document.getElementById("catalog-form");
  }

  function serialise(element) {
    return new URLSearchParams(new FormData(element)).toString();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = form();
    // The page was rendered for these parameters: searching them again would change nothing.
    if (element) lastSent = serialise(element);
  });

  document.addEventListener("htmx:confirm", function (event) {
    var element = form();
    if (!element || event.detail.elt !== element) return;
    var query = serialise(element);
    if (query === lastSent) {
      event.preventDefault();
      return;
    }
    lastSent = query;
  });

  // After a failure, a page link or the back button the results no longer answer the form's last
  // request: the next search must be sent whatever it is.
  function forget() {
    lastSent = null;
  }
  document.addEventListener("htmx:responseError", forget);
  document.addEventListener("htmx:sendError", forget);
  document.addEventListener("htmx:historyRestore", forget);
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt !== form() && event.detail.target && event.detail.target.id === "catalog-results") forget();
  });

  function changed(element) {
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function clear(control) {
    if (control.type === "checkbox" || control.type === "radio") control.checked = false;
    else control.value = "";
  }

  document.addEventListener("click", function (event) {
    var element = form();
    if (!element || !(event.target instanceof Element)) return;
    var chip = event.target.closest("[data-filter-input]");
    if (chip) {
      var control = document.getElementById(chip.getAttribute("data-filter-input"));
      if (!control || control.form !== element) return;
      event.preventDefault();
      clear(control);
      changed(control);
      return;
    }
    var reset = event.target.closest("[data-filter-reset]");
    if (reset) {
      var panel = document.getElementById("catalog-filters");
      if (!panel) return;
      event.preventDefault();
      panel.querySelectorAll("input, select").forEach(clear);
      changed(element);
    }
  });
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
