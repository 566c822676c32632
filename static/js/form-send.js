/* luoshi — what the forms that must not lose input on a weak connection share (draft-form.js for findings
 * and request notes, request_draft.js for 诉求): sending the form in the background with upload progress and
 * showing the server's answer (a new page, or field errors next to their fields), and "使用当前位置".
 * Load it before either of them (both are deferred, so the order of the <script> tags is the order they run). */
(function () {
  "use strict";
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  /* Put `text` under the field's box ([data-field=name] .fielderror); false when the form has no such box. */
  function fieldError(form, name, text) {
    var box = form.querySelector('[data-field="' + name + '"]');
    var p = box && box.querySelector(".fielderror");
    if (!p) return false;
    p.textContent = text; p.hidden = !text;
    if (text) box.classList.add("has-error"); else box.classList.remove("has-error");
    return true;
  }

  /* Send `form` with XMLHttpRequest: its fields (not the file inputs) and `o.files` as "photos".
   * The server answers JSON: {ok, url} to go to, or {message, errors: {field: [text]}}.
   * o: files, showError(text), errorBox, progress (.upload-progress), submitBtn, progressText ("正在上传 "),
   *    offlineText, failedText(status), invalidText, onSuccess(body). Returns nothing; one send at a time. */
  function send(form, o) {
    if (form._luoshiSending) return;
    form._luoshiSending = true;
    o.showError("");
    each(form.querySelectorAll(".fielderror"), function (p) { p.hidden = true; p.textContent = ""; });
    each(form.querySelectorAll(".has-error"), function (p) { p.classList.remove("has-error"); });
    var data = new FormData();
    each(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.disabled) return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      data.append(el.name, el.value);
    });
    (o.files || []).forEach(function (f) { data.append("photos", f, f.name); });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.timeout = 180000;
    if (o.progress) o.progress.hidden = false;
    if (o.submitBtn) o.submitBtn.disabled = true;
    xhr.upload.onprogress = function (e) {
      if (!o.progress || !e.lengthComputable) return;
      var pct = Math.round(e.loaded * 100 / e.total);
      o.progress.querySelector("progress").value = pct;
      o.progress.querySelector("span").textContent = o.progressText + pct + "%";
    };
    function done() {
      form._luoshiSending = false;
      if (o.submitBtn) o.submitBtn.disabled = false;
      if (o.progress) o.progress.hidden = true;
    }
    function failed(text) {
      done();
      o.showError(text);
      if (o.errorBox) o.errorBox.scrollIntoView({ block: "center" });
    }
    xhr.onerror = xhr.ontimeout = function () { failed(o.offlineText); };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300 && body && body.ok) { o.onSuccess(body); return; }
      if (!body) { failed(o.failedText(xhr.status)); return; }
      failed(body.message || o.invalidText);
      Object.keys(body.errors || {}).forEach(function (name) {
        var text = body.errors[name].join("；");
        if (!fieldError(form, name, text)) o.showError((body.message ? body.message + " " : "") + text);
      });
    };
    xhr.send(data);
  }

  /* The form's .locate button fills the inputs named by its data-lat / data-lng ids from the phone's position;
   * hidden where the browser cannot locate. */
  function locate(form, onLocated, failText) {
    var button = form.querySelector(".locate");
    if (!button) return;
    if (!navigator.geolocation) { button.hidden = true; return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var status = form.querySelector(".locate-status");
      status.textContent = "正在定位…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById(button.getAttribute("data-lat")).value = pos.coords.latitude.toFixed(6);
        document.getElementById(button.getAttribute("data-lng")).value = pos.coords.longitude.toFixed(6);
        status.textContent = "已记录位置（" + pos.coords.latitude.toFixed(5) + "，" + pos.coords.longitude.toFixed(5) + "）";
        onLocated();
      }, function () { status.textContent = failText; }, { timeout: 15000 });
    });
  }

  window.luoshiForms = { each: each, fieldError: fieldError, send: send, locate: locate };
})();
