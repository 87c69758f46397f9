/*
 * CunyueScanner: read QR codes continuously from the phone camera, with a typed fallback.
 *
 * Reused by the host's check-in page and the shop's counter page. Drop the block in with the
 * Jinja macro in templates/_scanner.html (which also loads this file and the decoder), then:
 *
 *   var scanner = CunyueScanner.mount(document.getElementById("scanner"), {
 *     onPayload: function (text, how) { ... },   // how: "camera" or "typed"
 *     messages: {insecure: "...", denied: "...", unavailable: "..."}  // optional overrides
 *   });
 *   scanner.stop();                              // release the camera
 *   CunyueScanner.feedback("ok" | "warn" | "error");  // short beep and vibration
 *
 * Lower level: CunyueScanner.start({video, onPayload, onError, interval, repeatMs}) returns
 * {stop}. onError receives "insecure" (no HTTPS), "denied" (permission refused),
 * "unavailable" (no camera) or "unsupported" (old browser).
 *
 * Decoding uses the browser's BarcodeDetector when it supports QR codes, else jsQR (served
 * from /static/vendor/, Apache-2.0, see jsQR.LICENSE.txt) on a frame scaled down to at most
 * 480 px, a few times a second, which old Android phones manage. The same code is reported
 * again only after `repeatMs` (default 2.5 s), so holding a card in view does not rescan it.
 * No inline script is needed (the CSP forbids it).
 */
(function (global) {
  "use strict";

  var MAX_SIDE = 480;

  function makeDetector() {
    if (!("BarcodeDetector" in global)) return Promise.resolve(null);
    try {
      return global.BarcodeDetector.getSupportedFormats().then(function (formats) {
        return formats.indexOf("qr_code") >= 0
          ? new global.BarcodeDetector({ formats: ["qr_code"] })
          : null;
      }, function () { return null; });
    } catch (e) {
      return Promise.resolve(null);
    }
  }

  function start(opts) {
    var video = opts.video;
    var onPayload = opts.onPayload;
    var onError = opts.onError || function () {};
    var interval = opts.interval || 150;
    var repeatMs = opts.repeatMs || 2500;
    var stopped = false;
    var stream = null;
    var timer = null;
    var last = null;
    var lastAt = 0;
    var canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var detector = null;

    function report(text) {
      var now = Date.now();
      if (text === last && now - lastAt < repeatMs) { lastAt = now; return; }
      last = text;
      lastAt = now;
      onPayload(text, "camera");
    }

    function decodeWithJsQR() {
      var w = video.videoWidth, h = video.videoHeight;
      if (!w || !h || !global.jsQR) return;
      var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var code = global.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
      if (code && code.data) report(code.data);
    }

    function tick() {
      if (stopped) return;
      var next = function () { if (!stopped) timer = setTimeout(tick, interval); };
      if (video.readyState < 2) { next(); return; }
      if (detector) {
        detector.detect(video).then(function (codes) {
          if (codes && codes.length) report(codes[0].rawValue);
        }, function () { detector = null; }).then(next);
        return;
      }
      try { decodeWithJsQR(); } catch (e) { /* a bad frame: try the next one */ }
      next();
    }

    if (!global.isSecureContext) { onError("insecure"); return { stop: function () {} }; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      onError("unsupported");
      return { stop: function () {} };
    }
    navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: "environment", width: { ideal: 640 }, height: { ideal: 480 } }
    }).then(function (s) {
      if (stopped) { s.getTracks().forEach(function (t) { t.stop(); }); return; }
      stream = s;
      video.setAttribute("playsinline", "");
      video.muted = true;
      video.srcObject = s;
      var played = video.play();
      if (played && played.catch) played.catch(function () {});
      return makeDetector().then(function (d) { detector = d; tick(); });
    }, function (err) {
      onError(err && (err.name === "NotAllowedError" || err.name === "SecurityError")
        ? "denied" : "unavailable");
    });

    return {
      stop: function () {
        stopped = true;
        clearTimeout(timer);
        if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      }
    };
  }

  var audio = null;
  function feedback(kind) {
    try {
      if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 80 : kind === "warn" ? [60, 60, 60] : [200, 80, 200]);
    } catch (e) { /* no vibration */ }
    try {
      var AC = global.AudioContext || global.webkitAudioContext;
      if (!AC) return;
      audio = audio || new AC();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = kind === "ok" ? 880 : kind === "warn" ? 520 : 220;
      gain.gain.value = 0.2;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + (kind === "error" ? 0.4 : 0.15));
    } catch (e) { /* no sound */ }
  }

  function mount(root, opts) {
    var video = root.querySelector("video");
    var status = root.querySelector("[data-role=camera-status]");
    var form = root.querySelector("form[data-role=manual]");
    var messages = opts.messages || {};
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var input = form.querySelector("input");
        var text = (input.value || "").trim();
        if (text) { opts.onPayload(text, "typed"); input.value = ""; }
      });
    }
    return start({
      video: video,
      onPayload: opts.onPayload,
      interval: opts.interval,
      repeatMs: opts.repeatMs,
      onError: function (kind) {
        root.classList.add("no-camera");
        if (status) {
          status.textContent = messages[kind] || root.getAttribute("data-msg-" + kind) || kind;
          status.hidden = false;
        }
        if (opts.onError) opts.onError(kind);
      }
    });
  }

  global.CunyueScanner = { start: start, mount: mount, feedback: feedback };
})(window);
