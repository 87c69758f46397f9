/*
 * CunyueScanner: read QR codes continuously from the phone camera, with a typed fallback.
 *
 * Reused by the host's check-in page and the shop's counter page. Drop the block in with the
 * Jinja macro in templates/_scanner.html (which also loads this file), then:
 *
 *   var scanner = CunyueScanner.mount(document.getElementById("scanner"), {
 *     onPayload: function (text, how) { ... },   // how: "camera" or "typed"
 *     messages: {insecure: "...", denied: "...", unavailable: "..."}  // optional overrides
 *   });
 *   scanner.stop();                              // release the camera
 *   CunyueScanner.feedback("ok" | "warn" | "error");  // beep (unless muted) and vibration
 *
 * Lower level: CunyueScanner.start({video, onPayload, onError, interval, repeatMs}) returns
 * {stop}. onError receives "insecure" (no HTTPS), "denied" (permission refused),
 * "unavailable" (no camera) or "unsupported" (old browser).
 *
 * Decoding uses the browser's BarcodeDetector when it supports QR codes (Android's Chrome),
 * else ZXing-C++ (Apache-2.0) compiled to WebAssembly (zxing-wasm and the barcode-detector
 * ponyfill, both MIT, served from /static/vendor/ with their licences) in a Web Worker (decode-worker.js) on the centre
 * square of the frame scaled to at most 400 px: frame after frame, off the page's thread.
 * Where no worker or no WebAssembly can run, jsQR (/static/vendor/, Apache-2.0) on the
 * page's thread, a few times a second, on a frame scaled to at most 480 px. The same code is reported
 * again only after `repeatMs` (default 2.5 s), so holding a card in view does not rescan it.
 * No inline script is needed (the CSP forbids it).
 */
