/* Drafts kept on the phone (IndexedDB) until the signal returns: shared by the pages
   (static/js/drafts.js) and the service worker (/sw.js, Background Sync).

   A draft: {key, kind, url, title, fields: [[name, value]], files: [[name, Blob, filename]],
             state: "pending" | "refused" | "sent", savedAt, sentUrl}
   ``key`` is the form's idempotency key: the server files a key once, so a draft sent twice
   (page and worker at once, a reply lost on the way back) never files twice. */
(function (root) {
  var DB = "zz-drafts", STORE = "drafts";

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, {keyPath: "key"}); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), store = t.objectStore(STORE), out;
        var r = fn(store);
        if (r) { r.onsuccess = function () { out = r.result; }; }
        t.oncomplete = function () { db.close(); resolve(out); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }
  function save(draft) { return tx("readwrite", function (s) { return s.put(draft); }); }
  function all() { return tx("readonly", function (s) { return s.getAll(); }).then(function (r) { return r || []; }); }
  function remove(key) { return tx("readwrite", function (s) { return s.delete(key); }); }

  function token(url) {
    // A fresh CSRF token from the form's own page (the worker has no document to read it from).
    return fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      if (!r.ok) { throw new Error("page " + r.status); }
      return r.text();
    }).then(function (html) {
      var m = html.match(/name="csrfmiddlewaretoken" value="([^"]+)"/);
      if (!m) { throw new Error("no token"); }
      return m[1];
    });
  }

  var sending = false;
  function send(draft) {
    return token(draft.url).then(function (csrf) {
      var body = new FormData();
      draft.fields.forEach(function (f) { if (f[0] !== "csrfmiddlewaretoken") { body.append(f[0], f[1]); } });
      (draft.files || []).forEach(function (f) { body.append(f[0], f[1], f[2]); });
      body.append("csrfmiddlewaretoken", csrf);
      return fetch(draft.url, {method: "POST", body: body, credentials: "same-origin",
                               headers: {"X-CSRFToken": csrf, "X-Draft": "1"}});
    }).then(function (r) {
      var path = new URL(r.url).pathname;
      if (r.ok && r.redirected && path !== new URL(draft.url, r.url).pathname) {
        draft.state = "sent"; draft.sentUrl = r.url; draft.files = []; draft.fields = [];
        return save(draft).then(function () { return draft; });
      }
      // 409: the same draft is being filed by another send right now; 5xx: try again later.
      if (r.status >= 500 || r.status === 409 || r.status === 429) { throw new Error("retry " + r.status); }
      draft.state = "refused";  // the form came back with a message: the citizen must look
      return save(draft).then(function () { return draft; });
    });
  }
  function sendAll() {
    if (sending) { return Promise.resolve([]); }
    sending = true;
    return all().then(function (drafts) {
      var pending = drafts.filter(function (d) { return d.state === "pending"; });
      return pending.reduce(function (chain, d) {
        return chain.then(function (done) {
          return send(d).then(function (r) { done.push(r); return done; }, function () { return done; });
        });
      }, Promise.resolve([]));
    }).then(function (done) { sending = false; return done; }, function (e) { sending = false; throw e; });
  }

  root.DraftStore = {save: save, all: all, remove: remove, send: send, sendAll: sendAll};
})(typeof self !== "undefined" ? self : window);
