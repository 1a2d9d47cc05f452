/* Demo host page: signs a demo customer in (token kept in this tab's sessionStorage),
   launches the widget (the bubble) with or without the token, and shows account-linking codes. */
(function () {
  "use strict";
  var TOKEN_KEY = "cssecure.demo.token";
  var main = document.querySelector(".demo-main");
  var who = document.getElementById("demo-who");
  var logout = document.getElementById("demo-logout");
  var linkBox = document.getElementById("demo-link");
  var linkCode = document.getElementById("demo-link-code");
  var widget = null;

  function saved() {
    try { return JSON.parse(sessionStorage.getItem(TOKEN_KEY) || "null"); } catch (e) { return null; }
  }

  function render() {
    var login = saved();
    who.textContent = login ? "Signed in as " + login.customer_id + " (demo)." : "Not signed in.";
    logout.hidden = !login;
    linkBox.hidden = !login;
    linkCode.textContent = "";
    if (widget) widget.destroy();
    // The launcher bubble, open at first on a wide screen (the demo is about the chat); on a
    // phone the panel would cover the sign-in, so it waits for a tap.
    widget = window.CSSecureWidget.launch({
      socketUrl: main.getAttribute("data-socket-url"),
      uploadUrl: main.getAttribute("data-upload-url"),
      parcelsUrl: main.getAttribute("data-parcels-url"),
      token: login ? login.token : null,
      open: window.matchMedia("(min-width: 48rem)").matches,
    });
  }

  document.getElementById("demo-login").addEventListener("submit", function (event) {
    event.preventDefault();
    var customer = document.getElementById("demo-customer").value;
    fetch(main.getAttribute("data-login-url"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ customer_id: customer }),
    })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { who.textContent = res.body.error || "Sign-in failed."; return; }
        sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ customer_id: res.body.customer_id, token: res.body.token }));
        render();
      })
      .catch(function () { who.textContent = "Sign-in failed: the server cannot be reached."; });
  });

  logout.addEventListener("click", function () {
    sessionStorage.removeItem(TOKEN_KEY);
    render();
  });

  document.getElementById("demo-link-button").addEventListener("click", function () {
    var login = saved();
    if (!login) return;
    fetch(main.getAttribute("data-link-url"), {
      method: "POST",
      headers: { Authorization: "Bearer " + login.token },
    })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { linkCode.textContent = res.body.error || "No code could be made."; return; }
        var until = new Date(res.body.expires_at).toLocaleTimeString();
        linkCode.textContent = "Your code: " + res.body.code + " (type /link " + res.body.code + " in Telegram or Discord before " + until + "; it works once).";
      })
      .catch(function () { linkCode.textContent = "No code could be made: the server cannot be reached."; });
  });

  render();
})();
