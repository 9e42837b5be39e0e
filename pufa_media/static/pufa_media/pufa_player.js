/* 普法小剧场 player: plain HTML5 <video>, no library.
   - 流畅 / 高清 switch (流畅 by default when the browser says the connection is cellular or slow)
   - resume where the viewer stopped (localStorage)
   - a play beacon after a few seconds of real playback (the page load counts nothing)
   - interactive questions after the video ends; answers posted to the server */
(function () {
  "use strict";
  var cfgEl = document.getElementById("pufa-player-config");
  var video = document.getElementById("pufa-video");
  if (!cfgEl || !video) return;
  var cfg = JSON.parse(cfgEl.textContent);
  var store = safeStorage();
  var posKey = "pufa.pos." + cfg.videoId;
  var qualityKey = "pufa.quality";

  function safeStorage() {
    try { var s = window.localStorage; s.setItem("pufa.t", "1"); s.removeItem("pufa.t"); return s; }
    catch (e) { return null; }
  }
  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  /* ---------------- quality */
  function onCellular() {
    var c = navigator.connection || navigator.mozConnection || navigator.webkitConnection;
    if (!c) return false;
    if (c.saveData) return true;
    if (c.type === "cellular") return true;
    return ["slow-2g", "2g", "3g"].indexOf(c.effectiveType) >= 0;
  }
  function byName(name) {
    for (var i = 0; i < cfg.renditions.length; i++) if (cfg.renditions[i].name === name) return cfg.renditions[i];
    return null;
  }
  function initialQuality() {
    var saved = store && store.getItem(qualityKey);
    if (saved && byName(saved)) return saved;
    var low = cfg.renditions[0], high = cfg.renditions[cfg.renditions.length - 1];
    if (!low) return null;
    return onCellular() ? low.name : high.name;
  }
  var buttons = document.querySelectorAll("#pufa-quality [data-quality]");
  function markButtons(name) {
    for (var i = 0; i < buttons.length; i++) {
      var on = buttons[i].getAttribute("data-quality") === name;
      buttons[i].classList.toggle("active", on);
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
  }
  var current = null;
  function setQuality(name, keepPlace) {
    var r = byName(name);
    if (!r || current === name) return;
    var t = keepPlace ? video.currentTime : null, wasPlaying = keepPlace && !video.paused;
    current = name;
    video.src = r.url;
    markButtons(name);
    if (t !== null) {
      video.addEventListener("loadedmetadata", function once() {
        video.removeEventListener("loadedmetadata", once);
        try { video.currentTime = t; } catch (e) { /* not seekable yet */ }
        if (wasPlaying) video.play().catch(function () {});
      });
    }
  }
  for (var b = 0; b < buttons.length; b++) {
    buttons[b].addEventListener("click", function (ev) {
      var name = ev.currentTarget.getAttribute("data-quality");
      if (store) store.setItem(qualityKey, name);
      setQuality(name, true);
    });
  }
  var first = initialQuality();
  if (first) setQuality(first, false);

  /* ---------------- resume */
  var resumed = false;
  video.addEventListener("loadedmetadata", function () {
    if (resumed || !store) return;
    resumed = true;
    var saved = parseFloat(store.getItem(posKey) || "0");
    if (saved > 3 && video.duration && saved < video.duration - 3) {
      try { video.currentTime = saved; } catch (e) { /* ignore */ }
    }
  });
  var lastSave = 0;
  function savePos() {
    if (!store) return;
    store.setItem(posKey, String(Math.floor(video.currentTime)));
  }
  video.addEventListener("timeupdate", function () {
    var now = Date.now();
    if (now - lastSave > 3000) { lastSave = now; savePos(); }
  });
  video.addEventListener("pause", savePos);
  window.addEventListener("pagehide", savePos);

  /* ---------------- play beacon after a few seconds of real playback */
  var watched = 0, lastT = null, sent = false;
  video.addEventListener("timeupdate", function () {
    var t = video.currentTime;
    if (lastT !== null && !video.seeking) {
      var d = t - lastT;
      if (d > 0 && d < 1.5) watched += d;  // seeks and rendition switches do not count
    }
    lastT = t;
    if (!sent && watched >= cfg.playAfter) {
      sent = true;
      fetch(cfg.playUrl, { method: "POST", credentials: "same-origin", keepalive: true })
        .catch(function () { sent = false; });
    }
  });
  video.addEventListener("seeking", function () { lastT = null; });

  /* ---------------- questions after the end */
  var section = document.getElementById("pufa-questions");
  var body = document.getElementById("pufa-questions-body");
  var shown = false;
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function showQuestions() {
    if (shown || !cfg.questions.length || !section) return;
    shown = true;
    section.hidden = false;
    cfg.questions.forEach(function (q, qi) {
      var form = el("form", { "class": "mb-3", "data-question": q.id });
      form.appendChild(el("div", { "class": "fw-bold mb-2" }, (qi + 1) + ". " + q.text));
      q.choices.forEach(function (c) {
        var label = el("label", { "class": "pufa-choice", "data-choice": c.id });
        var input = el("input", { type: q.kind === "multiple" ? "checkbox" : "radio", name: "q" + q.id,
                                  value: c.id, "class": "form-check-input me-2" });
        label.appendChild(input);
        label.appendChild(document.createTextNode(c.text));
        form.appendChild(label);
      });
      var btn = el("button", { type: "submit", "class": "btn btn-primary btn-sm" }, cfg.labels.submit);
      var result = el("div", { "class": "mt-2", role: "status" });
      form.appendChild(btn);
      form.appendChild(result);
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var chosen = [];
        form.querySelectorAll("input:checked").forEach(function (i) { chosen.push(parseInt(i.value, 10)); });
        if (!chosen.length) { result.textContent = cfg.labels.choose; return; }
        btn.disabled = true;
        fetch(q.url, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify({ choices: chosen })
        }).then(function (r) { return r.json(); }).then(function (data) {
          if (data.error) { result.textContent = data.error; btn.disabled = false; return; }
          form.querySelectorAll("input").forEach(function (i) { i.disabled = true; });
          form.querySelectorAll("[data-choice]").forEach(function (l) {
            var id = parseInt(l.getAttribute("data-choice"), 10);
            if (data.correct_choices.indexOf(id) >= 0) l.classList.add("correct");
            else if (chosen.indexOf(id) >= 0) l.classList.add("wrong");
          });
          result.innerHTML = "";
          result.appendChild(el("div", { "class": data.correct ? "text-success fw-bold" : "text-danger fw-bold" },
                                data.correct ? cfg.labels.correct : cfg.labels.wrong));
          if (data.explanation) result.appendChild(el("div", {}, data.explanation));
          if (data.article) result.appendChild(el("div", { "class": "small text-muted" }, cfg.labels.basis + data.article));
          btn.remove();
        }).catch(function () { btn.disabled = false; });
      });
      body.appendChild(form);
    });
    var hint = document.getElementById("pufa-questions-hint");
    if (hint) hint.hidden = true;
  }
  video.addEventListener("ended", function () {
    if (store) store.removeItem(posKey);
    showQuestions();
    if (section) section.scrollIntoView({ behavior: "smooth", block: "start" });
  });
  var open = document.getElementById("pufa-questions-open");
  if (open) open.addEventListener("click", showQuestions);
})();
