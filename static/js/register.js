/* Attendance register enhancement (the page works without it: «Все присутствовали» then saves everyone
   present at once). With it, the button only ticks «Есть» for every pupil, so that the few absent ones
   can be tapped before the one «Сохранить»; and choosing a date in the list opens it (no «Открыть»). */
(function () {
  "use strict";
  var form = document.querySelector(".register-form");
  var all = form && form.querySelector(".register-all");
  if (all) {
    all.addEventListener("click", function (event) {
      event.preventDefault();
      var radios = form.querySelectorAll('.register-pupil input[type="radio"][value="PRESENT"]:not(:disabled)');
      radios.forEach(function (radio) { radio.checked = true; });
      var done = form.querySelector(".register-all-done");
      if (done) {
        done.textContent = all.dataset.done || "";
        done.classList.remove("visually-hidden");
      }
    });
  }
  var pick = document.querySelector(".register-dates__pick");
  var select = pick && pick.querySelector("select");
  if (select) {
    select.addEventListener("change", function () { pick.submit(); });
    var go = pick.querySelector(".register-dates__go");
    if (go) { go.hidden = true; }
  }
})();
