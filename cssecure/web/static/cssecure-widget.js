/*
 * CSSecure chat widget: a small, dependency-free chat panel for the claims assistant.
 *
 * Talks to the Rasa server's socket.io channel (cssecure/channels/socketio.py) with the
 * vendored socket.io client (window.io), and uploads evidence files to the web app's
 * POST /api/evidence. Every message is rendered with textContent, never as HTML.
 *
 * Usage (the host page):
 *   CSSecureWidget.mount(document.getElementById("chat"), {
 *     socketUrl: "http://localhost:5005",   // the Rasa server
 *     uploadUrl: "/api/evidence",           // the web app
 *     token: customerJwtOrNull,             // signed by the host site for its logged-in customer
 *     locale: "de-DE",                      // optional; default: the browser's, else <html lang>
 *   });
 * mount() returns {destroy()}; mount again with another token after sign-in/out.
 *
 * Each message carries the customer's language as `locale` (a BCP-47 tag: the `locale`
 * option, else navigator.language, else the host page's `lang` attribute); the server
 * checks it and passes it to the assistant in the message metadata.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "cssecure.widget.session";
  var TYPING_TIMEOUT_MS = 20000;
  var KIND_LABELS = [
    ["", "Detect from the file"],
    ["photo", "Photo of the damage"],
    ["unboxing_video", "Unboxing video"],
    ["customs_letter", "Customs letter"],
    ["carrier_confirmation", "Carrier confirmation"],
    ["value_proof", "Proof of value"],
    ["other", "Other document"],
  ];
  var counter = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function loadSession() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
      return saved && typeof saved.token === "string" ? saved : null;
    } catch (e) {
      return null;
    }
  }

  function saveSession(token) {
    try {
      if (token) window.localStorage.setItem(STORAGE_KEY, JSON.stringify({ token: token }));
      else window.localStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      /* private mode: the chat still works, it just does not survive a reload */
    }
  }

  function pageLocale(options) {
    // The customer's own browser setting first: it settles how they write dates
    // ("10/09/2026"); a shop page marked lang="en-US" must not make every visitor
    // month-first (issue 13 review). The page's lang only when the browser gives none.
    var tag = options.locale || (window.navigator && window.navigator.language) || "";
    if (!tag && document.documentElement) tag = document.documentElement.lang || "";
    return typeof tag === "string" && tag ? tag : undefined;
  }

  function mount(container, options) {
    options = options || {};
    var id = "csw" + ++counter;
    var customerToken = options.token || null;
    var sessionToken = null; // anonymous visitors: issued by the server, authorises uploads
    var typingTimer = null;

    container.textContent = "";
    var root = el("section", { class: "csw", "aria-labelledby": id + "-title" });
    var header = el("header", { class: "csw-header" });
    header.appendChild(el("h2", { id: id + "-title", class: "csw-title" }, options.title || "CSSecure claims assistant"));
    var status = el("p", { class: "csw-status", id: id + "-status" }, "Connecting…");
    header.appendChild(status);
    root.appendChild(header);

    var log = el("ol", {
      class: "csw-log",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      "aria-label": "Conversation",
      tabindex: "0",
    });
    root.appendChild(log);

    var typing = el("p", { class: "csw-typing", role: "status", "aria-live": "polite" });
    typing.hidden = true;
    root.appendChild(typing);

    var alertBox = el("p", { class: "csw-alert", role: "alert" });
    root.appendChild(alertBox);

    var form = el("form", { class: "csw-form", "aria-label": "Send a message" });
    var label = el("label", { for: id + "-input", class: "csw-sr-only" }, "Your message");
    var input = el("input", {
      id: id + "-input",
      class: "csw-input",
      type: "text",
      autocomplete: "off",
      maxlength: "2000",
      placeholder: "Type your message…",
    });
    var send = el("button", { type: "submit", class: "csw-send" }, "Send");
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);
    root.appendChild(form);

    var upload = el("form", { class: "csw-upload", "aria-label": "Send evidence" });
    var fileLabel = el("label", { for: id + "-file", class: "csw-file-label" }, "Attach a photo, video or document");
    var file = el("input", {
      id: id + "-file",
      class: "csw-file",
      type: "file",
      accept: "image/jpeg,image/png,image/webp,image/heic,video/mp4,video/quicktime,application/pdf",
    });
    var kindLabel = el("label", { for: id + "-kind", class: "csw-kind-label" }, "The file is");
    var kind = el("select", { id: id + "-kind", class: "csw-kind" });
    KIND_LABELS.forEach(function (pair) {
      kind.appendChild(el("option", { value: pair[0] }, pair[1]));
    });
    upload.appendChild(fileLabel);
    upload.appendChild(file);
    upload.appendChild(kindLabel);
    upload.appendChild(kind);
    root.appendChild(upload);
    container.appendChild(root);

    function scrollDown() {
      log.scrollTop = log.scrollHeight;
    }

    function setTyping(on) {
      clearTimeout(typingTimer);
      typing.hidden = !on;
      typing.textContent = on ? "The assistant is typing…" : "";
      if (on) typingTimer = setTimeout(function () { setTyping(false); }, TYPING_TIMEOUT_MS);
    }

    function showAlert(message) {
      alertBox.textContent = message || "";
    }

    function clearQuickReplies() {
      Array.prototype.forEach.call(log.querySelectorAll(".csw-replies"), function (group) {
        group.parentNode.removeChild(group);
      });
    }

    function addMessage(sender, text, extra) {
      extra = extra || {};
      var item = el("li", { class: "csw-msg csw-from-" + sender });
      var who = sender === "user" ? "You" : sender === "agent" ? (extra.agent_name ? "Agent " + extra.agent_name : "Agent") : "Assistant";
      item.appendChild(el("span", { class: sender === "agent" ? "csw-who" : "csw-sr-only" }, who + ": "));
      item.appendChild(el("span", { class: "csw-text" }, text));
      log.appendChild(item);
      var replies = extra.quick_replies || extra.buttons || [];
      if (replies.length && extra.live !== false) {
        clearQuickReplies();
        var group = el("div", { class: "csw-replies", role: "group", "aria-label": "Suggested replies" });
        replies.forEach(function (reply) {
          var button = el("button", { type: "button", class: "csw-reply" }, reply.title);
          button.addEventListener("click", function () {
            sendMessage(reply.payload, reply.title);
            input.focus();
          });
          group.appendChild(button);
        });
        item.appendChild(group);
      }
      scrollDown();
      return item;
    }

    var socket = window.io(options.socketUrl || "", {
      path: options.socketPath || "/socket.io",
      transports: ["websocket"],
      auth: customerToken ? { token: customerToken } : {},
    });

    socket.on("connect", function () {
      var saved = customerToken ? null : loadSession();
      socket.emit("session_request", { session_token: saved ? saved.token : null });
    });

    socket.on("session_confirm", function (info) {
      if (!info || typeof info !== "object") return;
      sessionToken = info.session_token || null;
      if (!customerToken) saveSession(sessionToken);
      status.textContent = info.verified ? "Signed in: your conversation is private to your account." : "Not signed in: you can report a claim; parcel details are shown only after you sign in.";
      root.setAttribute("data-session", info.verified ? "verified" : "anonymous");
      log.textContent = "";
      (info.history || []).forEach(function (item) {
        addMessage(item.sender, item.text, { agent_name: item.agent_name, quick_replies: item.quick_replies, live: false });
      });
      var last = info.history && info.history[info.history.length - 1];
      if (last && last.sender !== "user" && last.quick_replies) {
        // Offer the last question's buttons again after a reload.
        log.removeChild(log.lastChild);
        addMessage(last.sender, last.text, { agent_name: last.agent_name, quick_replies: last.quick_replies });
      }
      root.setAttribute("data-ready", "true");
    });

    socket.on("bot_uttered", function (message) {
      if (!message) return;
      setTyping(false);
      var sender = message.sender === "agent" ? "agent" : "bot";
      var text = message.text || (message.attachment ? "(attachment)" : "");
      addMessage(sender, text, message);
    });

    socket.on("user_echo", function (message) {
      if (message && message.text) addMessage("user", message.text);
    });

    socket.on("chat_error", function (error) {
      setTyping(false);
      showAlert(error && error.message ? error.message : "The message could not be sent.");
    });

    socket.on("connect_error", function (error) {
      status.textContent = "Not connected.";
      // A refused sign-in carries a readable message; network errors retry by themselves.
      if (error && error.message && !socket.active) showAlert(error.message);
      else showAlert("Cannot reach the assistant right now; retrying…");
    });

    socket.on("disconnect", function () {
      status.textContent = "Reconnecting…";
    });

    function sendMessage(text, shown) {
      text = (text || "").trim();
      if (!text) return;
      if (!socket.connected) {
        showAlert("Not connected yet: your message was not sent. Please try again in a moment.");
        return;
      }
      showAlert("");
      clearQuickReplies();
      addMessage("user", shown || text);
      socket.emit("user_uttered", { message: text, display: shown || undefined, locale: pageLocale(options) });
      setTyping(true);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value;
      if (!text.trim()) return;
      sendMessage(text);
      input.value = "";
      input.focus();
    });

    file.addEventListener("change", function () {
      var chosen = file.files && file.files[0];
      if (!chosen) return;
      var bearer = customerToken || sessionToken;
      if (!bearer) {
        showAlert("The chat is still connecting; please choose the file again in a moment.");
        file.value = "";
        return;
      }
      showAlert("");
      var item = el("li", { class: "csw-msg csw-from-user csw-upload-item" });
      var caption = el("span", { class: "csw-text" }, "Uploading " + chosen.name + "…");
      var progress = el("progress", { max: "100", value: "0", "aria-label": "Upload of " + chosen.name });
      item.appendChild(caption);
      item.appendChild(progress);
      log.appendChild(item);
      scrollDown();

      var data = new FormData();
      data.append("file", chosen, chosen.name);
      if (kind.value) data.append("kind", kind.value);
      // No claim reference is sent: the server routes the file to the claim being reported,
      // else the claim filed in this chat, else keeps it and the assistant asks (issue 12).
      var xhr = new XMLHttpRequest();
      xhr.open("POST", options.uploadUrl || "/api/evidence");
      xhr.setRequestHeader("Authorization", "Bearer " + bearer);
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) progress.value = Math.round((100 * event.loaded) / event.total);
      });
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText || "{}"); } catch (e) { body = {}; }
        if (xhr.status >= 200 && xhr.status < 300) {
          progress.value = 100;
          var where = body.claim_ref ? "for claim " + body.claim_ref
            : body.draft_id ? "for the claim you are reporting"
            : "kept until you say which claim it is for";
          caption.textContent = "Sent " + chosen.name + " (" + (body.kind || "evidence").replace(/_/g, " ") + ") " + where + ".";
          item.setAttribute("data-state", "done");
          if (body.bot_notified) setTyping(true);
        } else {
          item.setAttribute("data-state", "failed");
          caption.textContent = "Not sent: " + chosen.name;
          item.removeChild(progress);
          showAlert(body.error || "The file could not be uploaded (error " + xhr.status + ").");
        }
        file.value = "";
      });
      xhr.addEventListener("error", function () {
        item.setAttribute("data-state", "failed");
        caption.textContent = "Not sent: " + chosen.name;
        showAlert("The upload failed: the connection was lost. Please try again.");
        file.value = "";
      });
      xhr.send(data);
    });

    return {
      destroy: function () {
        setTyping(false);
        socket.disconnect();
        container.textContent = "";
      },
    };
  }

  window.CSSecureWidget = { mount: mount };
})();
