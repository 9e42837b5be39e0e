// 我也遇到了: while the citizen types, ask for open appeals like this one nearby and offer to
// join one instead of filing again (the button submits the form to the join address).
(function () {
  "use strict";
  var box = document.querySelector("[data-similar]");
  if (!box) return;
  var form = box.closest("form");
  var list = box.querySelector("[data-similar-list]");
  var timer = null, last = "";
  function val(name) { var el = form.elements[name]; return el ? (el.value || "").trim() : ""; }
  function render(items) {
    list.textContent = "";
    items.forEach(function (it) {
      var li = document.createElement("li");
      li.className = "d-flex flex-wrap align-items-center gap-2 py-1 border-top";
      var text = document.createElement("span");
      text.className = "me-auto";
      text.textContent = it.title + " · " + it.place + " · " + it.date + " · " + it.state + " · " + it.reporters +
        box.dataset.labelReporters;
      li.appendChild(text);
      if (it.joined) {
        var done = document.createElement("span");
        done.className = "badge text-bg-success";
        done.textContent = box.dataset.labelJoined;
        li.appendChild(done);
      } else {
        var b = document.createElement("button");
        b.type = "submit";
        b.className = "btn btn-sm btn-warning";
        b.formAction = box.dataset.meToo.replace(/0\/$/, it.pk + "/");
        b.formNoValidate = true;
        b.textContent = box.dataset.labelButton;
        b.setAttribute("data-me-too-button", it.pk);
        li.appendChild(b);
      }
      list.appendChild(li);
    });
    box.classList.toggle("d-none", items.length === 0);
  }
  function ask() {
    var params = new URLSearchParams({
      region_code: val("region_code"), category: val("category"), title: val("title"),
      description: val("description"), lat: val("latitude"), lng: val("longitude")
    });
    var key = params.toString();
    if (key === last || val("region_code").length !== 12 || (val("title") + val("description")).length < 4) return;
    last = key;
    fetch(box.dataset.url + "?" + key, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) { render(data.items || []); })
      .catch(function () {});
  }
  function later() { clearTimeout(timer); timer = setTimeout(ask, 500); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  setInterval(ask, 2000);  // the region picker sets a hidden field without events
  ask();
})();
