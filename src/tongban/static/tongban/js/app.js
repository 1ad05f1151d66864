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
// 亮证: count down the seconds left of a shown token (the QR refreshes itself through htmx).
(function () {
  "use strict";
  setInterval(function () {
    document.querySelectorAll("[data-expires]").forEach(function (el) {
      var left = Math.max(0, Math.round(parseInt(el.getAttribute("data-expires"), 10) - Date.now() / 1000));
      el.textContent = el.getAttribute("data-label-left") ? el.getAttribute("data-label-left").replace("%s", left) : left + " s";
    });
  }, 1000);
})();

// A button marked data-print-page prints the page (the 长三角 special window's receipt): no inline script (CSP).
(function () {
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print-page]")) { window.print(); }
  });
})();
