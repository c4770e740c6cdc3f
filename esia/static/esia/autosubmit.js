// The Gosuslugi start page: send its one form at once; without JavaScript the button does it.
document.querySelectorAll("[data-autosubmit] form").forEach(function (form) {
  form.submit();
});
