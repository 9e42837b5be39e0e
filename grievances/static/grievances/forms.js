/* Cascading region picker (county → township → village) and upload progress bar.
   Without JavaScript the form still submits normally. */
(function () {
  "use strict";
  function picker(root) {
    var hidden = document.getElementById(root.dataset.target);
    var url = root.dataset.url;
    var labels = JSON.parse(root.dataset.labels);
    var preset = JSON.parse(root.dataset.selected || "[]");
    var selects = [];
    function load(level, parent, chosen) {
      selects.slice(level).forEach(function (s) { s.parentNode.removeChild(s); });
      selects = selects.slice(0, level);
      if (level >= labels.length) { return; }
      fetch(url + "?parent=" + encodeURIComponent(parent || ""), {headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (!data.regions.length) { return; }
          var s = document.createElement("select");
          s.className = "form-select mb-2";
          s.setAttribute("aria-label", labels[level]);
          var o = document.createElement("option");
          o.value = ""; o.textContent = labels[level];
          s.appendChild(o);
          data.regions.forEach(function (r) {
            var opt = document.createElement("option");
            opt.value = r.code; opt.textContent = r.name;
            if (chosen && chosen[0] === r.code) { opt.selected = true; }
            s.appendChild(opt);
          });
          if (!chosen && level === 0 && data.regions.length === 1) { s.options[1].selected = true; chosen = [data.regions[0].code]; }
          s.addEventListener("change", function () {
            hidden.value = s.value || (level > 0 ? selects[level - 1].value : "");
            if (s.value) {
              load(level + 1, s.value, null);
            } else {
              selects.slice(level + 1).forEach(function (x) { x.parentNode.removeChild(x); });
              selects = selects.slice(0, level + 1);
            }
          });
          root.appendChild(s);
          selects.push(s);
          if (s.value) { hidden.value = s.value; }
          if (chosen && chosen.length && s.value) { load(level + 1, s.value, chosen.length > 1 ? chosen.slice(1) : null); }
        });
    }
    load(0, root.dataset.root || "", preset.length ? preset.map(function (r) { return r.code; }) : null);
  }
  document.querySelectorAll("[data-region-picker]").forEach(picker);

  document.querySelectorAll("[data-geo]").forEach(function (box) {
    if (!navigator.geolocation) { return; }
    box.classList.remove("d-none");
    var status = box.querySelector("[data-geo-status]");
    box.querySelector("button").addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById(box.dataset.lat).value = pos.coords.latitude.toFixed(6);
        document.getElementById(box.dataset.lng).value = pos.coords.longitude.toFixed(6);
        status.textContent = box.dataset.ok;
      }, function () { status.textContent = box.dataset.fail; }, {enableHighAccuracy: true, timeout: 10000});
    });
  });

  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      var hasFiles = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (i) {
        return i.files && i.files.length;
      });
      if (!hasFiles || !window.XMLHttpRequest || !window.FormData) { return; }
      ev.preventDefault();
      var bar = form.querySelector(".progress");
      var inner = bar.querySelector(".progress-bar");
      bar.classList.remove("d-none");
      var btn = form.querySelector("[type=submit]");
      if (btn) { btn.disabled = true; }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var p = Math.round(e.loaded * 100 / e.total);
          inner.style.width = p + "%"; inner.textContent = p + "%";
          inner.setAttribute("aria-valuenow", p);
        }
      });
      xhr.onload = function () {
        if (xhr.responseURL && xhr.responseURL !== (form.action || window.location.href) && xhr.status < 400) {
          window.location.href = xhr.responseURL;
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      };
      xhr.onerror = function () {
        if (btn) { btn.disabled = false; }
        bar.classList.add("d-none");
        alert(form.dataset.neterror);
      };
      xhr.send(new FormData(form));
    });
  });
})();
