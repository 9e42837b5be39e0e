/* The video mediation room: device check with preview, then a WebRTC mesh (up to 4 people)
   whose signalling goes through the platform by plain HTTP polling (mediation/room_views.py).

   Pairing rule: of two participants, the one with the smaller pass id sends the offer; a
   page load has its own random "epoch", so a reloaded page gets fresh connections and
   messages meant for an earlier page load are dropped.
   The mediator's browser can record (MediaRecorder on a canvas that draws every video plus
   all voices mixed) and uploads the recording in chunks, resumable, with its SHA-256. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("room-config").textContent);
  var T = JSON.parse(document.getElementById("room-text").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var isMediator = cfg.role === "mediator";
  var epoch = randomId();
  var me = null;
  var iceServers = [];
  var icePolicy = window.ROOM_ICE_POLICY || cfg.ice_policy || "all";
  var last = 0;
  var localStream = null;
  var peers = {};      // pass id -> {pc, epoch, tile, pending: [], name, offerer, tries}
  var present = {};    // pass id -> {name, role, epoch}
  var early = {};      // "id:epoch" -> candidates that arrived before their connection
  var outbox = [];
  var sending = false;
  var stopped = false;
  var joined = false;
  var netFailures = 0;
  var info = {};
  var micMeter = null;
  var recorder = null;

  var api = window.__room = { peers: peers, epoch: epoch, uploads: [] };

  function randomId() {
    var a = new Uint8Array(8);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }
  function request(method, url, body, contentType) {
    var headers = { "X-CSRFToken": csrf() };
    if (body !== undefined && typeof body === "string") headers["Content-Type"] = contentType || "application/json";
    else if (contentType) headers["Content-Type"] = contentType;
    return fetch(url, { method: method, credentials: "same-origin", headers: headers, body: body, cache: "no-store" })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) {
            var err = new Error(data.error || (r.status + " " + r.statusText));
            err.code = data.code || "";
            err.status = r.status;
            throw err;
          }
          return data;
        });
      });
  }
  function post(url, data) { return request("POST", url, JSON.stringify(data || {})); }
  function showError(msg) {
    var el = $("room-error");
    el.textContent = msg || "";
    el.classList.toggle("d-none", !msg);
  }
  function notice(msg) {
    var el = $("room-notice");
    el.textContent = msg || "";
    el.classList.toggle("d-none", !msg);
  }
  function sleep(ms) { return new Promise(function (ok) { setTimeout(ok, ms); }); }

  // ------------------------------------------------------------------ device check

  function describe(err) {
    var n = err && err.name;
    if (n === "NotAllowedError" || n === "SecurityError" || n === "PermissionDeniedError") return T.no_permission;
    if (n === "NotFoundError" || n === "DevicesNotFoundError" || n === "OverconstrainedError") return T.no_camera;
    if (n === "NotReadableError" || n === "TrackStartError" || n === "AbortError") return T.device_busy;
    return T.device_error + (err && err.message ? " (" + err.message + ")" : "");
  }

  function startPreview() {
    showError("");
    if (!window.isSecureContext) { showError(T.insecure); $("join").disabled = false; return Promise.resolve(); }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.RTCPeerConnection) {
      showError(T.no_support);
      $("phone-fallback").open = true;
      return Promise.resolve();
    }
    if (localStream) localStream.getTracks().forEach(function (t) { t.stop(); });
    var video = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 15, max: 24 } };
    return navigator.mediaDevices.getUserMedia({ video: video, audio: true })
      .catch(function (err) {
        if (err && (err.name === "NotFoundError" || err.name === "OverconstrainedError")) {
          // no camera: try the microphone alone, then nothing (watch only)
          return navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
            showError(T.no_camera);
            return s;
          }, function () { showError(T.no_devices); $("phone-fallback").open = true; return null; });
        }
        showError(describe(err));
        $("phone-fallback").open = true;
        return null;
      })
      .then(function (stream) {
        localStream = stream;
        var hasVideo = !!(stream && stream.getVideoTracks().length);
        var hasAudio = !!(stream && stream.getAudioTracks().length);
        $("cam-status").textContent = hasVideo ? T.ok + " (" + stream.getVideoTracks()[0].label + ")" : T.none;
        $("mic-status").textContent = hasAudio ? T.ok + " (" + stream.getAudioTracks()[0].label + ")" : T.none;
        $("preview").srcObject = stream;
        if (hasAudio) meter(stream);
        $("join").disabled = false;
      });
  }

  function meter(stream) {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      if (micMeter) micMeter.close();
      micMeter = new Ctx();
      var src = micMeter.createMediaStreamSource(stream);
      var an = micMeter.createAnalyser();
      an.fftSize = 256;
      src.connect(an);
      var buf = new Uint8Array(an.fftSize);
      var tick = function () {
        if (!micMeter || micMeter.state === "closed") return;
        an.getByteTimeDomainData(buf);
        var peak = 0;
        for (var i = 0; i < buf.length; i++) peak = Math.max(peak, Math.abs(buf[i] - 128) / 128);
        $("mic-level").value = peak;
        if (!joined) setTimeout(tick, 100);
      };
      tick();
    } catch (e) { /* the meter is a nicety */ }
  }

  // ------------------------------------------------------------------ tiles

  function tile(id, name, local) {
    var box = document.createElement("figure");
    box.className = "room-tile";
    box.setAttribute("data-peer", local ? "me" : String(id));
    var v = document.createElement("video");
    v.autoplay = true;
    v.playsInline = true;
    v.className = "room-video";
    if (local) v.muted = true;
    var cap = document.createElement("figcaption");
    var label = document.createElement("span");
    label.textContent = local ? name + "（" + T.me + "）" : name;
    var st = document.createElement("span");
    st.className = "room-state";
    st.textContent = local ? "" : T.connecting;
    cap.appendChild(label);
    cap.appendChild(st);
    box.appendChild(v);
    box.appendChild(cap);
    $("tiles").appendChild(box);
    return { box: box, video: v, state: st };
  }

  function waitingNotice() {
    notice(Object.keys(peers).length ? "" : T.waiting);
  }

  // ------------------------------------------------------------------ peer connections

  function send(item) {
    outbox.push(item);
    if (!sending) flush();
  }
  function flush() {
    if (!outbox.length || stopped) { sending = false; return; }
    sending = true;
    var items = outbox.splice(0, 50);
    post(cfg.urls.signal, { epoch: epoch, items: items }).then(flush, function (err) {
      if (err.status === 403 || err.status === 409 || err.status === 410) { sending = false; return; }
      outbox = items.concat(outbox);
      sleep(1000).then(flush);
    });
  }

  function closePeer(id) {
    var p = peers[id];
    if (!p) return;
    try { p.pc.close(); } catch (e) { /* already closed */ }
    if (p.tile.box.parentNode) p.tile.box.parentNode.removeChild(p.tile.box);
    delete peers[id];
    waitingNotice();
  }

  function makePeer(id, peerEpoch, offerer) {
    closePeer(id);
    var name = (present[id] && present[id].name) || "";
    var pc = new RTCPeerConnection({ iceServers: iceServers, iceTransportPolicy: icePolicy });
    var p = { pc: pc, epoch: peerEpoch, tile: tile(id, name, false), pending: [], name: name, offerer: offerer,
              tries: 0 };
    peers[id] = p;
    if (localStream && localStream.getTracks().length) {
      localStream.getTracks().forEach(function (t) { pc.addTrack(t, localStream); });
      if (!localStream.getVideoTracks().length) pc.addTransceiver("video", { direction: "recvonly" });
    } else {
      pc.addTransceiver("audio", { direction: "recvonly" });
      pc.addTransceiver("video", { direction: "recvonly" });
    }
    pc.onicecandidate = function (e) {
      if (e.candidate) send({ to: id, kind: "candidate", payload: { c: e.candidate.toJSON(), to_epoch: peerEpoch } });
    };
    pc.ontrack = function (e) {
      var stream = e.streams && e.streams[0] ? e.streams[0] : new MediaStream([e.track]);
      if (p.tile.video.srcObject !== stream) p.tile.video.srcObject = stream;
      var playing = p.tile.video.play();
      if (playing && playing.catch) playing.catch(function () { /* autoplay refused: shown on tap */ });
      if (recorder) recorder.addStream(stream);
    };
    pc.onconnectionstatechange = function () {
      var s = pc.connectionState;
      p.tile.state.textContent = s === "connected" ? T.connected : s === "failed" ? T.network_blocked
        : s === "disconnected" ? T.reconnecting : T.connecting;
      p.tile.box.classList.toggle("room-failed", s === "failed");
      if (s === "failed" && p.offerer && p.tries < 3 && peers[id] === p) {
        var tries = p.tries + 1;
        sleep(2000).then(function () {
          if (peers[id] === p && present[id]) { makePeer(id, p.epoch, true).tries = tries; offer(id); }
        });
      }
    };
    var key = id + ":" + peerEpoch;
    if (early[key]) { p.pending = early[key]; delete early[key]; }
    waitingNotice();
    return p;
  }

  function offer(id) {
    var p = peers[id];
    p.pc.createOffer().then(function (o) { return p.pc.setLocalDescription(o); }).then(function () {
      send({ to: id, kind: "offer", payload: { sdp: p.pc.localDescription.toJSON(), to_epoch: p.epoch } });
    }).catch(function (e) { showError(T.device_error + " " + e); });
  }

  function flushCandidates(p) {
    var list = p.pending;
    p.pending = [];
    list.forEach(function (c) { p.pc.addIceCandidate(c).catch(function () { /* stale candidate */ }); });
  }

  function onSignal(m) {
    var payload;
    try { payload = JSON.parse(m.payload); } catch (e) { return; }
    if (!payload || payload.to_epoch !== epoch) return;   // meant for an earlier page load
    var id = m.from;
    var p = peers[id];
    if (m.kind === "offer") {
      if (!p || p.epoch !== m.epoch || p.pc.signalingState !== "stable") p = makePeer(id, m.epoch, false);
      p.pc.setRemoteDescription(payload.sdp)
        .then(function () { flushCandidates(p); return p.pc.createAnswer(); })
        .then(function (a) { return p.pc.setLocalDescription(a); })
        .then(function () {
          send({ to: id, kind: "answer", payload: { sdp: p.pc.localDescription.toJSON(), to_epoch: m.epoch } });
        }).catch(function (e) { showError(T.device_error + " " + e); });
    } else if (m.kind === "answer") {
      if (p && p.epoch === m.epoch && p.pc.signalingState === "have-local-offer") {
        p.pc.setRemoteDescription(payload.sdp).then(function () { flushCandidates(p); })
          .catch(function (e) { showError(T.device_error + " " + e); });
      }
    } else if (m.kind === "candidate") {
      if (p && p.epoch === m.epoch) {
        if (p.pc.remoteDescription) p.pc.addIceCandidate(payload.c).catch(function () { /* stale */ });
        else p.pending.push(payload.c);
      } else {
        var key = id + ":" + m.epoch;
        (early[key] = early[key] || []).push(payload.c);
      }
    } else if (m.kind === "bye") {
      if (p && p.epoch === m.epoch) closePeer(id);
    }
  }

  function onPeers(list) {
    var seen = {};
    list.forEach(function (o) {
      seen[o.id] = true;
      present[o.id] = o;
      var p = peers[o.id];
      if (p) {
        p.name = o.name;
        p.tile.box.querySelector("figcaption span").textContent = o.name;
      }
      if (me < o.id && o.epoch && (!p || p.epoch !== o.epoch)) {
        makePeer(o.id, o.epoch, true);
        offer(o.id);
      }
    });
    Object.keys(peers).forEach(function (id) {
      if (!seen[id]) { delete present[id]; closePeer(id); }
    });
  }

  // ------------------------------------------------------------------ room state (recording, draft)

  function onInfo(d) {
    info = d;
    var rs = $("record-status");
    if (d.recording) rs.textContent = "● " + T.recording;
    else if (d.record_requested) rs.textContent = T.record_requested;
    else rs.textContent = "";
    rs.classList.toggle("text-danger", !!d.recording);
    if (!isMediator) {
      var needConsent = d.record_requested && !cfg.consented;
      $("consent-prompt").classList.toggle("d-none", !needConsent);
    } else {
      $("btn-record-request").classList.toggle("d-none", !!d.record_requested);
      $("btn-record-start").classList.toggle("d-none", !d.record_requested || !!recorder);
    }
    var draft = d.draft;
    $("draft-view").classList.toggle("d-none", !draft);
    $("draft-empty").classList.toggle("d-none", !!draft);
    if (draft) {
      $("draft-terms-view").textContent = draft.terms;
      $("draft-deadline-view").textContent = draft.deadline;
      $("draft-pdf").href = draft.url;
      $("draft-confirmations").textContent = draft.confirmations.length
        ? T.confirmed_by + draft.confirmations.map(function (c) { return c.name + " " + c.at; }).join("；")
        : T.nobody_confirmed;
      if (!isMediator) {
        var btn = $("btn-confirm");
        btn.disabled = !!draft.confirmed;
        btn.textContent = draft.confirmed ? T.confirmed : btn.getAttribute("data-label");
      }
    }
  }

  // ------------------------------------------------------------------ joining and polling

  function stop(message, isError) {
    stopped = true;
    Object.keys(peers).forEach(closePeer);
    if (localStream) localStream.getTracks().forEach(function (t) { t.stop(); });
    if (isError) showError(message); else notice(message);
    $("room").classList.add("d-none");
    $("precheck").classList.add("d-none");
  }

  function join() {
    $("join").disabled = true;
    showError("");
    var consent = $("consent") ? $("consent").checked : false;
    post(cfg.urls.join, { epoch: epoch, consent: consent }).then(function (d) {
      joined = true;
      me = d.me;
      api.me = me;
      iceServers = d.ice_servers || [];
      last = d.last || 0;
      if (consent) cfg.consented = true;
      $("precheck").classList.add("d-none");
      $("room").classList.remove("d-none");
      var mine = tile("me", cfg.name, true);
      mine.video.srcObject = localStream;
      onPeers(d.peers || []);
      onInfo(d);
      waitingNotice();
      poll();
    }, function (err) {
      $("join").disabled = false;
      if (err.code === "consent") { $("consent-box").classList.remove("d-none"); $("consent").focus(); }
      if (err.code === "closed" || err.code === "expired" || err.code === "unknown") stop(err.message, true);
      else showError(err.message || T.network_lost);
    });
  }

  function poll() {
    if (stopped) return;
    request("GET", cfg.urls.poll + "?epoch=" + epoch + "&after=" + last).then(function (d) {
      if (netFailures) { netFailures = 0; showError(""); }
      if (d.replaced) { stop(T.replaced, true); return; }
      d.messages.forEach(onSignal);
      last = d.last;
      onPeers(d.peers);
      onInfo(d);
    }, function (err) {
      if (err.status === 410 || err.status === 404 || err.status === 403) { stop(err.message || T.closed, true); return; }
      netFailures += 1;
      if (netFailures >= 3) showError(T.network_lost);
    }).then(function () {
      if (stopped) return;
      var busy = Object.keys(peers).some(function (id) { return peers[id].pc.connectionState !== "connected"; });
      setTimeout(poll, busy ? 400 : 1000);
    });
  }

  function leave() {
    if (!joined || stopped) return;
    var fd = new FormData();
    fd.append("csrfmiddlewaretoken", csrf());
    if (navigator.sendBeacon) navigator.sendBeacon(cfg.urls.leave + "?epoch=" + epoch, fd);
  }

  // ------------------------------------------------------------------ controls

  function toggleTrack(kind, button, onText, offText) {
    if (!localStream) return;
    var tracks = kind === "audio" ? localStream.getAudioTracks() : localStream.getVideoTracks();
    if (!tracks.length) return;
    var enabled = !tracks[0].enabled;
    tracks.forEach(function (t) { t.enabled = enabled; });
    button.textContent = enabled ? onText : offText;
    button.setAttribute("aria-pressed", enabled ? "false" : "true");
  }

  $("btn-mute").addEventListener("click", function () { toggleTrack("audio", this, T.mute, T.unmute); });
  $("btn-camera").addEventListener("click", function () { toggleTrack("video", this, T.camera_off, T.camera_on); });
  $("btn-leave").addEventListener("click", function () { leave(); stop(T.left, false); });
  $("retry-devices").addEventListener("click", startPreview);
  $("join").addEventListener("click", join);
  window.addEventListener("pagehide", leave);

  if (!isMediator) {
    $("btn-consent").addEventListener("click", function () {
      post(cfg.urls.consent).then(function () {
        cfg.consented = true;
        $("consent-prompt").classList.add("d-none");
        notice(T.consented);
      }, function (err) { showError(err.message); });
    });
    var confirmBtn = $("btn-confirm");
    confirmBtn.setAttribute("data-label", confirmBtn.textContent);
    confirmBtn.addEventListener("click", function () {
      if (!info.draft) return;
      confirmBtn.disabled = true;
      post(cfg.urls.confirm, { draft: info.draft.id, sha256: info.draft.sha256 }).then(function () {
        confirmBtn.textContent = T.confirmed;
        notice(T.confirmed);
      }, function (err) { confirmBtn.disabled = false; showError(err.message); });
    });
  } else {
    $("btn-record-request").addEventListener("click", function () {
      post(cfg.urls.record, { action: "request" }).then(function (d) {
        $("record-status").textContent = d.all_consented ? T.record_ready : T.record_waiting + d.missing.join("、");
      }, function (err) { showError(err.message); });
    });
    $("btn-record-start").addEventListener("click", function () {
      if (!window.MediaRecorder) { showError(T.no_recorder); return; }
      // The audio mixer is made inside the click (a user gesture): created later, when the
      // server's answer arrives, the browser may keep it suspended, and MediaRecorder then
      // waits for audio forever and writes nothing.
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var audio = new Ctx();
      audio.resume();
      post(cfg.urls.record, { action: "start" }).then(function () {
        recorder = startRecorder(audio);
        $("btn-record-start").classList.add("d-none");
        $("btn-record-stop").classList.remove("d-none");
      }, function (err) { audio.close(); showError(err.message); });
    });
    $("btn-record-stop").addEventListener("click", function () {
      var r = recorder;
      if (!r) return;
      $("btn-record-stop").disabled = true;
      r.finish().then(function (blob) {
        recorder = null;
        $("btn-record-stop").classList.add("d-none");
        $("btn-record-stop").disabled = false;
        post(cfg.urls.record, { action: "stop" }).catch(function () { /* the upload matters more */ });
        return uploadRecording(blob);
      });
    });
    $("btn-close").addEventListener("click", function () {
      if (!window.confirm(T.close_confirm)) return;
      var finishing = recorder ? recorder.finish().then(uploadRecording) : Promise.resolve();
      recorder = null;
      finishing.then(function () { return post(cfg.urls.close); }).then(function (d) {
        stop(T.closed, false);
        if (d.case_url) window.location.href = d.case_url;
      }, function (err) { showError(err.message); });
    });
    $("share-form").addEventListener("submit", function (e) {
      e.preventDefault();
      post(cfg.urls.share, { terms: $("draft-terms").value, performance_deadline: $("draft-deadline").value })
        .then(function () { notice(T.shared); }, function (err) { showError(err.message); });
    });
  }

  // ------------------------------------------------------------------ recording (mediator)

  function startRecorder(audio) {
    var canvas = document.createElement("canvas");
    canvas.width = 1280;
    canvas.height = 720;
    var g = canvas.getContext("2d");
    if (audio.state !== "running") audio.resume();
    var mix = audio.createMediaStreamDestination();
    var added = [];
    function addStream(stream) {
      if (!stream || added.indexOf(stream) >= 0 || !stream.getAudioTracks().length) return;
      added.push(stream);
      audio.createMediaStreamSource(stream).connect(mix);
    }
    addStream(localStream);
    Object.keys(peers).forEach(function (id) { addStream(peers[id].tile.video.srcObject); });
    var timer = setInterval(function () {
      var vids = Array.prototype.slice.call(document.querySelectorAll("#tiles video"));
      var cols = vids.length > 1 ? 2 : 1;
      var rows = Math.ceil(vids.length / cols) || 1;
      var w = canvas.width / cols;
      var h = canvas.height / rows;
      g.fillStyle = "#111";
      g.fillRect(0, 0, canvas.width, canvas.height);
      vids.forEach(function (v, i) {
        if (v.readyState >= 2) g.drawImage(v, (i % cols) * w, Math.floor(i / cols) * h, w, h);
      });
      g.fillStyle = "#fff";
      g.font = "20px sans-serif";
      g.fillText(new Date().toLocaleString(), 12, canvas.height - 12);
    }, 1000 / 15);
    var stream = canvas.captureStream(15);
    mix.stream.getAudioTracks().forEach(function (t) { stream.addTrack(t); });
    var type = ["video/webm;codecs=vp8,opus", "video/webm"].filter(function (t) {
      return MediaRecorder.isTypeSupported(t);
    })[0];
    var mr = new MediaRecorder(stream, type ? { mimeType: type, videoBitsPerSecond: 800000 } : {});
    var parts = [];
    api.recording = { chunks: 0, bytes: 0, error: "", audio: audio };
    mr.ondataavailable = function (e) {
      if (e.data && e.data.size) { parts.push(e.data); api.recording.chunks += 1; api.recording.bytes += e.data.size; }
    };
    mr.onerror = function (e) { api.recording.error = String(e.error || e); showError(T.no_recorder + " " + e.error); };
    mr.start(1000);
    $("record-status").textContent = "● " + T.recording;
    return {
      addStream: addStream,
      finish: function () {
        return new Promise(function (ok) {
          mr.onstop = function () {
            clearInterval(timer);
            audio.close();
            ok(new Blob(parts, { type: "video/webm" }));
          };
          mr.stop();
        });
      }
    };
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); })
      .join("");
  }

  function uploadRecording(blob) {
    var status = $("record-status");
    var name = "session-" + Date.now() + ".webm";
    var digest = blob.arrayBuffer().then(function (buf) { return crypto.subtle.digest("SHA-256", buf); }).then(hex);
    function chunks(up, failures) {
      if (up.received >= blob.size) return Promise.resolve(up);
      var end = Math.min(up.received + up.chunk, blob.size);
      var url = cfg.upload_chunk.replace("00000000-0000-0000-0000-000000000000", up.upload) + "?offset=" + up.received;
      return request("POST", url, blob.slice(up.received, end), "application/octet-stream").then(function (d) {
        up.received = d.received;
        status.textContent = T.uploading + " " + Math.floor(up.received * 100 / blob.size) + "%";
        return chunks(up, 0);
      }, function (err) {
        if (failures >= 10) throw err;
        // back off, then continue from what the server has (it answers with its offset)
        return sleep(Math.min(15000, 500 * Math.pow(2, failures))).then(function () { return chunks(up, failures + 1); });
      });
    }
    status.textContent = T.uploading;
    return post(cfg.urls.upload_start, { name: name, size: blob.size })
      .then(function (up) { return chunks(up, 0); })
      .then(function (up) { return post(cfg.upload_finish.replace("00000000-0000-0000-0000-000000000000", up.upload)); })
      .then(function (res) {
        return digest.then(function (local) {
          api.uploads.push({ local: local, server: res.sha256, size: res.size });
          if (local === res.sha256) status.textContent = T.uploaded + " " + res.sha256;
          else showError(T.upload_mismatch);
        });
      }, function (err) { showError(T.upload_failed + err.message); });
  }

  startPreview();
})();
