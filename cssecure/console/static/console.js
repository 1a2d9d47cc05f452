// The console's live updates (issue 18): the page listens to its server-sent event stream
// (body[data-live]), fetches itself again when what it shows changed, and swaps the parts
// marked data-live (forms the agent is typing in stay as they are). A new customer message
// (or a new item waiting in the queue) puts a count in the title and plays a short tone.
// No customer text is ever put into the page as markup: the swapped parts come from the
// server's own escaped HTML, parsed by DOMParser (scripts in it never run).
(function () {
  "use strict";

  var baseTitle = document.title;
  var unread = 0;

  function scrollChat() {
    var chat = document.getElementById("chat");
    if (chat) { chat.scrollTop = chat.scrollHeight; }
  }

  function setUnread(n) {
    unread = n;
    document.title = (unread > 0 ? "(" + unread + ") " : "") + baseTitle;
    document.body.dataset.unread = String(unread);
  }

  function tone() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return; }
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.08;
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.15);
    } catch (e) { /* no sound allowed yet: the title still says it */ }
  }

  function refresh() {
    // The page's own address: after a refused form the browser shows the POST's URL.
    var url = document.body.dataset.page || window.location.href;
    return fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          var fresh = el.id && doc.getElementById(el.id);
          if (fresh) { el.replaceWith(document.importNode(fresh, true)); }
        });
        scrollChat();
        document.body.dataset.refreshed = String(Date.now());
      });
  }

  // The counts that ring when they grow: a conversation page's customer messages; the
  // queue's items waiting for a person and messages customers wrote in waiting or held
  // conversations.
  var RINGING = ["customer_messages", "waiting", "customer_writes"];

  function growth(previous, data) {
    var more = 0;
    RINGING.forEach(function (name) {
      if (typeof data[name] === "number" && typeof previous[name] === "number" &&
          data[name] > previous[name]) {
        more += data[name] - previous[name];
      }
    });
    return more;
  }

  function listen(url) {
    var last = null;
    var source = new EventSource(url);
    var status = document.getElementById("live-status");
    source.onmessage = function (event) {
      var data = JSON.parse(event.data);
      var previous = last;
      last = data;
      if (status) { status.hidden = false; status.textContent = "Live: updates arrive by themselves."; }
      if (previous === null) { return; }
      var more = growth(previous, data);
      refresh().then(function () {
        if (more > 0) { setUnread(unread + more); tone(); }
      });
    };
    source.addEventListener("expired", function () {
      source.close();
      if (status) { status.textContent = "Your session has expired: reload the page to sign in."; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    scrollChat();
    var canned = document.getElementById("canned");
    if (canned) {
      canned.addEventListener("change", function () {
        var target = document.getElementById(canned.dataset.fills);
        if (target && canned.value) { target.value = canned.value; target.focus(); }
      });
    }
    // The agent is back at this page: the count is read.
    ["focus", "click", "keydown"].forEach(function (name) {
      window.addEventListener(name, function () { if (unread) { setUnread(0); } });
    });
    var url = document.body.dataset.live;
    if (url && window.EventSource) { listen(url); }
  });
}());
