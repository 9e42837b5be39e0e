/* 按住说话: record a voice note with MediaRecorder while the button is held (pointer, touch, or
   the space bar), at most three minutes; then either upload it at once through the upload
   gate (data-voice-stage: the form carries a hidden "staged" id) or put it in the form's
   file input "voice". The status line (role=status) says at every moment what is happening. */
(function () {
  function fmt(seconds) {
    var s = Math.max(0, Math.round(seconds));
    return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }
  function message(box, key, t) {
    return (box.dataset["msg" + key] || "").replace("%(t)s", t || "");
  }

  document.querySelectorAll("[data-voice]").forEach(function (box) {
    var form = box.closest("form");
    var hold = box.querySelector("[data-voice-hold]");
    var status = box.querySelector("[data-voice-status]");
    var preview = box.querySelector("[data-voice-preview]");
    var remove = box.querySelector("[data-voice-remove]");
    var input = box.querySelector("[data-voice-input]");
    var maxSeconds = parseInt(box.dataset.max || "180", 10);
    var state = "idle", recorder = null, stream = null, chunks = [], started = 0, ticker = null, wantStop = false;
    var staged = null;  // {id, discard} of the uploaded recording

    function say(text, bad) {
      status.textContent = text;
      status.className = "small mt-1" + (bad ? " text-danger" : "");
    }
    if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      hold.disabled = true;
      say(message(box, "Unsupported"));
      return;
    }

    function mime() {
      var types = ["audio/webm;codecs=opus", "audio/webm", "audio/mp4", "audio/ogg;codecs=opus"];
      for (var i = 0; i < types.length; i++) {
        if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(types[i])) { return types[i]; }
      }
      return "";
    }

    function clear() {
      if (staged && form) {
        var token = form.querySelector("input[name=csrfmiddlewaretoken]");
        fetch(staged.discard, {method: "POST", credentials: "same-origin",
                               headers: {"X-CSRFToken": token ? token.value : ""}}).catch(function () {});
        var hidden = box.querySelector("input[name=staged]");
        if (hidden) { hidden.parentNode.removeChild(hidden); }
      }
      staged = null;
      if (input) { input.value = ""; }
      if (preview.src) { URL.revokeObjectURL(preview.src); }
      preview.removeAttribute("src");
      preview.classList.add("d-none");
      remove.classList.add("d-none");
      box.dispatchEvent(new CustomEvent("voice:cleared", {bubbles: true}));
    }

    function start(ev) {
      if (ev) { ev.preventDefault(); }
      if (state !== "idle") { return; }
      state = "starting"; wantStop = false;
      say(message(box, "Starting"));
      navigator.mediaDevices.getUserMedia({audio: true}).then(function (s) {
        stream = s;
        var type = mime();
        recorder = type ? new MediaRecorder(s, {mimeType: type}) : new MediaRecorder(s);
        chunks = [];
        recorder.ondataavailable = function (e) { if (e.data && e.data.size) { chunks.push(e.data); } };
        recorder.onstop = finish;
        recorder.start(1000);
        started = Date.now();
        state = "recording";
        hold.classList.add("active");
        hold.setAttribute("aria-pressed", "true");
        say(message(box, "Recording", fmt(0)));
        ticker = setInterval(function () {
          var elapsed = (Date.now() - started) / 1000;
          if (elapsed >= maxSeconds) { say(message(box, "Limit")); stop(); return; }
          say(message(box, "Recording", fmt(elapsed)));
        }, 500);
        if (wantStop) { stop(); }
      }).catch(function () {
        state = "idle";
        say(message(box, "Denied"), true);
      });
    }

    function stop(ev) {
      if (ev) { ev.preventDefault(); }
      if (state === "starting") { wantStop = true; return; }
      if (state !== "recording") { return; }
      state = "stopping";
      clearInterval(ticker);
      hold.classList.remove("active");
      hold.setAttribute("aria-pressed", "false");
      recorder.stop();
    }

    function finish() {
      stream.getTracks().forEach(function (t) { t.stop(); });
      var seconds = (Date.now() - started) / 1000;
      state = "idle";
      if (seconds < 1 || !chunks.length) { say(message(box, "Short"), true); return; }
      var type = (recorder.mimeType || "audio/webm").split(";")[0];
      var ext = type.indexOf("mp4") >= 0 ? "m4a" : (type.indexOf("ogg") >= 0 ? "ogg" : "webm");
      var file = new File(chunks, "语音-" + fmt(seconds).replace(":", "分") + "秒." + ext, {type: type});
      clear();
      preview.src = URL.createObjectURL(file);
      preview.classList.remove("d-none");
      remove.classList.remove("d-none");
      var t = fmt(seconds);
      box.voiceFile = file;
      box.dispatchEvent(new CustomEvent("voice:recorded", {bubbles: true, detail: {file: file, seconds: seconds}}));
      if (box.dataset.voiceStage) {
        upload(file, t);
      } else if (input && window.DataTransfer) {
        var dt = new DataTransfer();
        dt.items.add(file);
        input.files = dt.files;
        say(message(box, "Done", t));
      }
    }

    function upload(file, t) {
      var token = form && form.querySelector("input[name=csrfmiddlewaretoken]");
      var data = new FormData();
      data.append("file", file, file.name);
      data.append("voice", "1");
      var submit = form && form.querySelector("[type=submit]:not(.visually-hidden)");
      if (submit) { submit.disabled = true; }
      say(message(box, "Uploading"));
      fetch(box.dataset.voiceStage, {method: "POST", body: data, credentials: "same-origin",
                                     headers: {"X-CSRFToken": token ? token.value : ""}})
        .then(function (r) { return r.json().then(function (d) { return {ok: r.ok, data: d}; }); })
        .then(function (res) {
          if (!res.ok) { throw new Error(res.data.error || message(box, "Neterror")); }
          staged = res.data;
          var hidden = document.createElement("input");
          hidden.type = "hidden"; hidden.name = "staged"; hidden.value = res.data.id;
          box.appendChild(hidden);
          say(message(box, "Uploaded", t));
        })
        .catch(function (err) {
          // Offline: the recording stays on the page (and in the draft, static/js/drafts.js).
          box.dispatchEvent(new CustomEvent("voice:pending", {bubbles: true, detail: {file: file}}));
          say(err && err.message && err.message !== "Failed to fetch" ? err.message : message(box, "Neterror"), true);
        })
        .then(function () { if (submit) { submit.disabled = false; } });
    }

    hold.addEventListener("pointerdown", start);
    hold.addEventListener("pointerup", stop);
    hold.addEventListener("pointerleave", function () { if (state === "recording" || state === "starting") { stop(); } });
    hold.addEventListener("pointercancel", stop);
    hold.addEventListener("contextmenu", function (ev) { ev.preventDefault(); });
    hold.addEventListener("keydown", function (ev) {
      if ((ev.key === " " || ev.key === "Enter") && !ev.repeat) { start(ev); }
    });
    hold.addEventListener("keyup", function (ev) {
      if (ev.key === " " || ev.key === "Enter") { stop(ev); }
    });
    remove.addEventListener("click", function () { clear(); say(message(box, "Removed")); hold.focus(); });
  });
})();
