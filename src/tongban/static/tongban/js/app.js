// Tongban progressive enhancement. No inline scripts anywhere (CSP script-src 'self').
(function () {
  "use strict";
  // Disable a "send code" button for the throttle interval after it is used.
  function countdown(button, seconds) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.disabled = true;
    var left = seconds;
    var timer = setInterval(function () {
      left -= 1;
      button.textContent = label + " (" + left + ")";
      if (left <= 0) { clearInterval(timer); button.disabled = false; button.textContent = label; }
    }, 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-countdown]").forEach(function (button) {
      var seconds = parseInt(button.getAttribute("data-countdown"), 10);
      if (seconds > 0) { countdown(button, seconds); }
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
})();
