// The unit picker (core.widgets.UnitPicker): htmx fills the list as one types; this script shows it and lets a
// keyboard or a finger choose. ↑/↓ move, Enter chooses, Escape closes. A choice writes the option's data-value (the
// unit's name, or "上级>名称" when the name repeats); in a box for several units it replaces the last name.
(function () {
  "use strict";
  var SEPARATORS = /[、，,；;\n]/;

  function options(list) { return Array.prototype.slice.call(list.querySelectorAll("li[role=option]")); }

  function setup(box) {
    if (box.getAttribute("data-picker-ready")) return;
    box.setAttribute("data-picker-ready", "1");
    var list = document.getElementById(box.getAttribute("aria-controls"));
    var active = -1;

    function open(show) {
      list.hidden = !show;
      box.setAttribute("aria-expanded", show ? "true" : "false");
      if (!show) { active = -1; box.removeAttribute("aria-activedescendant"); }
    }
    function mark(i) {
      var opts = options(list);
      if (!opts.length) return;
      active = (i + opts.length) % opts.length;
      opts.forEach(function (o, j) { o.setAttribute("aria-selected", j === active ? "true" : "false"); });
      box.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({block: "nearest"});
    }
    function choose(option) {
      var value = option.getAttribute("data-value");
      if (box.getAttribute("data-unit-picker") === "multiple") {
        var text = box.value, cut = -1;
        for (var i = text.length - 1; i >= 0; i--) { if (SEPARATORS.test(text.charAt(i))) { cut = i; break; } }
        box.value = (cut >= 0 ? text.slice(0, cut + 1) : "") + value;
      } else {
        box.value = value;
      }
      open(false);
      box.dispatchEvent(new Event("change", {bubbles: true}));
      box.focus();
    }
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep the focus in the box
    list.addEventListener("click", function (e) {
      var li = e.target.closest("li[role=option]");
      if (li) choose(li);
    });
    box.addEventListener("keydown", function (e) {
      if (list.hidden && e.key !== "ArrowDown") return;
      if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden && options(list).length) open(true); mark(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); mark(active - 1); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(options(list)[active]); }
      else if (e.key === "Escape") { e.preventDefault(); open(false); }
    });
    box.addEventListener("blur", function () { window.setTimeout(function () { open(false); }, 150); });
    list.addEventListener("htmx:afterSwap", function () {
      active = -1;
      open(list.children.length > 0 && document.activeElement === box);
    });
  }

  function setupAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("input[data-unit-picker]"), setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { setupAll(); });
  else setupAll();
  document.addEventListener("htmx:load", function (e) { setupAll(e.target); });
})();
