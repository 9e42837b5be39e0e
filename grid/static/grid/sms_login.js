/* SMS login: the 获取验证码 button counts down until a new code may be asked for, and
   the cursor goes to the code field once a code was sent. Without JavaScript the form
   still works: the server refuses a second code within the minute with a message. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-sms-login]");
  if (!form) { return; }
  var button = form.querySelector("[data-send-code]");
  var code = form.querySelector("#id_code");
  var left = parseInt(button.dataset.wait || "0", 10);
  function tick() {
    if (left > 0) {
      button.disabled = true;
      button.textContent = button.dataset.waitLabel.replace("%(s)s", String(left));
      left -= 1;
      window.setTimeout(tick, 1000);
    } else {
      button.disabled = false;
      button.textContent = button.dataset.label;
    }
  }
  if (left > 0) {
    tick();
    if (code) { code.focus(); }
  }
  var phone = form.querySelector("#id_phone");
  if (phone) {
    // Enter in the phone field asks for the code, as the button beside it does.
    phone.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault();
        if (!button.disabled) { button.click(); }
      }
    });
  }
  if (code) {
    code.addEventListener("input", function () {
      code.value = code.value.replace(/\D/g, "").slice(0, 6);
    });
  }
})();
