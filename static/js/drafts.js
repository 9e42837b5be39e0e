/* Offline drafts (issue 21): a form marked data-draft ("appeal", "question", "supplement")
   submitted without a signal is kept on the phone (IndexedDB via DraftStore, attachments and
   a voice note included) instead of being lost; it is sent when the signal returns: by the
   service worker's Background Sync where the browser has it, else on the "online" event or
   the next visit to any page. Each form carries a fresh idempotency key, so the server files
   a draft once however often it arrives. The status line says, in words, whether each draft
   has reached the centre. */
(function () {
  var bar = document.querySelector("[data-drafts]");
  if (!bar || !window.indexedDB || !window.DraftStore || !window.Promise) { return; }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  }
  function keyInput(form) {
    var input = form.querySelector("input[name=idempotency_key]");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden"; input.name = "idempotency_key";
      form.appendChild(input);
    }
    return input;
  }
  var forms = document.querySelectorAll("form[data-draft]");
  Array.prototype.forEach.call(forms, function (form) { keyInput(form).value = newKey(); });

  function what(kind) { return bar.dataset["kind" + kind.charAt(0).toUpperCase() + kind.slice(1)] || ""; }
  function line(text, href, linkText) {
    var p = document.createElement("p");
    p.className = "mb-1";
    p.textContent = text;
    if (href) {
      var a = document.createElement("a");
      a.href = href; a.textContent = linkText; a.className = "ms-1 fw-semibold";
      p.appendChild(a);
    }
    return p;
  }
  function fill(template, d) {
    return template.replace("%(what)s", what(d.kind)).replace("%(title)s", d.title || "");
  }

  function render() {
    return DraftStore.all().then(function (drafts) {
      bar.textContent = "";
      var shown = false;
      drafts.sort(function (a, b) { return a.savedAt - b.savedAt; }).forEach(function (d) {
        if (d.state === "pending") {
          bar.appendChild(line(fill(navigator.onLine ? bar.dataset.msgSending : bar.dataset.msgWaiting, d)));
        } else if (d.state === "sent") {
          bar.appendChild(line(fill(bar.dataset.msgSent, d), d.sentUrl, bar.dataset.msgSeeIt));
          DraftStore.remove(d.key);  // told once
        } else if (d.state === "refused") {
          bar.appendChild(line(fill(bar.dataset.msgRefused, d), d.url, bar.dataset.msgOpenForm));
          DraftStore.remove(d.key);
        }
        shown = true;
      });
      bar.classList.toggle("d-none", !shown);
    }).catch(function () {});
  }

  var retry = null;
  function sendNow() {
    if (!navigator.onLine) { return render(); }
    return render().then(function () { return DraftStore.sendAll(); }).then(render, render).then(function () {
      return DraftStore.all().then(function (drafts) {
        // Something still waiting although online (server busy, a second copy in flight): again soon.
        if (drafts.some(function (d) { return d.state === "pending"; }) && !retry) {
          retry = setTimeout(function () { retry = null; sendNow(); }, 5000);
        }
      });
    }).catch(function () {});
  }

  function saveForm(form) {
    var fields = [], files = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") { return; }
      if (typeof value === "string") { fields.push([name, value]); } else if (value && value.size) { files.push([name, value, value.name]); }
    });
    if (form.dataset.draftField) { fields.push([form.dataset.draftField, "1"]); }  // the final step, not a preview
    var voice = form.querySelector("[data-voice]");
    if (voice && voice.voiceFile && !voice.querySelector("input[name=staged]") && !files.some(function (f) { return f[0] === "voice"; })) {
      files.push(["voice", voice.voiceFile, voice.voiceFile.name]);
    }
    var title = form.querySelector("[name=title]");
    var draft = {
      key: keyInput(form).value, kind: form.dataset.draft, url: new URL(form.getAttribute("action") || location.href, location.href).href,
      title: (title && title.value.trim()) || form.dataset.draftTitle || "", fields: fields, files: files,
      state: "pending", savedAt: Date.now(),
    };
    return DraftStore.save(draft).then(function () {
      keyInput(form).value = newKey();  // what is typed next is another submission
      form.reset();
      if (voice) { var rm = voice.querySelector("[data-voice-remove]"); if (rm && !rm.classList.contains("d-none")) { rm.click(); } }
      if ("serviceWorker" in navigator) {
        navigator.serviceWorker.ready.then(function (reg) {
          if (reg.sync) { return reg.sync.register("drafts"); }
        }).catch(function () {});
      }
      return render();
    }).then(function () {
      bar.scrollIntoView({block: "center"});
      bar.focus();
    });
  }
  window.Drafts = {saveForm: saveForm, sendNow: sendNow, render: render};

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches || !form.matches("form[data-draft]") || navigator.onLine) { return; }
    ev.preventDefault();
    ev.stopImmediatePropagation();
    saveForm(form);
  }, true);

  // Signing out on a shared phone: the pages kept for offline reading go with the session.
  document.addEventListener("submit", function (ev) {
    if (ev.target.matches && ev.target.matches("form[data-logout]") && window.caches) { caches.delete("zz-pages"); }
  }, true);

  window.addEventListener("online", sendNow);
  window.addEventListener("offline", render);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(bar.dataset.worker, {scope: "/"}).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (ev) {
      if (ev.data === "drafts-changed") { render(); }
      if (ev.data === "send-drafts") { sendNow(); }
    });
  }
  sendNow();
})();
