/* Runs pufa_upload.js under node against a fake server that drops the connection once.
   Usage: node upload_harness.js <pufa_upload.js> <size> <chunk> <failAtCall>; prints a JSON report. */
"use strict";
const fs = require("fs");
const vm = require("vm");
const [path, sizeArg, chunkArg, failArg] = process.argv.slice(2);
const size = parseInt(sizeArg, 10), chunk = parseInt(chunkArg, 10), failAt = parseInt(failArg, 10);

const data = Buffer.alloc(size);
for (let i = 0; i < size; i++) data[i] = (i * 7) % 251;
class FakeBlob { constructor(buf) { this.buf = buf; this.size = buf.length; }
  slice(a, b) { return new FakeBlob(this.buf.subarray(a, b)); } }
const file = new FakeBlob(data); file.name = "欠薪.mp4";

const server = { received: Buffer.alloc(0), calls: 0, finished: false, log: [] };
function respond(ok, body, status) {
  return Promise.resolve({ ok, status: status || (ok ? 200 : 400), statusText: "x", json: () => Promise.resolve(body) });
}
function fetch(url, opts) {
  server.calls += 1;
  server.log.push(url.replace(/\?.*/, "") + (url.includes("?") ? "?" + url.split("?")[1] : ""));
  if (url === "/start/") {
    return respond(true, { session: "s1", received: server.received.length, size, chunk,
                           chunk_url: "/chunk/", finish_url: "/finish/" });
  }
  if (url.startsWith("/chunk/")) {
    if (server.calls === failAt) return Promise.reject(new TypeError("network down"));  // dropped connection
    const offset = parseInt(url.split("offset=")[1], 10);
    if (offset === server.received.length) server.received = Buffer.concat([server.received, opts.body.buf]);
    return respond(true, { received: server.received.length, size });
  }
  if (url === "/finish/") { server.finished = true; return respond(true, { status: "pending", status_display: "等待处理", error: "" }); }
  return respond(false, { error: "unknown" });
}
class El { constructor() { this.listeners = {}; this.value = 0; this.textContent = ""; this.disabled = false; }
  addEventListener(t, f) { this.listeners[t] = f; } getAttribute(k) { return k === "data-start-url" ? "/start/" : null; } }
const els = { "pufa-upload": new El(), "pufa-upload-file": new El(), "pufa-upload-go": new El(),
              "pufa-upload-progress": new El(), "pufa-upload-status": new El() };
els["pufa-upload-file"].files = [file];
const document = { getElementById: (id) => els[id] || null,
                   querySelector: () => ({ value: "tok" }) };
const window = { PUFA_UPLOAD_TEXT: { uploading: "正在上传", retrying: "重试", finishing: "提交", done: "已提交：" } };
const ctx = vm.createContext({ document, window, fetch, JSON, Math, Promise, setTimeout, Error, parseInt });
vm.runInContext(fs.readFileSync(path, "utf8"), ctx);
els["pufa-upload-go"].listeners.click();
const poll = setInterval(() => {
  if (server.finished || server.calls > 500) {
    clearInterval(poll);
    setTimeout(() => process.stdout.write(JSON.stringify({
      finished: server.finished, identical: Buffer.compare(server.received, data) === 0,
      progress: els["pufa-upload-progress"].value, status: els["pufa-upload-status"].textContent, log: server.log,
    })), 20);
  }
}, 20);
