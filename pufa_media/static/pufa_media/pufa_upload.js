/* Chunked, resumable upload for the video admin page: File.slice + a chunk endpoint.
   The server remembers how many bytes it has; choosing the same file again resumes there. */
(function () {
  "use strict";
  var box = document.getElementById("pufa-upload");
  if (!box) return;
  var T = window.PUFA_UPLOAD_TEXT || {};
  var input = document.getElementById("pufa-upload-file");
  var go = document.getElementById("pufa-upload-go");
  var bar = document.getElementById("pufa-upload-progress");
  var status = document.getElementById("pufa-upload-status");

  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }
  function post(url, body, contentType) {
    var headers = { "X-CSRFToken": csrf() };
    if (contentType) headers["Content-Type"] = contentType;
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: body })
      .then(function (r) {
        return r.json().then(function (data) {
          if (!r.ok) throw new Error(data.error || r.statusText);
          return data;
        });
      });
  }
  function sleep(ms) { return new Promise(function (ok) { setTimeout(ok, ms); }); }
  function show(received, size) {
    bar.value = size ? Math.floor(received * 100 / size) : 0;
    status.textContent = (T.uploading || "") + " " + bar.value + "%";
  }

  function sendChunks(file, info, failures) {
    if (info.received >= file.size) return Promise.resolve(info);
    var end = Math.min(info.received + info.chunk, file.size);
    return post(info.chunk_url + "?offset=" + info.received, file.slice(info.received, end),
                "application/octet-stream")
      .then(function (data) {
        info.received = data.received;
        show(info.received, file.size);
        return sendChunks(file, info, 0);
      }, function (err) {
        if (failures >= 20) throw err;
        status.textContent = T.retrying || "…";
        // back off and continue from what the server has (it answers with its offset)
        return sleep(Math.min(30000, 1000 * Math.pow(2, failures))).then(function () {
          return sendChunks(file, info, failures + 1);
        });
      });
  }

  function showStatus(res) {
    status.textContent = (T.done || "") + res.status_display + (res.error ? " — " + res.error : "") + " " +
      (res.status === "ready" ? (T.ready || "") : res.status === "failed" ? "" : (T.reload || ""));
  }
  function pollStatus(n) {
    var url = box.getAttribute("data-status-url");
    if (!url || n > 200) return;
    sleep(3000).then(function () {
      return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); });
    }).then(function (res) {
      showStatus(res);
      if (res.status === "pending" || res.status === "processing") pollStatus(n + 1);
    }).catch(function () { pollStatus(n + 1); });
  }

  go.addEventListener("click", function () {
    var file = input.files && input.files[0];
    if (!file) { status.textContent = T.choose || ""; return; }
    go.disabled = true;
    post(box.getAttribute("data-start-url"), JSON.stringify({ name: file.name, size: file.size }),
         "application/json")
      .then(function (info) { show(info.received, file.size); return sendChunks(file, info, 0); })
      .then(function (info) { status.textContent = T.finishing || ""; return post(info.finish_url, ""); })
      .then(function (res) {
        bar.value = 100;
        showStatus(res);
        if (res.status === "pending" || res.status === "processing") pollStatus(0);
      })
      .catch(function (err) { status.textContent = (T.failed || "") + err.message; })
      .then(function () { go.disabled = false; });
  });
})();
