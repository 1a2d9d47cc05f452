/*
 * CSSecure chat widget: a small, dependency-free chat panel for the claims assistant.
 *
 * Talks to the Rasa server's socket.io channel (cssecure/channels/socketio.py) with the
 * vendored socket.io client (window.io), and uploads evidence files to the web app's
 * POST /api/evidence. Every message is rendered with textContent, never as HTML.
 *
 * Usage (the host page), after socket.io.min.js and cssecure-widget-i18n.js (the labels):
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
 *
 * The widget's own labels (cssecure-widget-i18n.js) start in that language too, mapped to one
 * the assistant speaks ("de-AT" -> de, anything unknown -> en); they follow the
 * conversation's language when the server names it: `language` in a bot message's
 * `metadata` or `custom` payload, or in `session_confirm` (after a reload).
 */
(function () {
  "use strict";

  var STORAGE_KEY = "cssecure.widget.session";
  var TYPING_TIMEOUT_MS = 20000;
  // Evidence kinds of the upload form ("" lets the server guess): labels kind_option_<kind>.
  var KINDS = ["", "photo", "unboxing_video", "customs_letter", "carrier_confirmation", "value_proof", "other"];
  var DEFAULT_LANGUAGE = "en";
  var counter = 0;

  function catalog() {
    var data = window.CSSecureWidgetI18n;
    if (!data || !data.labels || !data.languages) {
      throw new Error("CSSecureWidget: load cssecure-widget-i18n.js before cssecure-widget.js");
    }
    return data;
  }

  // One of our languages for a BCP-47 tag by its primary subtag ("pt-BR" -> "pt"), else null.
  function supportedLanguage(tag) {
    if (typeof tag !== "string") return null;
    var primary = tag.trim().toLowerCase().split(/[-_]/)[0];
    return catalog().languages.indexOf(primary) >= 0 ? primary : null;
  }

  // The label `key` in `lang` (English when missing) with its {placeholders} filled.
  function translate(lang, key, params) {
    var entry = catalog().labels[key] || {};
    var text = entry[lang] !== undefined ? entry[lang] : entry[DEFAULT_LANGUAGE];
    if (text === undefined) return key;
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole;
    });
  }

  // The conversation's language as the server names it in a message, or null.
  function announcedLanguage(message) {
    if (!message || typeof message !== "object") return null;
    var places = [message.metadata, message.custom];
    for (var i = 0; i < places.length; i++) {
      var place = places[i];
      if (place && typeof place === "object" && supportedLanguage(place.language)) {
        return supportedLanguage(place.language);
      }
    }
    return null;
  }

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
    var lang = supportedLanguage(pageLocale(options)) || DEFAULT_LANGUAGE;
    var statusKey = "status_connecting";
    var alertKey = null; // the alert's label and values; null: none, or the server's own text
    var alertParams = null;

    function t(key, params) {
      return translate(lang, key, params);
    }

    container.textContent = "";
    var root = el("section", { class: "csw", "aria-labelledby": id + "-title" });
    var header = el("header", { class: "csw-header" });
    var title = el("h2", { id: id + "-title", class: "csw-title" });
    header.appendChild(title);
    var status = el("p", { class: "csw-status", id: id + "-status" });
    header.appendChild(status);
    root.appendChild(header);

    var log = el("ol", {
      class: "csw-log",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
      tabindex: "0",
    });
    root.appendChild(log);

    var typing = el("p", { class: "csw-typing", role: "status", "aria-live": "polite" });
    typing.hidden = true;
    root.appendChild(typing);

    var alertBox = el("p", { class: "csw-alert", role: "alert" });
    root.appendChild(alertBox);

    var form = el("form", { class: "csw-form" });
    var label = el("label", { for: id + "-input", class: "csw-sr-only" });
    var input = el("input", {
      id: id + "-input",
      class: "csw-input",
      type: "text",
      autocomplete: "off",
      maxlength: "2000",
    });
    var send = el("button", { type: "submit", class: "csw-send" });
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);
    root.appendChild(form);

    var upload = el("form", { class: "csw-upload" });
    var fileLabel = el("label", { for: id + "-file", class: "csw-file-label" });
    var file = el("input", {
      id: id + "-file",
      class: "csw-file",
      type: "file",
      accept: "image/jpeg,image/png,image/webp,image/heic,video/mp4,video/quicktime,application/pdf",
    });
    var kindLabel = el("label", { for: id + "-kind", class: "csw-kind-label" });
    var kind = el("select", { id: id + "-kind", class: "csw-kind" });
    KINDS.forEach(function (value) {
      kind.appendChild(el("option", { value: value }));
    });
    upload.appendChild(fileLabel);
    upload.appendChild(file);
    upload.appendChild(kindLabel);
    upload.appendChild(kind);
    root.appendChild(upload);
    container.appendChild(root);

    // (Re)writes every label in `lang`: at mount and when the conversation's language changes.
    // Messages already in the log keep the words they were shown with.
    function applyLabels() {
      root.setAttribute("lang", lang);
      title.textContent = options.title || t("title");
      status.textContent = t(statusKey);
      log.setAttribute("aria-label", t("log_label"));
      form.setAttribute("aria-label", t("form_label"));
      label.textContent = t("input_label");
      input.setAttribute("placeholder", t("input_placeholder"));
      send.textContent = t("send");
      upload.setAttribute("aria-label", t("upload_form_label"));
      fileLabel.textContent = t("attach");
      kindLabel.textContent = t("kind_label");
      Array.prototype.forEach.call(kind.options, function (option) {
        option.textContent = t("kind_option_" + (option.value || "auto"));
      });
      if (!typing.hidden) typing.textContent = t("typing");
      if (alertKey) alertBox.textContent = t(alertKey, alertParams);
      Array.prototype.forEach.call(log.querySelectorAll(".csw-replies"), function (group) {
        group.setAttribute("aria-label", t("replies_label"));
      });
    }

    function setLanguage(next) {
      if (!next || next === lang) return;
      lang = next;
      applyLabels();
    }

    function setStatus(key) {
      statusKey = key;
      status.textContent = t(key);
    }

    applyLabels();

    function scrollDown() {
      log.scrollTop = log.scrollHeight;
    }

    function setTyping(on) {
      clearTimeout(typingTimer);
      typing.hidden = !on;
      typing.textContent = on ? t("typing") : "";
      if (on) typingTimer = setTimeout(function () { setTyping(false); }, TYPING_TIMEOUT_MS);
    }

    // An alert in the customer's language (`key` with `params`).
    function showAlert(key, params) {
      alertKey = key || null;
      alertParams = params || null;
      alertBox.textContent = key ? t(key, params) : "";
    }

    // The server's own readable message, shown as it comes.
    function showServerAlert(message) {
      alertKey = null;
      alertBox.textContent = message;
    }

    function clearQuickReplies() {
      Array.prototype.forEach.call(log.querySelectorAll(".csw-replies"), function (group) {
        group.parentNode.removeChild(group);
      });
    }

    function addMessage(sender, text, extra) {
      extra = extra || {};
      var item = el("li", { class: "csw-msg csw-from-" + sender });
      var who = sender === "user" ? t("who_user")
        : sender === "agent" ? (extra.agent_name ? t("who_agent_named", { name: extra.agent_name }) : t("who_agent"))
        : t("who_bot");
      item.appendChild(el("span", { class: sender === "agent" ? "csw-who" : "csw-sr-only" }, who + ": "));
      item.appendChild(el("span", { class: "csw-text" }, text));
      log.appendChild(item);
      var replies = extra.quick_replies || extra.buttons || [];
      if (replies.length && extra.live !== false) {
        clearQuickReplies();
        var group = el("div", { class: "csw-replies", role: "group", "aria-label": t("replies_label") });
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
      // The locale words a refused sign-in in the customer's language (issue 14).
      auth: customerToken ? { token: customerToken, locale: pageLocale(options) } : {},
    });

    socket.on("connect", function () {
      var saved = customerToken ? null : loadSession();
      socket.emit("session_request", { session_token: saved ? saved.token : null });
    });

    socket.on("session_confirm", function (info) {
      if (!info || typeof info !== "object") return;
      sessionToken = info.session_token || null;
      if (!customerToken) saveSession(sessionToken);
      setLanguage(supportedLanguage(info.language));
      setStatus(info.verified ? "status_verified" : "status_anonymous");
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
      setLanguage(announcedLanguage(message));
      var replies = message.quick_replies || message.buttons || [];
      // A message that only names the language shows nothing (and the reply is still coming).
      if (!message.text && !message.attachment && !replies.length) return;
      setTyping(false);
      var sender = message.sender === "agent" ? "agent" : "bot";
      var text = message.text || (message.attachment ? t("attachment") : "");
      addMessage(sender, text, message);
    });

    socket.on("user_echo", function (message) {
      if (message && message.text) addMessage("user", message.text);
    });

    socket.on("chat_error", function (error) {
      setTyping(false);
      if (error && error.message) showServerAlert(error.message);
      else showAlert("error_not_sent");
    });

    socket.on("connect_error", function (error) {
      setStatus("status_disconnected");
      // A refused sign-in carries a readable message; network errors retry by themselves.
      if (error && error.message && !socket.active) showServerAlert(error.message);
      else showAlert("error_unreachable");
    });

    socket.on("disconnect", function () {
      setStatus("status_reconnecting");
    });

    function sendMessage(text, shown) {
      text = (text || "").trim();
      if (!text) return;
      if (!socket.connected) {
        showAlert("error_not_connected");
        return;
      }
      showAlert(null);
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
        showAlert("upload_still_connecting");
        file.value = "";
        return;
      }
      showAlert(null);
      var item = el("li", { class: "csw-msg csw-from-user csw-upload-item" });
      var caption = el("span", { class: "csw-text" }, t("upload_progress", { file: chosen.name }));
      var progress = el("progress", { max: "100", value: "0", "aria-label": t("upload_progress_label", { file: chosen.name }) });
      item.appendChild(caption);
      item.appendChild(progress);
      log.appendChild(item);
      scrollDown();

      var data = new FormData();
      data.append("file", chosen, chosen.name);
      if (kind.value) data.append("kind", kind.value);
      // The server words its answer (a refused file) in the labels' language (issue 14).
      data.append("language", lang);
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
          var kindName = typeof body.kind === "string" && KINDS.indexOf(body.kind) > 0
            ? t("kind_" + body.kind) : t("kind_evidence");
          var sent = { file: chosen.name, kind: kindName, claim: body.claim_ref };
          caption.textContent = body.claim_ref ? t("upload_sent_claim", sent)
            : body.draft_id ? t("upload_sent_draft", sent)
            : t("upload_sent_loose", sent);
          item.setAttribute("data-state", "done");
          if (body.bot_notified) setTyping(true);
        } else {
          item.setAttribute("data-state", "failed");
          caption.textContent = t("upload_not_sent", { file: chosen.name });
          item.removeChild(progress);
          if (body.error) showServerAlert(body.error);
          else showAlert("upload_failed_status", { status: xhr.status });
        }
        file.value = "";
      });
      xhr.addEventListener("error", function () {
        item.setAttribute("data-state", "failed");
        caption.textContent = t("upload_not_sent", { file: chosen.name });
        showAlert("upload_failed_connection");
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
