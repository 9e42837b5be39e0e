/* "需要帮助？": on opening, fetch the centre to call for this reader's place (the page itself
   carries only the national line, so it stays cacheable and free of look-ups). */
(function () {
  document.querySelectorAll("[data-help] details").forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (!details.open || details.dataset.loaded) return;
      var slot = details.querySelector("[data-help-centre]");
      fetch(slot.dataset.url, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (info) {
          if (!info || !info.centre) return;
          details.dataset.loaded = "1";
          slot.textContent = "";
          slot.append(info.centre.name + "：");
          var a = document.createElement("a");
          a.href = "tel:" + info.centre.phone;
          a.className = "fw-semibold";
          a.textContent = info.centre.phone;
          slot.append(a);
        })
        .catch(function () { /* offline: the link to the help page stays */ });
    });
  });
})();
