// 亮证核验: scan the holder's QR code with the camera where the browser can (BarcodeDetector), then submit.
// A scanner gun types the token into the field and presses Enter, which submits the form as it is.
(function () {
  "use strict";
  var button = document.getElementById("scan-camera");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var field = document.getElementById("token");
  if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      status.textContent = button.getAttribute("data-scanning") || "…";
      var timer = setInterval(function () {
        detector.detect(video).then(function (codes) {
          if (!codes.length) { return; }
          clearInterval(timer);
          stream.getTracks().forEach(function (t) { t.stop(); });
          video.hidden = true;
          field.value = codes[0].rawValue;
          document.getElementById("cause").focus();
        }).catch(function () {});
      }, 300);
    }).catch(function (error) { status.textContent = String(error); });
  });
  // A scanner gun ends with Enter: keep it in the token field instead of submitting without a cause.
  field.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); document.getElementById("cause").focus(); }
  });
})();
