/* luoshi — forms that must not lose what was typed or photographed on a weak phone connection.
 *
 * A form with data-draft-key is sent with XMLHttpRequest (with upload progress). What the user entered,
 * photos included, is kept in this browser's IndexedDB until the server accepts it: a failed or timed-out
 * upload, a validation error or a closed tab leaves everything in place, and the next visit restores it.
 * Photos chosen one at a time (camera) accumulate instead of replacing each other.
 * Without JavaScript the form still posts normally. */
(function () {
  "use strict";
  var MAX_PHOTOS = 9;
  var DB_NAME = "luoshi-drafts", STORE = "drafts";

  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no indexedDB")); return; }
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function withStore(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), store = tx.objectStore(STORE), result = fn(store);
        tx.oncomplete = function () { resolve(result && result.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  var drafts = {
    get: function (key) { return withStore("readonly", function (s) { return s.get(key); }).catch(function () {
      try { return JSON.parse(localStorage.getItem("draft:" + key)); } catch (e) { return null; } }); },
    put: function (key, value) { return withStore("readwrite", function (s) { s.put(value, key); }).catch(function () {
      try { localStorage.setItem("draft:" + key, JSON.stringify({ fields: value.fields, files: [] })); } catch (e) { /* full */ } }); },
    del: function (key) { try { localStorage.removeItem("draft:" + key); } catch (e) { /* ignore */ }
      return withStore("readwrite", function (s) { s.delete(key); }).catch(function () {}); }
  };

  function fieldsOf(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit" || el.type === "button" || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "radio" || el.type === "checkbox") { if (el.checked) out[el.name] = el.value; else if (!(el.name in out)) out[el.name] = null; }
      else out[el.name] = el.value;
    });
    return out;
  }
  function fill(form, fields) {
    Object.keys(fields || {}).forEach(function (name) {
      var value = fields[name];
      Array.prototype.forEach.call(form.querySelectorAll('[name="' + name + '"]'), function (el) {
        if (el.type === "file") return;
        if (el.type === "radio" || el.type === "checkbox") el.checked = value !== null && el.value === value;
        else if (value !== null && value !== undefined) el.value = value;
      });
    });
  }

  function setup(form) {
    var key = form.getAttribute("data-draft-key");
    var photoInput = form.querySelector("input[type=file][data-accumulate]");
    var previews = form.querySelector(".photo-previews");
    var errorBox = form.querySelector(".form-error"), note = form.querySelector(".draft-note");
    var clearBtn = form.querySelector(".clear-draft"), progress = form.querySelector(".upload-progress");
    var submitBtn = form.querySelector("button[type=submit], button:not([type])");
    var files = [], timer = null, sending = false;

    function showNote(text) { if (note) { note.textContent = text; note.hidden = !text; } }
    function showError(text) { if (errorBox) { errorBox.textContent = text; errorBox.hidden = !text; } }
    function save() { clearTimeout(timer); timer = setTimeout(saveNow, 400); }
    function saveNow() {
      var stored = files.map(function (f) { return { name: f.name, type: f.type, blob: f }; });
      return drafts.put(key, { fields: fieldsOf(form), files: stored, at: Date.now() }).then(function () {
        if (clearBtn) clearBtn.hidden = false;
      });
    }
    function render() {
      if (!previews) return;
      previews.innerHTML = "";
      files.forEach(function (f, i) {
        var li = document.createElement("li"), img = document.createElement("img"), btn = document.createElement("button");
        img.src = URL.createObjectURL(f); img.alt = f.name; img.width = 96;
        btn.type = "button"; btn.className = "link"; btn.textContent = "移除";
        btn.setAttribute("aria-label", "移除照片 " + f.name);
        btn.addEventListener("click", function () { files.splice(i, 1); render(); save(); });
        li.appendChild(img); li.appendChild(btn); previews.appendChild(li);
      });
    }
    if (photoInput) {
      photoInput.addEventListener("change", function () {
        Array.prototype.forEach.call(photoInput.files, function (f) { if (files.length < MAX_PHOTOS) files.push(f); });
        if (photoInput.files.length && files.length >= MAX_PHOTOS) showNote("最多 " + MAX_PHOTOS + " 张照片。");
        photoInput.value = "";  // the list above holds them; the input is only the picker
        render(); save();
      });
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    if (clearBtn) clearBtn.addEventListener("click", function () {
      drafts.del(key); files = []; render(); form.reset(); clearBtn.hidden = true; showNote("");
    });

    drafts.get(key).then(function (draft) {
      if (!draft) return;
      fill(form, draft.fields);
      files = (draft.files || []).map(function (f) {
        try { return new File([f.blob], f.name, { type: f.type }); } catch (e) { var b = f.blob; b.name = f.name; return b; }
      });
      render();
      showNote("已恢复上次未提交的内容" + (files.length ? "（含 " + files.length + " 张照片）" : "") + "。");
      if (clearBtn) clearBtn.hidden = false;
    });

    var locate = form.querySelector(".locate");
    if (locate && navigator.geolocation) {
      locate.addEventListener("click", function () {
        var status = form.querySelector(".locate-status");
        status.textContent = "正在定位…";
        navigator.geolocation.getCurrentPosition(function (pos) {
          document.getElementById(locate.getAttribute("data-lat")).value = pos.coords.latitude.toFixed(6);
          document.getElementById(locate.getAttribute("data-lng")).value = pos.coords.longitude.toFixed(6);
          status.textContent = "已记录位置（" + pos.coords.latitude.toFixed(5) + "，" + pos.coords.longitude.toFixed(5) + "）";
          save();
        }, function () { status.textContent = "无法获取位置，请手填地点。"; }, { timeout: 15000 });
      });
    } else if (locate) { locate.hidden = true; }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (sending) return;
      sending = true;
      showError("");
      Array.prototype.forEach.call(form.querySelectorAll(".fielderror"), function (p) { p.hidden = true; p.textContent = ""; });
      Array.prototype.forEach.call(form.querySelectorAll(".has-error"), function (p) { p.classList.remove("has-error"); });
      var data = new FormData();
      Array.prototype.forEach.call(form.elements, function (el) {
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
      if (progress) { progress.hidden = false; }
      if (submitBtn) submitBtn.disabled = true;
      xhr.upload.onprogress = function (e) {
        if (!progress || !e.lengthComputable) return;
        var pct = Math.round(e.loaded * 100 / e.total);
        progress.querySelector("progress").value = pct;
        progress.querySelector("span").textContent = "正在上传 " + pct + "%";
      };
      function done() { sending = false; if (submitBtn) submitBtn.disabled = false; if (progress) progress.hidden = true; }
      function offline() {
        done();
        showError("网络不畅，未能提交。您填写的内容和照片已保存在本机，网络恢复后请再点“提交”。");
      }
      xhr.onerror = offline;
      xhr.ontimeout = offline;
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300 && body && body.ok) {
          drafts.del(key).then(function () { location.href = body.url; });
          return;
        }
        done();
        if (!body) { showError("提交失败（" + xhr.status + "）。您填写的内容已保存在本机，请稍后重试。"); return; }
        showError(body.message || "请检查填写的内容。");
        Object.keys(body.errors || {}).forEach(function (name) {
          var box = form.querySelector('[data-field="' + name + '"]');
          var p = box && box.querySelector(".fielderror");
          if (p) { p.textContent = body.errors[name].join("；"); p.hidden = false; box.classList.add("has-error"); }
          else { showError((body.message ? body.message + " " : "") + body.errors[name].join("；")); }
        });
        if (errorBox) errorBox.scrollIntoView({ block: "center" });
      };
      xhr.send(data);
    });
  }

  function init() { Array.prototype.forEach.call(document.querySelectorAll("form[data-draft-key]"), setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
