/* Hall screen: loop the playlist forever, no clicks. Reloads the page now and then so staff
   changes to the playlist appear without anyone touching the screen. */
(function () {
  "use strict";
  var items = JSON.parse(document.getElementById("screen-items").textContent || "[]");
  var video = document.getElementById("screen-video");
  var title = document.getElementById("screen-title");
  var qr = document.getElementById("screen-qr");
  var cfg = window.PUFA_SCREEN || {};
  var index = 0, started = Date.now(), failures = 0;
  if (!items.length) { setTimeout(function () { location.reload(); }, 60000); return; }

  function play(i) {
    var item = items[i];
    index = i;
    while (video.firstChild) video.removeChild(video.firstChild);
    video.src = item.url;
    if (item.poster) video.poster = item.poster;
    if (cfg.subtitles && item.subtitles.length) {
      var t = document.createElement("track");
      t.kind = "subtitles"; t.src = item.subtitles[0]; t.default = true; t.srclang = "zh";
      video.appendChild(t);
    }
    title.textContent = item.title;
    qr.innerHTML = item.qr;  // SVG made by the server from the page address
    var p = video.play();
    if (p && p.catch) {
      p.catch(function () { video.muted = true; video.play().catch(function () {}); });
    }
  }
  function next() {
    if (Date.now() - started > (cfg.reloadMinutes || 60) * 60000) { location.reload(); return; }
    play((index + 1) % items.length);
  }
  video.addEventListener("ended", next);
  video.addEventListener("error", function () {
    failures += 1;
    if (failures > items.length * 3) { setTimeout(function () { location.reload(); }, 30000); return; }
    setTimeout(next, 2000);
  });
  video.addEventListener("playing", function () { failures = 0; });
  document.addEventListener("dblclick", function () {
    if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () {});
  });
  play(0);
})();