(function (global) {
  "use strict";

  var MAX_SIDE = 480;
  // Worker decoders: the centre square of the frame (where the card is held), scaled to at
  // most CROP_SIDE px.
  var CROP_SIDE = 400;
  var WORKER_FRAME_MS = 40;
  var DEFAULT_DECODER = "auto";
  // ZXing (WebAssembly) reads 98–100% of a held card's frames at ~9–15 ms each on a 6×
  // throttled CPU, jsQR in the same worker 15–99% at ~26–190 ms (bench/README.md, "Scan
  // latency"): ZXing, and jsQR only where WebAssembly or workers cannot run.
  var WORKER_ENGINE = "zxing";
  // A page under measurement (bench/scan.py) sets window.CunyueScannerProbe:
  // {decoder, repeatMs, attempt(ok, ms), decoded(text)}. Nothing else does.
  var probe = global.CunyueScannerProbe || null;

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

  // jsQR on the page's thread is the fallback: until the worker is ready, and where no worker
  // can run. It is fetched once a camera has started on a browser without a QR detector of
  // its own, not with the page: 57 KB that held the counter's first paint and its typed
  // fallback to 5 s on a village line (bench/README.md, "Phone pages on the slow line").
  // The host's service worker keeps the file, so it loads offline too.
  var jsqrFailedAt = 0;
  function loadJsQR(url) {
    if (global.jsQR || !url || document.querySelector("script[data-jsqr]")) return;
    if (Date.now() - jsqrFailedAt < 5000) return;
    var script = document.createElement("script");
    script.src = url;
    script.setAttribute("data-jsqr", "");
    // Not fetched (no signal, nothing kept): the scanner asks again 5 s later.
    script.onerror = function () { script.remove(); jsqrFailedAt = Date.now(); };
    document.head.appendChild(script);
  }

  // A decoder in a Web Worker (app/static/js/decode-worker.js): resolves to
  // {decode(ImageData) -> Promise<text|null>} once the engine is loaded, or null.
  function makeWorker(engine, urls) {
    if (!global.Worker || !urls || !urls.worker) return Promise.resolve(null);
    return new Promise(function (resolve) {
      var worker;
      try { worker = new Worker(urls.worker); } catch (e) { resolve(null); return; }
      var pending = {};
      var seq = 0;
      var handle = null;
      worker.onmessage = function (event) {
        var m = event.data || {};
        if (m.type === "ready") {
          resolve(handle = {
            broken: false,
            decode: function (image) {
              seq += 1;
              var id = seq;
              return new Promise(function (done) {
                pending[id] = done;
                worker.postMessage({ type: "frame", id: id, image: image }, [image.data.buffer]);
              });
            },
            stop: function () { worker.terminate(); }
          });
        } else if (m.type === "failed") {
          worker.terminate();
          resolve(null);
        } else if (m.type === "result" && pending[m.id]) {
          var done = pending[m.id];
          delete pending[m.id];
          done(m.text);
        }
      };
      worker.onerror = function () {
        // Failed to start: no worker. Failed later: the frames waiting get no code, and the
        // scanner goes on with jsQR on the page's thread.
        worker.terminate();
        if (handle) {
          handle.broken = true;
          Object.keys(pending).forEach(function (id) { pending[id](null); });
          pending = {};
        }
        resolve(null);
      };
      worker.postMessage({ type: "init", engine: engine, urls: urls });
    });
  }

  function start(opts) {
    var video = opts.video;
    var onPayload = opts.onPayload;
    var onError = opts.onError || function () {};
    var interval = opts.interval || 150;
    var repeatMs = (probe && probe.repeatMs) || opts.repeatMs || 2500;
    var decoderName = (probe && probe.decoder) || opts.decoder || DEFAULT_DECODER;
    var stopped = false;
    var stream = null;
    var timer = null;
    var last = null;
    var lastAt = 0;
    var canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var detector = null;
    var worker = null;

    function report(text) {
      var now = Date.now();
      if (text === last && now - lastAt < repeatMs) { lastAt = now; return; }
      last = text;
      lastAt = now;
      if (probe && probe.decoded) probe.decoded(text);
      onPayload(text, "camera");
    }

    function attempted(text, started) {
      if (probe && probe.attempt) probe.attempt(!!text, Date.now() - started);
      if (text) report(text);
    }

    function decodeWithJsQR() {
      var w = video.videoWidth, h = video.videoHeight;
      if (!global.jsQR) { loadJsQR(opts.urls && opts.urls.jsqr); return; }
      if (!w || !h) return;
      var started = Date.now();
      var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var code = global.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
      attempted(code && code.data, started);
    }

    // The centre square of the frame, scaled down: all the worker decodes.
    function centreCrop() {
      var w = video.videoWidth, h = video.videoHeight;
      if (!w || !h) return null;
      var side = Math.min(w, h);
      var out = Math.min(CROP_SIDE, side);
      canvas.width = out;
      canvas.height = out;
      ctx.drawImage(video, (w - side) / 2, (h - side) / 2, side, side, 0, 0, out, out);
      return ctx.getImageData(0, 0, out, out);
    }

    function tick() {
      if (stopped) return;
      var next = function () { if (!stopped) timer = setTimeout(tick, interval); };
      if (video.readyState < 2) { next(); return; }
      if (worker && worker.broken) worker = null;
      if (worker) {
        var image = centreCrop();
        if (!image) { next(); return; }
        var started = Date.now();
        worker.decode(image).then(function (text) {
          attempted(text, started);
          // The page's thread is free while the worker decodes: the next frame as soon as
          // the camera can have a new one (at most 25 a second).
          if (!stopped) timer = setTimeout(tick, Math.max(0, WORKER_FRAME_MS - (Date.now() - started)));
        });
        return;
      }
      if (detector) {
        var began = Date.now();
        detector.detect(video).then(function (codes) {
          attempted(codes && codes.length ? codes[0].rawValue : null, began);
        }, function () { detector = null; fallBack(); }).then(next);
        return;
      }
      try { decodeWithJsQR(); } catch (e) { /* a bad frame: try the next one */ }
      next();
    }

    // "auto": the browser's own BarcodeDetector when it reads QR codes, else WORKER_ENGINE in
    // a worker. Until the worker is ready, and if it cannot start, jsQR on the page's thread
    // ("main-jsqr").
    function makeDecoder() {
      var native = decoderName === "auto" || decoderName === "native" ? makeDetector()
        : Promise.resolve(null);
      return native.then(function (d) {
        if (d) { detector = d; return; }
        fallBack();
      });
    }

    // No native detector, or one that failed: the worker, and jsQR on the page's thread until
    // it is ready or where none can start.
    function fallBack() {
      loadJsQR(opts.urls && opts.urls.jsqr);
      var name = decoderName === "auto" || decoderName === "native"
        ? "worker-" + WORKER_ENGINE : decoderName;
      if (name.indexOf("worker-") !== 0) return;
      // Not awaited: jsQR scans on the page's thread until the worker is ready (the first
      // visit on a slow line downloads 0.46 MB of WebAssembly; later visits have it cached).
      makeWorker(name.slice(7), opts.urls).then(function (w) { if (!stopped) worker = w; else if (w) w.stop(); });
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
      return makeDecoder().then(tick);
    }, function (err) {
      onError(err && (err.name === "NotAllowedError" || err.name === "SecurityError")
        ? "denied" : "unavailable");
    });

    return {
      stop: function () {
        stopped = true;
        clearTimeout(timer);
        if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
        if (worker) worker.stop();
      }
    };
  }

  // Feedback a hall can hear: a generated beep (Web Audio, no sound file) and a vibration.
  // ok: one high beep; warn (a repeat, or a scan kept for later): two middle beeps; error
  // (an invalid card): one long low tone. Muting (the block's button, kept in localStorage)
  // silences the beep; the vibration stays. The last feedback is written on <html
  // data-last-feedback="kind:sound|muted"> for the tests.
  var MUTE_KEY = "cunyue.scanner.muted";
  var TONES = {
    ok: [[1047, 0, 0.12]],
    warn: [[523, 0, 0.09], [523, 0.14, 0.09]],
    error: [[196, 0, 0.45]]
  };
  var VIBRATIONS = { ok: 80, warn: [60, 60, 60], error: [200, 80, 200] };
  var audio = null;

  function isMuted() {
    try { return localStorage.getItem(MUTE_KEY) === "1"; } catch (e) { return false; }
  }
  function setMuted(muted) {
    try {
      if (muted) localStorage.setItem(MUTE_KEY, "1"); else localStorage.removeItem(MUTE_KEY);
    } catch (e) { /* private mode: this page only */ }
  }

  function audioContext() {
    var AC = global.AudioContext || global.webkitAudioContext;
    if (!AC) return null;
    audio = audio || new AC();
    if (audio.state === "suspended" && audio.resume) audio.resume();
    return audio;
  }

  function beep(kind) {
    var ac = audioContext();
    if (!ac) return;
    var t0 = ac.currentTime + 0.01;
    (TONES[kind] || TONES.error).forEach(function (tone) {
      var osc = ac.createOscillator();
      var gain = ac.createGain();
      osc.type = kind === "error" ? "square" : "sine";
      osc.frequency.value = tone[0];
      var on = t0 + tone[1], off = on + tone[2];
      // a short ramp in and out: no click
      gain.gain.setValueAtTime(0.0001, on);
      gain.gain.exponentialRampToValueAtTime(0.3, on + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, off);
      osc.connect(gain);
      gain.connect(ac.destination);
      osc.start(on);
      osc.stop(off + 0.02);
    });
  }

  function feedback(kind) {
    var muted = isMuted();
    try {
      if (navigator.vibrate) navigator.vibrate(VIBRATIONS[kind] || VIBRATIONS.error);
    } catch (e) { /* no vibration */ }
    if (!muted) {
      try { beep(kind); } catch (e) { /* no sound */ }
    }
    document.documentElement.setAttribute("data-last-feedback", kind + ":" + (muted ? "muted" : "sound"));
  }

  // The block's sound button: shows and switches the setting. A tap also unlocks the audio
  // (browsers start it only after a gesture on the page).
  function mountMute(button) {
    if (!button) return;
    function render() {
      var muted = isMuted();
      button.setAttribute("aria-pressed", muted ? "true" : "false");
      button.textContent = button.getAttribute(muted ? "data-label-muted" : "data-label-sound");
    }
    button.addEventListener("click", function () {
      setMuted(!isMuted());
      render();
      try { audioContext(); } catch (e) { /* no sound */ }
    });
    render();
  }
  document.addEventListener("pointerdown", function unlock() {
    document.removeEventListener("pointerdown", unlock);
    try { if (!isMuted()) audioContext(); } catch (e) { /* no sound */ }
  });

  function mount(root, opts) {
    var video = root.querySelector("video");
    var status = root.querySelector("[data-role=camera-status]");
    var form = root.querySelector("form[data-role=manual]");
    var messages = opts.messages || {};
    mountMute(root.querySelector("[data-role=mute]"));
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
      decoder: opts.decoder || root.getAttribute("data-decoder") || undefined,
      urls: {
        worker: root.getAttribute("data-worker"),
        jsqr: root.getAttribute("data-jsqr"),
        zxing: root.getAttribute("data-zxing"),
        wasm: root.getAttribute("data-wasm")
      },
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

  global.CunyueScanner = {
    start: start, mount: mount, feedback: feedback, isMuted: isMuted, setMuted: setMuted
  };
})(window);
