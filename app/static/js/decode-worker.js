/*
 * Decodes camera frames off the page's thread, so the page never stutters while it scans
 * (app/static/js/scanner.js posts the frames). One frame at a time: the page sends the next
 * only when this one is answered.
 *
 *   -> {type: "init", engine: "jsqr" | "zxing", urls: {jsqr, zxing, wasm}}
 *   <- {type: "ready", engine} or {type: "failed", engine, error}
 *   -> {type: "frame", id, image: ImageData}      (a downscaled, centre-cropped frame)
 *   <- {type: "result", id, text: "..." | null, ms}
 *
 * "jsqr" is jsQR (/static/vendor/jsQR.js); "zxing" is ZXing-C++ compiled to WebAssembly,
 * through the barcode-detector ponyfill (/static/vendor/barcode-detector.js), with its .wasm
 * from /static/vendor/ too, never from elsewhere. This script's answer carries a CSP that
 * allows compiling WebAssembly ('wasm-unsafe-eval'); the pages' own policy does not.
 */
/* global jsQR, BarcodeDetectionAPI */
"use strict";

var engine = null;
var detector = null;

function now() { return (self.performance && performance.now()) || Date.now(); }

function decodeJsQR(image) {
  var code = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
  return Promise.resolve(code && code.data ? code.data : null);
}

function decodeZXing(image) {
  return detector.detect(image).then(function (codes) {
    return codes && codes.length ? codes[0].rawValue : null;
  });
}

function init(message) {
  var urls = message.urls || {};
  engine = message.engine;
  try {
    if (engine === "zxing") {
      importScripts(urls.zxing);
      var api = BarcodeDetectionAPI;
      return Promise.resolve(api.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return /\.wasm$/.test(path) ? urls.wasm : prefix + path;
          }
        },
        fireImmediately: true
      })).then(function () {
        detector = new api.BarcodeDetector({ formats: ["qr_code"] });
      });
    }
    engine = "jsqr";
    importScripts(urls.jsqr);
    return Promise.resolve();
  } catch (e) {
    return Promise.reject(e);
  }
}

self.onmessage = function (event) {
  var message = event.data || {};
  if (message.type === "init") {
    init(message).then(function () {
      self.postMessage({ type: "ready", engine: engine });
    }, function (e) {
      self.postMessage({ type: "failed", engine: engine, error: String(e && e.message || e) });
    });
  } else if (message.type === "frame") {
    var started = now();
    var decode = engine === "zxing" ? decodeZXing : decodeJsQR;
    var answer = function (text) {
      self.postMessage({ type: "result", id: message.id, text: text, ms: now() - started });
    };
    try {
      decode(message.image).then(answer, function () { answer(null); });
    } catch (e) {
      answer(null);
    }
  }
};
