/* The quick guest form (lodging/biz_declare.html, biz_stay.html): the fieldset "Dành cho người
   nước ngoài" is shown only when the nationality is not VNM (without JavaScript it is always
   shown; the server remembers the last nationality, dates and reason). Keyboard: the name field
   has autofocus; Enter submits from any one-line field. */
(function () {
  "use strict";
  function setup(form) {
    var nationality = form.querySelector("select[name='nationality']");
    var foreign = form.querySelector("[data-foreign]");
    if (!nationality || !foreign) return;
    function sync() {
      var isForeign = nationality.value && nationality.value !== "VNM";
      var keepOpen = foreign.hasAttribute("data-open") || foreign.querySelector(".field--error");
      foreign.hidden = !(isForeign || keepOpen);
      if (isForeign) foreign.removeAttribute("data-open");
    }
    nationality.addEventListener("change", function () {
      foreign.removeAttribute("data-open");
      sync();
    });
    sync();
  }
  function init() {
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) setup(forms[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
