// The header's menus (base.html): one menu open at a time, closed by Escape or a click elsewhere; on a phone the
// 菜单 button shows every group at once, opened, as one compact list.
(function () {
  "use strict";
  function setup() {
    var nav = document.querySelector("nav.mainnav");
    if (!nav) return;
    var groups = Array.prototype.slice.call(nav.querySelectorAll("details.navgroup"));
    var toggle = nav.querySelector(".navtoggle");
    var phone = window.matchMedia("(max-width: 640px)");
    groups.forEach(function (g) {
      g.addEventListener("toggle", function () {
        if (g.open && !phone.matches) groups.forEach(function (o) { if (o !== g) o.open = false; });
      });
    });
    function closeAll() {
      if (phone.matches) return;
      groups.forEach(function (g) { g.open = false; });
    }
    document.addEventListener("click", function (e) { if (!nav.contains(e.target)) closeAll(); });
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Escape") return;
      var open = groups.filter(function (g) { return g.open; })[0];
      closeAll();
      if (open && !phone.matches) open.querySelector("summary").focus();
    });
    if (toggle) {
      toggle.addEventListener("click", function () {
        var show = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", show ? "true" : "false");
        nav.classList.toggle("open", show);
        groups.forEach(function (g) { g.open = show; });
      });
    }
  }
  // a filter box (data-fold-on-phone="<filters set>") starts folded on a phone unless a filter is set: the list,
  // not the filters, fills the first screen
  function foldFilters() {
    if (!window.matchMedia("(max-width: 640px)").matches) return;
    Array.prototype.forEach.call(document.querySelectorAll("details[data-fold-on-phone]"), function (d) {
      if (d.getAttribute("data-fold-on-phone") === "0") d.open = false;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", foldFilters);
  else foldFilters();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
