/* "把受理编号保存为图片": draw the tracking number large on a canvas and download it as a PNG,
   which a phone keeps in its photos or downloads (no server round trip, works offline). */
(function () {
  document.querySelectorAll("[data-save-image]").forEach(function (button) {
    var status = button.parentNode.querySelector("[data-save-image-status]");
    button.addEventListener("click", function () {
      var w = 1080, h = 720, canvas = document.createElement("canvas");
      canvas.width = w; canvas.height = h;
      var c = canvas.getContext("2d");
      c.fillStyle = "#ffffff"; c.fillRect(0, 0, w, h);
      c.fillStyle = "#0d6efd"; c.fillRect(0, 0, w, 120);
      c.textAlign = "center"; c.textBaseline = "middle";
      var font = "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', 'WenQuanYi Micro Hei', sans-serif";
      c.fillStyle = "#ffffff"; c.font = "bold 48px " + font;
      c.fillText(button.dataset.heading, w / 2, 60);
      c.fillStyle = "#111111"; c.font = "bold 88px monospace";
      c.fillText(button.dataset.number, w / 2, 260);
      c.font = "40px " + font; c.fillStyle = "#333333";
      (button.dataset.lines || "").split("|").forEach(function (line, i) {
        c.fillText(line, w / 2, 390 + i * 70, w - 80);
      });
      canvas.toBlob(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = button.dataset.filename;
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        if (status) { status.textContent = button.dataset.done; }
      }, "image/png");
    });
  });
})();
