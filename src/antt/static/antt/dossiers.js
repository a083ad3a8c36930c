/* One-stop shop staff pages: keyboard for the procedure combobox, one submit per form.
   No build step; loaded with `defer`. htmx fills the listbox; this file only moves the selection. */
(function () {
  "use strict";

  function options(list) {
    return Array.prototype.filter.call(list.querySelectorAll("[role=option]"), function (o) {
      return o.getAttribute("aria-disabled") !== "true";
    });
  }

  function select(input, list, index) {
    var opts = options(list);
    opts.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (index >= 0 && opts[index]) {
      input.setAttribute("aria-activedescendant", opts[index].id);
      opts[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function current(list) {
    return options(list).findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
  }

  function setup(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) return;
    input.addEventListener("keydown", function (ev) {
      var opts = options(list);
      var i = current(list);
      if (ev.key === "ArrowDown" && opts.length) {
        ev.preventDefault();
        select(input, list, Math.min(i + 1, opts.length - 1));
      } else if (ev.key === "ArrowUp" && opts.length) {
        ev.preventDefault();
        select(input, list, Math.max(i - 1, 0));
      } else if (ev.key === "Enter" && i >= 0 && opts[i]) {
        var link = opts[i].tagName === "A" ? opts[i] : opts[i].querySelector("a");
        if (link) { ev.preventDefault(); window.location.assign(link.href); }
      } else if (ev.key === "Escape") {
        select(input, list, -1);
      }
    });
    // New suggestions: nothing selected yet; Enter alone still submits the search (no JS needed).
    new MutationObserver(function () {
      input.setAttribute("aria-expanded", options(list).length ? "true" : "false");
      select(input, list, options(list).length === 1 ? 0 : -1);
    }).observe(list, { childList: true });
  }

  function once(form) {
    // A second click while the first POST is on its way would only meet the idempotency key; spare it.
    form.addEventListener("submit", function (ev) {
      if (form.hasAttribute("data-busy")) { ev.preventDefault(); return; }
      form.setAttribute("data-busy", "");
      window.setTimeout(function () { form.removeAttribute("data-busy"); }, 8000);
    });
  }

  function init() {
    document.querySelectorAll("[data-combobox]").forEach(setup);
    document.querySelectorAll("form[data-once]").forEach(once);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
