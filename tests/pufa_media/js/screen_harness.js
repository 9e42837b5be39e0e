/* Runs pufa_screen.js under node: the playlist loops with no clicks; a refused unmuted
   autoplay falls back to muted. Usage: node screen_harness.js <pufa_screen.js> <items.json> */
"use strict";
const fs = require("fs");
const vm = require("vm");
const [path, itemsPath] = process.argv.slice(2);
const items = fs.readFileSync(itemsPath, "utf8");
class El { constructor() { this.listeners = {}; this.children = []; this.textContent = ""; this.innerHTML = ""; }
  addEventListener(t, f) { (this.listeners[t] = this.listeners[t] || []).push(f); }
  dispatch(t) { (this.listeners[t] || []).forEach((f) => f({ type: t })); }
  appendChild(c) { this.children.push(c); return c; } removeChild(c) { this.children = this.children.filter((x) => x !== c); }
  get firstChild() { return this.children[0] || null; } }
const video = new El();
video.muted = false;
const played = [];
let refuseUnmuted = true;
video.play = function () {
  if (refuseUnmuted && !video.muted) return Promise.reject(new Error("NotAllowedError"));
  played.push({ src: video.src, muted: video.muted, tracks: video.children.length });
  return Promise.resolve();
};
const els = { "screen-items": { textContent: items }, "screen-video": video, "screen-title": new El(), "screen-qr": new El() };
const document = { getElementById: (id) => els[id], createElement: () => new El(), documentElement: {},
                   addEventListener() {} };
const ctx = vm.createContext({ document, window: { PUFA_SCREEN: { subtitles: true, reloadMinutes: 60 } },
                               location: { reload() {} }, JSON, Date, setTimeout, Promise });
vm.runInContext(fs.readFileSync(path, "utf8"), ctx);
setTimeout(() => {
  const titles = [els["screen-title"].textContent];
  for (let i = 0; i < 4; i++) { video.dispatch("ended"); titles.push(els["screen-title"].textContent); }
  setTimeout(() => process.stdout.write(JSON.stringify({ titles, played, qr: els["screen-qr"].innerHTML })), 20);
}, 20);
