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

  /* Upload first, then reference: each chosen file goes up at once (photos shrunk in the
     browser first, so a 7 MB photo costs a few hundred KB on a slow line), the form keeps
     only references (hidden "staged" inputs), shown as thumbnails with a remove button.
     A form refused for a typo comes back with the same thumbnails. Without fetch or
     FormData the file input simply submits with the form as before. */
  function shrink(file, maxSide) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file).then(function (bmp) {
      var scale = Math.min(1, maxSide / Math.max(bmp.width, bmp.height));
      if (scale === 1 && file.size < 1024 * 1024) { return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bmp.width * scale);
      canvas.height = Math.round(bmp.height * scale);
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, {type: "image/jpeg"}));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  document.querySelectorAll("[data-staged]").forEach(function (box) {
    var form = box.closest("form");
    var input = form && form.querySelector("input[type=file][name=files]");
    var token = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!input || !token || !window.fetch || !window.FormData || !window.Promise) { return; }
    var list = box.querySelector("[data-staged-list]");
    var status = box.querySelector("[data-staged-status]");
    var maxSide = parseInt(box.dataset.maxSide || "1600", 10);
    function say(text, bad) {
      status.textContent = text || "";
      status.className = "small" + (bad ? " text-danger" : " text-muted");
    }
    function add(item) {
      var li = document.createElement("li");
      li.className = "staged-item border rounded p-1 text-center";
      li.style.width = "96px";
      li.setAttribute("data-staged-item", "");
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = "staged"; hidden.value = item.id;
      li.appendChild(hidden);
      if (item.thumb) {
        var img = document.createElement("img");
        img.src = item.thumb; img.alt = item.name; img.className = "img-fluid"; img.style.maxHeight = "72px";
        li.appendChild(img);
      } else {
        var name = document.createElement("div");
        name.className = "small text-break"; name.textContent = item.name;
        li.appendChild(name);
      }
      var remove = document.createElement("button");
      remove.type = "button"; remove.className = "btn btn-sm btn-outline-danger w-100 mt-1";
      remove.setAttribute("data-remove", ""); remove.dataset.url = item.discard;
      remove.textContent = box.dataset.removeLabel;
      li.appendChild(remove);
      list.appendChild(li);
    }
    function upload(file) {
      var data = new FormData();
      data.append("file", file, file.name);
      return fetch(box.dataset.url, {method: "POST", body: data, credentials: "same-origin",
                                     headers: {"X-CSRFToken": token.value}})
        .then(function (r) { return r.json().then(function (d) { return {ok: r.ok, data: d}; }); })
        .then(function (res) {
          if (res.ok) { add(res.data); } else { throw new Error(res.data.error || box.dataset.neterror); }
        });
    }
    list.addEventListener("click", function (ev) {
      var button = ev.target.closest("[data-remove]");
      if (!button) { return; }
      var item = button.closest("[data-staged-item]");
      var img = item.querySelector("img");
      item.parentNode.removeChild(item);
      var discard = function () {
        fetch(button.dataset.url, {method: "POST", credentials: "same-origin",
                                   headers: {"X-CSRFToken": token.value}}).catch(function () {});
      };
      // A thumbnail still on its way would otherwise be asked for after the file is gone (a 404):
      // the file is discarded once the browser has it.
      if (img && !img.complete) {
        img.addEventListener("load", discard, {once: true});
        img.addEventListener("error", discard, {once: true});
      } else {
        discard();
      }
    });
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) { return; }
      input.value = "";  // they travel now, not again with the form
      var submit = form.querySelector("[type=submit]:not(.visually-hidden)");
      if (submit) { submit.disabled = true; }
      say(box.dataset.uploading);
      var errors = [];
      files.reduce(function (chain, file) {
        return chain.then(function () { return shrink(file, maxSide); }).then(upload)
          .catch(function (err) { errors.push(err.message || box.dataset.neterror); });
      }, Promise.resolve()).then(function () {
        if (submit) { submit.disabled = false; }
        say(errors.join(" "), errors.length > 0);
      });
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
        // The signal dropped on the way: keep it on the phone as a draft (static/js/drafts.js).
        if (window.Drafts && form.hasAttribute("data-draft")) { window.Drafts.saveForm(form); return; }
        alert(form.dataset.neterror);
      };
      xhr.send(new FormData(form));
    });
  });
})();
