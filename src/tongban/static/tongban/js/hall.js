/* The hall's pages: the display board says each new call in order (one <audio> element, the phrases the
   platform made with espeak-ng); calls already on the board when it loads are not said again; the list keeps
   the last 8. The ticket page's print button. No external script; no inline script (the CSP). */
(function () {
  "use strict";
  var KEEP = 8;
  var queue = [];
  var playing = false;
  var enabled = false;

  function player() { return document.getElementById("hall-voice"); }

  function next() {
    var audio = player();
    if (!audio || !enabled || playing || !queue.length) { return; }
    playing = true;
    audio.src = queue.shift();
    var started = audio.play();
    if (started && started.catch) {
      started.catch(function () { playing = false; next(); });
    }
  }

  function scan(root, say) {
    var items = Array.prototype.slice.call((root || document).querySelectorAll("[data-event]:not([data-seen])"));
    items.sort(function (a, b) { return Number(a.dataset.event) - Number(b.dataset.event); });
    items.forEach(function (item) {
      item.setAttribute("data-seen", "1");
      if (say && item.dataset.voice) { queue.push(item.dataset.voice); }
    });
    var list = document.getElementById("recent-calls");
    if (list) {
      while (list.children.length > KEEP) { list.removeChild(list.lastElementChild); }
    }
    next();
  }

  document.addEventListener("DOMContentLoaded", function () {
    scan(document, false);
    var audio = player();
    if (audio) {
      audio.addEventListener("ended", function () { playing = false; next(); });
      audio.addEventListener("error", function () { playing = false; next(); });
    }
    var button = document.getElementById("voice-enable");
    if (button) {
      button.addEventListener("click", function () {
        enabled = !enabled;
        button.setAttribute("aria-pressed", enabled ? "true" : "false");
        next();
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
  document.addEventListener("htmx:afterSettle", function () { scan(document, true); });
  document.addEventListener("htmx:oobAfterSwap", function () { scan(document, true); });
})();
