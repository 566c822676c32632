/* luoshi — forms that must not lose what was typed or photographed on a weak phone connection.
 *
 * A form with data-draft-key is sent with XMLHttpRequest (with upload progress). What the user entered,
 * photos included, is kept in this browser's IndexedDB until the server accepts it: a failed or timed-out
 * upload, a validation error or a closed tab leaves everything in place, and the next visit restores it.
 * Photos chosen one at a time (camera) accumulate instead of replacing each other.
 * Sending and showing the answer: form-send.js (load it first). Without JavaScript the form still posts normally. */
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
    var files = [], timer = null;

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

    window.luoshiForms.locate(form, save, "无法获取位置，请手填地点。");

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      saveNow();
      window.luoshiForms.send(form, {
        files: files, showError: showError, errorBox: errorBox, progress: progress, submitBtn: submitBtn,
        progressText: "正在上传 ",
        offlineText: "网络不畅，未能提交。您填写的内容和照片已保存在本机，网络恢复后请再点“提交”。",
        failedText: function (status) { return "提交失败（" + status + "）。您填写的内容已保存在本机，请稍后重试。"; },
        invalidText: "请检查填写的内容。",
        onSuccess: function (body) { drafts.del(key).then(function () { location.href = body.url; }); }
      });
    });
  }

  function init() { Array.prototype.forEach.call(document.querySelectorAll("form[data-draft-key]"), setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
