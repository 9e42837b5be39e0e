/* A tiny DOM stand-in to run pufa_player.js under node (no browser in CI).
   Usage: node harness.js <player.js> <scenario.json>; prints a JSON report. */
"use strict";
const fs = require("fs");
const vm = require("vm");
const [playerPath, scenarioPath] = process.argv.slice(2);
const sc = JSON.parse(fs.readFileSync(scenarioPath, "utf8"));

class El {
  constructor(tag, attrs) {
    this.tagName = tag; this.attrs = Object.assign({}, attrs || {}); this.children = []; this.listeners = {};
    this.textContent = ""; this.hidden = false; this.disabled = false; this.checked = false;
    this._classes = new Set();
    const self = this;
    this.classList = {
      add: (c) => self._classes.add(c), remove: (c) => self._classes.delete(c),
      toggle: (c, on) => { if (on === undefined ? !self._classes.has(c) : on) self._classes.add(c); else self._classes.delete(c); },
      contains: (c) => self._classes.has(c),
    };
  }
  setAttribute(k, v) { this.attrs[k] = String(v); if (k === "value") this.value = String(v); }
  getAttribute(k) { return k in this.attrs ? this.attrs[k] : null; }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  removeEventListener(type, fn) { this.listeners[type] = (this.listeners[type] || []).filter((f) => f !== fn); }
  dispatch(type, extra) {
    const ev = Object.assign({ type, currentTarget: this, target: this, preventDefault() {} }, extra || {});
    (this.listeners[type] || []).slice().forEach((fn) => fn(ev));
  }
  appendChild(c) { this.children.push(c); c.parent = this; return c; }
  remove() { if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this); }
  set innerHTML(v) { this.children = []; this._html = v; }
  get innerHTML() { return this._html || ""; }
  scrollIntoView() {}
  all() { return this.children.reduce((acc, c) => acc.concat([c], c.all()), []); }
  querySelectorAll(sel) {
    const all = this.all();
    if (sel === "input:checked") return all.filter((e) => e.tagName === "input" && e.checked);
    if (sel === "input") return all.filter((e) => e.tagName === "input");
    if (sel === "[data-choice]") return all.filter((e) => e.getAttribute("data-choice") !== null);
    throw new Error("selector not supported: " + sel);
  }
}

const video = new El("video");
Object.assign(video, { currentTime: 0, duration: sc.duration || 120, paused: true, seeking: false, src: "" });
video.play = () => { video.paused = false; return Promise.resolve(); };
const buttons = sc.config.renditions.map((r) => new El("button", { "data-quality": r.name }));
const section = new El("section"); section.hidden = true;
const body = new El("div");
const byId = {
  "pufa-player-config": { textContent: JSON.stringify(sc.config) },
  "pufa-video": video, "pufa-questions": section, "pufa-questions-body": body,
  "pufa-questions-hint": new El("p"), "pufa-questions-open": new El("button"),
};
const storage = new Map(Object.entries(sc.storage || {}));
const fetches = [];
const document = {
  cookie: "csrftoken=tok123",
  getElementById: (id) => byId[id] || null,
  querySelectorAll: (sel) => (sel === "#pufa-quality [data-quality]" ? buttons : []),
  createElement: (tag) => new El(tag),
  createTextNode: (t) => Object.assign(new El("#text"), { textContent: t }),
};
const window = {
  localStorage: {
    getItem: (k) => (storage.has(k) ? storage.get(k) : null),
    setItem: (k, v) => storage.set(k, String(v)), removeItem: (k) => storage.delete(k),
  },
  addEventListener() {},
};
const navigator = { connection: sc.connection || undefined };
function fetch(url, opts) {
  fetches.push({ url, method: opts && opts.method, body: opts && opts.body, headers: opts && opts.headers });
  const answer = sc.answer || { correct: true, correct_choices: [], explanation: "", article: "" };
  return Promise.resolve({ json: () => Promise.resolve(answer) });
}
const ctx = vm.createContext({ document, window, navigator, fetch, JSON, Date, Math, parseInt, parseFloat, String,
                               Promise, console, setTimeout });
vm.runInContext(fs.readFileSync(playerPath, "utf8"), ctx);

const report = { initialSrc: video.src, pressed: buttons.filter((b) => b.classList.contains("active")).map((b) => b.getAttribute("data-quality")) };
// metadata loads: resume
video.dispatch("loadedmetadata");
report.resumedAt = video.currentTime;
// play in 0.25 s steps
const start = video.currentTime;
for (let i = 1; i <= Math.round((sc.playSeconds || 0) * 4); i++) {
  video.currentTime = start + i * 0.25;
  video.dispatch("timeupdate");
  if (sc.seekAt && i === sc.seekAt * 4) { video.seeking = true; video.dispatch("seeking"); video.currentTime += 60; video.dispatch("timeupdate"); video.seeking = false; }
}
report.beacons = fetches.filter((f) => f.url === sc.config.playUrl).length;
video.dispatch("pause");
report.savedPosition = window.localStorage.getItem("pufa.pos." + sc.config.videoId);
if (sc.switchTo) {
  buttons.find((b) => b.getAttribute("data-quality") === sc.switchTo).dispatch("click");
  report.afterSwitchSrc = video.src;
  report.savedQuality = window.localStorage.getItem("pufa.quality");
}
report.questionsVisibleBeforeEnd = !section.hidden;
if (sc.end) {
  video.dispatch("ended");
  report.questionsVisible = !section.hidden;
  report.forms = body.children.length;
  report.positionAfterEnd = window.localStorage.getItem("pufa.pos." + sc.config.videoId);
  if (sc.answerFirst) {
    const form = body.children[0];
    const inputs = form.querySelectorAll("input");
    inputs[0].checked = true;
    form.dispatch("submit");
  }
}
setTimeout(() => {
  const posts = fetches.filter((f) => f.url !== sc.config.playUrl);
  report.answerPosts = posts.map((p) => ({ url: p.url, body: p.body, csrf: p.headers && p.headers["X-CSRFToken"] }));
  if (sc.answerFirst) {
    const form = body.children[0];
    report.marked = form.querySelectorAll("[data-choice]").map((l) => Array.from(l._classes));
  }
  process.stdout.write(JSON.stringify(report));
}, 10);
