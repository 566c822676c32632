/* luoshi — the request (诉求) form on a weak phone connection.
 *
 * form[data-request-draft]: what is typed is kept in localStorage as a draft (restored on the next visit,
 * removed once the server has accepted the request); the form is sent in the background, so a network
 * failure or a server error leaves the page — photos included — as it was, with a message. Photos taken
 * one at a time with the camera add up (at most data-max-photos). Also: the description counter, the
 * category's extra fields, "使用当前位置". Without JavaScript the form posts normally and the server
 * re-renders it with everything kept except the photos.
 * [data-clear-draft] on the confirmation page removes the draft when the form was posted without script. */
(function () {
  "use strict";
  var PREFIX = "luoshi-request-draft:";

  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(PREFIX + key); else localStorage.setItem(PREFIX + key, JSON.stringify(value));
    } catch (e) { /* private mode or full: no draft */ }
  }
  function load(key) {
    try { return JSON.parse(localStorage.getItem(PREFIX + key)); } catch (e) { return null; }
  }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function fieldsOf(form) {
    var out = {};
    each(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit" || el.type === "button" || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (!out[el.name]) out[el.name] = [];
        if (el.checked) out[el.name].push(el.value);
      } else out[el.name] = el.value;
    });
    return out;
  }
  function fill(form, fields) {
    Object.keys(fields || {}).forEach(function (name) {
      var value = fields[name];
      each(form.querySelectorAll('[name="' + name + '"]'), function (el) {
        if (el.type === "file") return;
        if (el.type === "checkbox" || el.type === "radio") el.checked = Array.isArray(value) && value.indexOf(el.value) >= 0;
        else if (typeof value === "string") el.value = value;
      });
    });
  }

  function setup(form) {
    var key = form.getAttribute("data-request-draft");
    var maxPhotos = parseInt(form.getAttribute("data-max-photos") || "3", 10);
    var maxBytes = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
    var errorBox = form.querySelector(".form-error"), note = form.querySelector(".draft-note");
    var clearBtn = form.querySelector(".clear-draft"), progress = form.querySelector(".upload-progress");
    var submitBtn = form.querySelector("button[type=submit]");
    var photoInput = form.querySelector("input[type=file][name=photos]");
    var previews = form.querySelector(".photo-previews");
    var category = form.querySelector("select[name=category]");
    var files = [], timer = null, sending = false;

    function showNote(text) { if (note) { note.textContent = text; note.hidden = !text; } }
    function showError(text) { if (errorBox) { errorBox.textContent = text; errorBox.hidden = !text; } }
    function fieldError(name, text) {
      var box = form.querySelector('[data-field="' + name + '"]');
      var p = box && box.querySelector(".fielderror");
      if (!p) return false;
      p.textContent = text; p.hidden = !text;
      if (text) box.classList.add("has-error"); else box.classList.remove("has-error");
      return true;
    }
    function saveNow() { store(key, { fields: fieldsOf(form), at: Date.now() }); if (clearBtn) clearBtn.hidden = false; }
    function save() { clearTimeout(timer); timer = setTimeout(saveNow, 300); }

    // the description counter
    var description = form.querySelector("textarea[data-counter]");
    var counter = description && document.getElementById(description.getAttribute("data-counter"));
    function count() {
      if (!counter) return;
      var max = parseInt(description.getAttribute("maxlength") || "4000", 10);
      counter.textContent = description.value.length + " / " + max;
      counter.className = "muted small counter" + (description.value.length > max ? " r" : "");
    }
    if (description) { description.addEventListener("input", count); count(); }

    // the chosen category's extra fields; the others are hidden and not sent
    function showAttributes() {
      var chosen = category ? category.value : "";
      each(form.querySelectorAll(".attr-group"), function (group) {
        var on = group.getAttribute("data-category") === chosen;
        group.hidden = !on;
        each(group.querySelectorAll("input, select, textarea"), function (el) { el.disabled = !on; });
      });
    }
    if (category) category.addEventListener("change", showAttributes);

    // photos: add up, at most maxPhotos, images only, not too large
    function render() {
      if (!previews) return;
      previews.innerHTML = "";
      files.forEach(function (f, i) {
        var li = document.createElement("li"), img = document.createElement("img"), btn = document.createElement("button");
        try { img.src = URL.createObjectURL(f); } catch (e) { /* old browser: no preview */ }
        img.alt = f.name; img.width = 96;
        btn.type = "button"; btn.className = "link"; btn.textContent = "移除";
        btn.setAttribute("aria-label", "移除照片 " + f.name);
        btn.addEventListener("click", function () { files.splice(i, 1); render(); fieldError("photos", ""); });
        li.appendChild(img); li.appendChild(btn); previews.appendChild(li);
      });
    }
    if (photoInput && window.FormData) {
      photoInput.addEventListener("change", function () {
        var problems = [];
        each(photoInput.files, function (f) {
          if (files.length >= maxPhotos) { problems.push("最多 " + maxPhotos + " 张照片，“" + f.name + "”未添加。"); return; }
          if (f.type && f.type.indexOf("image/") !== 0) { problems.push("“" + f.name + "”不是图片。"); return; }
          if (maxBytes && f.size > maxBytes) { problems.push("“" + f.name + "”太大（上限 " + Math.round(maxBytes / 1048576) + " MB）。"); return; }
          files.push(f);
        });
        photoInput.value = "";  // the list holds them; the input is only the picker
        fieldError("photos", problems.join(" "));
        render();
      });
    }

    // "使用当前位置"
    var locate = form.querySelector(".locate");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        var status = form.querySelector(".locate-status");
        status.textContent = "正在定位…";
        navigator.geolocation.getCurrentPosition(function (pos) {
          document.getElementById(locate.getAttribute("data-lat")).value = pos.coords.latitude.toFixed(6);
          document.getElementById(locate.getAttribute("data-lng")).value = pos.coords.longitude.toFixed(6);
          status.textContent = "已记录位置（" + pos.coords.latitude.toFixed(5) + "，" + pos.coords.longitude.toFixed(5) + "）";
          save();
        }, function () { status.textContent = "无法获取位置，请填写地址。"; }, { timeout: 15000 });
      });
    }

    // the draft
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    if (clearBtn) clearBtn.addEventListener("click", function () {
      store(key, null); files = []; render(); form.reset(); showAttributes(); count(); clearBtn.hidden = true; showNote("");
    });
    var draft = load(key);
    if (draft && draft.fields) {
      if (form.hasAttribute("data-restore")) {
        fill(form, draft.fields);
        showNote("已恢复上次未提交的内容（照片需重新选择）。");
      }
      if (clearBtn) clearBtn.hidden = false;
    }
    showAttributes();
    count();

    // sending in the background
    if (!window.FormData || !window.XMLHttpRequest) return;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (sending) return;
      sending = true;
      showError("");
      each(form.querySelectorAll(".fielderror"), function (p) { p.hidden = true; p.textContent = ""; });
      each(form.querySelectorAll(".has-error"), function (p) { p.classList.remove("has-error"); });
      var data = new FormData();
      each(form.elements, function (el) {
        if (!el.name || el.type === "file" || el.disabled) return;
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
        data.append(el.name, el.value);
      });
      files.forEach(function (f) { data.append("photos", f, f.name); });
      saveNow();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || location.href);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.timeout = 180000;
      if (progress) progress.hidden = false;
      if (submitBtn) submitBtn.disabled = true;
      xhr.upload.onprogress = function (e) {
        if (!progress || !e.lengthComputable) return;
        var pct = Math.round(e.loaded * 100 / e.total);
        progress.querySelector("progress").value = pct;
        progress.querySelector("span").textContent = "正在提交 " + pct + "%";
      };
      function done() { sending = false; if (submitBtn) submitBtn.disabled = false; if (progress) progress.hidden = true; }
      function offline() {
        done();
        showError("网络不畅，未能提交。您填写的内容已保存在本机，照片仍在本页，网络恢复后请再点“提交”。");
        if (errorBox) errorBox.scrollIntoView({ block: "center" });
      }
      xhr.onerror = offline;
      xhr.ontimeout = offline;
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300 && body && body.ok) {
          store(key, null);
          location.href = body.url;
          return;
        }
        done();
        if (!body) {
          showError("提交失败（服务器错误 " + xhr.status + "）。您填写的内容已保存在本机，请稍后再试。");
        } else {
          showError(body.message || "请检查标红的内容。");
          Object.keys(body.errors || {}).forEach(function (name) {
            if (!fieldError(name, body.errors[name].join("；"))) showError((body.message || "") + " " + body.errors[name].join("；"));
          });
        }
        if (errorBox) errorBox.scrollIntoView({ block: "center" });
      };
      xhr.send(data);
    });
  }

  function init() {
    each(document.querySelectorAll("form[data-request-draft]"), setup);
    each(document.querySelectorAll("[data-clear-draft]"), function (el) { store(el.getAttribute("data-clear-draft"), null); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
