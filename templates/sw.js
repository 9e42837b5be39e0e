{% load static %}/* The service worker (hand-written: three routes and a sync handler; workbox would need a
   bundler or a dozen vendored modules for the same). Rendered by grid.views.service_worker so
   the static addresses are the deployed (hashed) ones; its version changes with them.

   - static files: cache first (precached at install: the shell every page needs);
   - pages: network first; public pages, the citizen's forms and the law articles read recently
     (the last {{ max_laws }}) are kept for reading offline, with an offline page for the rest;
   - Background Sync "drafts": send the drafts kept on the phone (static/js/draft-store.js). */
"use strict";
importScripts("{% static 'js/draft-store.js' %}");

var VERSION = "{{ version }}";
var SHELL = "zz-shell-" + VERSION, PAGES = "zz-pages", LAWS = "zz-laws";
var OFFLINE = "{% url 'offline' %}";
var PRECACHE = [
  OFFLINE,
  "{% static 'bootstrap/css/bootstrap.min.css' %}",
  "{% static 'bootstrap/js/bootstrap.bundle.min.js' %}",
  "{% static 'css/site.css' %}",
  "{% static 'js/help.js' %}",
  "{% static 'js/voice.js' %}",
  "{% static 'js/draft-store.js' %}",
  "{% static 'js/drafts.js' %}",
  "{% static 'js/save-image.js' %}",
  "{% static 'grievances/forms.js' %}",
  "{% static 'favicon.png' %}",
  "{% static 'icons/icon-192.png' %}",
];
var STATIC = "{{ static_url }}";
// Pages kept for offline reading: public pages and the citizen's own forms. Staff pages and
// anything else are never stored on the phone.
var KEEP = [/^\/$/, /^\/laws\//, /^\/help\/$/, /^\/appeals\/new\/$/, /^\/appeals\/lookup\/$/, /^\/appeals\/mine\/$/,
            /^\/appeals\/\d+\/$/, /^\/qa\/ask\/$/, /^\/pufa\/$/, /^\/directory\//, /^\/regions\/children\/$/];
var ARTICLE = /^\/laws\/[^/]+\/[^/]+\/$/;
var MAX_LAWS = {{ max_laws }};

self.addEventListener("install", function (ev) {
  ev.waitUntil(caches.open(SHELL).then(function (c) { return c.addAll(PRECACHE); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (ev) {
  ev.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("zz-shell-") === 0 && k !== SHELL; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function trim(cacheName, max) {
  return caches.open(cacheName).then(function (c) {
    return c.keys().then(function (keys) {
      return Promise.all(keys.slice(0, Math.max(0, keys.length - max)).map(function (k) { return c.delete(k); }));
    });
  });
}

function networkFirst(request, path) {
  var article = ARTICLE.test(path);
  var keep = article || KEEP.some(function (re) { return re.test(path); });
  return fetch(request).then(function (response) {
    if (keep && response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      var name = article ? LAWS : PAGES;
      caches.open(name).then(function (c) {
        // An article read again moves to the end (most recent).
        return c.delete(request, {ignoreVary: true}).then(function () { return c.put(request, copy); });
      }).then(function () { if (article) { return trim(LAWS, MAX_LAWS); } });
    }
    return response;
  }).catch(function () {
    return caches.match(request, {ignoreVary: true}).then(function (hit) {
      if (hit) { return hit; }
      if (request.mode === "navigate") { return caches.match(OFFLINE); }
      return new Response("", {status: 503, statusText: "offline"});
    });
  });
}

self.addEventListener("fetch", function (ev) {
  var request = ev.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf(STATIC) === 0) {
    ev.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) { var copy = response.clone(); caches.open(SHELL).then(function (c) { c.put(request, copy); }); }
        return response;
      });
    }));
    return;
  }
  if (url.pathname.indexOf("/admin/") === 0 || url.pathname === "/sw.js") { return; }
  ev.respondWith(networkFirst(request, url.pathname));
});

function tellPages() {
  return self.clients.matchAll({type: "window"}).then(function (list) {
    list.forEach(function (c) { c.postMessage("drafts-changed"); });
  });
}

self.addEventListener("sync", function (ev) {
  if (ev.tag !== "drafts") { return; }
  // A page of the site is open: it sends (and shows the result) itself, so one copy travels at
  // a time; with every page closed, the worker sends the drafts in the background.
  ev.waitUntil(self.clients.matchAll({type: "window"}).then(function (list) {
    if (list.length) {
      list.forEach(function (c) { c.postMessage("send-drafts"); });
      return;
    }
    return self.DraftStore.sendAll().then(tellPages);
  }));
});
