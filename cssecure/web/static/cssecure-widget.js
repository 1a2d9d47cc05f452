/*
 * CSSecure chat widget: a small, dependency-free chat panel for the claims assistant.
 *
 * Talks to the Rasa server's socket.io channel (cssecure/channels/socketio.py) with the
 * vendored socket.io client (window.io), and uploads evidence files to the web app's
 * POST /api/evidence. Every message is rendered with textContent, never as HTML.
 *
 * Embedding (any page, one script tag): the widget loads its styles, its labels, the
 * socket.io client, the evidence panel (cssecure-widget-evidence.js) and the tus client
 * from the folder it comes from, and shows a launcher bubble that opens the chat:
 *   <script src="https://assist.example/static/cssecure-widget.js" defer
 *           data-socket-url="https://assist.example:5005"   (required: the Rasa server)
 *           data-api-url="https://assist.example"           (the web app: uploads, parcels)
 *           data-token="<customer JWT>"                     (optional: signed-in customer)
 *           data-locale="de-DE"  data-title="Help with your parcel"  data-open="false"></script>
 * See the README ("Website widget") for every attribute.
 *
 * Scripted (after socket.io.min.js and cssecure-widget-i18n.js, the labels):
 *   var chat = CSSecureWidget.launch({socketUrl, uploadUrl, parcelsUrl, token, locale, open});
 *   chat.open(); chat.close(); chat.destroy();           // the launcher bubble and its panel
 *   CSSecureWidget.mount(container, {...same options})   // the chat inline in `container`
 * mount() returns {destroy()}; mount or launch again with another token after sign-in/out.
 *
 * A new conversation opens with a greeting and starter buttons (report a problem, claim
 * status, insurance question, talk to a person); a signed-in customer reporting a problem
 * picks the parcel from their recent shipped parcels (GET parcelsUrl, default
 * /api/my-parcels). Messages carry their time and, for the customer's own, whether they
 * were delivered; "typing" shows while the server is working on the customer's message
 * (until the server acknowledges the turn), never while a person holds the chat.
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
  var OPEN_KEY = "cssecure.widget.open";
  // "Typing" ends when the server acknowledges the turn; this only covers a server that
  // never does (an old channel, a lost connection).
  var TYPING_TIMEOUT_MS = 60000;
  // The problems a customer can report from the starter buttons, in the order shown.
  var PROBLEMS = ["damaged", "lost", "seized", "returned", "delayed"];
  // Evidence kinds the server names for an uploaded file: labels kind_<kind>.
  var KINDS = ["photo", "unboxing_video", "customs_letter", "carrier_confirmation", "value_proof", "other"];
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

  // The composer's attach button: a paper clip (Feather's "paperclip", MIT), drawn in the
  // text colour, hidden from screen readers (the button's label names it).
  function paperClip() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    [["viewBox", "0 0 24 24"], ["width", "22"], ["height", "22"], ["fill", "none"],
      ["stroke", "currentColor"], ["stroke-width", "2"], ["stroke-linecap", "round"],
      ["stroke-linejoin", "round"], ["aria-hidden", "true"], ["focusable", "false"]].forEach(function (pair) {
      svg.setAttribute(pair[0], pair[1]);
    });
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48");
    svg.appendChild(path);
    return svg;
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

  // A path of the web app: under `apiUrl` when the widget is embedded on another site.
  function apiUrl(options, path) {
    return (options.apiUrl ? String(options.apiUrl).replace(/\/+$/, "") : "") + path;
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
    var pendingTurns = 0; // messages sent whose turn the server has not acknowledged yet
    var heldByPerson = false; // an agent wrote last: the assistant is not the one answering
    var parcels = null; // a signed-in customer's recent shipped parcels, once fetched
    var liveLabels = []; // shown texts that follow a language switch: {node, key, params}

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

    var log = el("div", {
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
    // Attaching a file is part of writing a message (issue 15): a paper-clip button in the
    // composer (the file input itself is visually hidden but keeps the keyboard focus). It
    // needs the transfer code of cssecure-widget-evidence.js: without it there is no button.
    var file = el("input", {
      id: id + "-file",
      class: "csw-file csw-sr-only",
      type: "file",
      multiple: "",
      accept: "image/jpeg,image/png,image/webp,image/heic,video/mp4,video/quicktime,application/pdf",
    });
    var attach = el("label", { for: id + "-file", class: "csw-attach" });
    var attachText = el("span", { class: "csw-sr-only" });
    attach.appendChild(paperClip());
    attach.appendChild(attachText);
    if (window.CSSecureEvidence) {
      form.appendChild(file);
      form.appendChild(attach);
    }
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);
    root.appendChild(form);
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
      attachText.textContent = t("attach");
      attach.setAttribute("title", t("attach"));
      if (!typing.hidden) typing.textContent = t("typing");
      if (alertKey) alertBox.textContent = t(alertKey, alertParams);
      Array.prototype.forEach.call(log.querySelectorAll(".csw-replies"), function (group) {
        group.setAttribute("aria-label", group.classList.contains("csw-parcels") ? t("parcels_label") : t("replies_label"));
      });
      liveLabels = liveLabels.filter(function (entry) { return root.contains(entry.node); });
      liveLabels.forEach(function (entry) { entry.node.textContent = entry.render(); });
      if (options.onLabels) options.onLabels(t);
    }

    // Sets `node`'s text from a function of the labels, again after a language switch.
    function labelled(node, render) {
      node.textContent = render();
      liveLabels.push({ node: node, render: render });
      return node;
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
      root.setAttribute("data-typing", on ? "true" : "false");
      if (on) {
        typingTimer = setTimeout(function () { pendingTurns = 0; setTyping(false); }, TYPING_TIMEOUT_MS);
      }
    }

    // The server took a message: typing while its turns are running, unless a person holds
    // the chat (then nothing automatic is coming).
    function turnStarted() {
      pendingTurns += 1;
      if (!heldByPerson) setTyping(true);
    }

    function turnDone() {
      pendingTurns = Math.max(0, pendingTurns - 1);
      if (!pendingTurns) setTyping(false);
    }

    // BCP-47 tag for dates, times and country names: the customer's own when it is in the
    // labels' language (de-AT keeps its dates), else the labels' language.
    function formatLocale() {
      var tag = pageLocale(options);
      return tag && supportedLanguage(tag) === lang ? tag : lang;
    }

    function timeText(when) {
      try {
        return new Intl.DateTimeFormat(formatLocale(), { hour: "2-digit", minute: "2-digit" }).format(when);
      } catch (e) {
        return when.toISOString().slice(11, 16);
      }
    }

    function dayText(iso) {
      if (!iso) return "";
      try {
        var parts = String(iso).split("-");
        var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
        return new Intl.DateTimeFormat(formatLocale(), { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(day);
      } catch (e) {
        return String(iso);
      }
    }

    function countryName(code) {
      try {
        var names = new Intl.DisplayNames([formatLocale()], { type: "region" });
        return names.of(String(code).toUpperCase()) || code;
      } catch (e) {
        return code;
      }
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

    // Answered questions lose their buttons, and an evidence panel its "I'll send it later"
    // (its files and their thumbnails stay: what was sent for that question).
    // The customer answered (typed, pressed a button) or a new question came: earlier
    // buttons and evidence panels go.
    function clearQuickReplies() {
      Array.prototype.forEach.call(log.querySelectorAll(".csw-replies"), function (node) {
        node.parentNode.removeChild(node);
      });
      retireEvidencePanels();
    }

    // An answered evidence question's panel keeps only its files: no more attaching,
    // dropping or "later" there (the composer's attach button still takes files).
    function retireEvidencePanels() {
      var controls = ".csw-evidence > button, .csw-evidence > input, .csw-evidence > .csw-evidence-drop";
      Array.prototype.forEach.call(log.querySelectorAll(controls), function (node) {
        node.parentNode.removeChild(node);
      });
      Array.prototype.forEach.call(log.querySelectorAll(".csw-evidence"), function (panel) {
        panel.setAttribute("data-answered", "true");
      });
    }

    function addMessage(sender, text, extra) {
      extra = extra || {};
      var item = el("div", { class: "csw-msg csw-from-" + sender });
      var who = sender === "user" ? t("who_user")
        : sender === "agent" ? (extra.agent_name ? t("who_agent_named", { name: extra.agent_name }) : t("who_agent"))
        : t("who_bot");
      item.appendChild(el("span", { class: sender === "agent" ? "csw-who" : "csw-sr-only" }, who + ": "));
      item.appendChild(el("span", { class: "csw-text" }, text));
      var at = extra.at ? new Date(typeof extra.at === "number" ? extra.at * 1000 : extra.at)
        : extra.live === false ? null : new Date();
      if (at && !isNaN(at.getTime())) {
        var meta = el("span", { class: "csw-meta" });
        meta.appendChild(el("time", { class: "csw-time", datetime: at.toISOString() }, timeText(at)));
        item.appendChild(meta);
      }
      log.appendChild(item);
      var replies = extra.quick_replies || extra.buttons || [];
      if (replies.length && extra.live !== false) {
        item.appendChild(replyGroup(replies.map(function (reply) {
          return { title: reply.title, run: function () { sendMessage(reply.payload, reply.title); } };
        })));
      }
      if (extra.live !== false) addEvidencePanel(item, extra);
      scrollDown();
      return item;
    }

    // An evidence question gets the file panel inside it (cssecure-widget-evidence.js,
    // issue 15): attach, camera, drop, thumbnails, progress, "I'll send it later".
    function addEvidencePanel(item, message) {
      var evidence = window.CSSecureEvidence && window.CSSecureEvidence.panelFor(message, {
        bearer: function () { return customerToken || sessionToken; }, language: lang, send: sendMessage,
        uploadUrl: options.uploadUrl || apiUrl(options, "/api/evidence"), tusUrl: apiUrl(options, "/api/tus")
      });
      if (evidence) {
        retireEvidencePanels();
        item.appendChild(evidence);
      }
    }

    // A group of reply buttons: {title | label (a function of the labels), run}.
    function replyGroup(choices, extraClass) {
      clearQuickReplies();
      var group = el("div", { class: "csw-replies" + (extraClass ? " " + extraClass : ""), role: "group", "aria-label": t("replies_label") });
      choices.forEach(function (choice) {
        var button = el("button", { type: "button", class: "csw-reply" });
        if (choice.label) labelled(button, choice.label);
        else button.textContent = choice.title;
        if (choice.name) button.setAttribute("data-choice", choice.name);
        button.addEventListener("click", function () {
          // Back to typing, unless the choice asked a further question with its own
          // buttons: then keyboard users land on its first one.
          input.focus();
          choice.run();
        });
        group.appendChild(button);
      });
      return group;
    }

    // A message of the widget itself (the greeting, the starters' questions): shown like
    // the assistant's, in the labels' language, never sent and not part of the history.
    function addGuide(render, choices, name) {
      var item = el("div", { class: "csw-msg csw-from-guide" + (name ? " csw-" + name : "") });
      item.appendChild(el("span", { class: "csw-sr-only" }, t("who_bot") + ": "));
      labelled(item.appendChild(el("span", { class: "csw-text" })), render);
      log.appendChild(item);
      if (choices && choices.length) item.appendChild(replyGroup(choices));
      scrollDown();
      return item;
    }

    function starters() {
      return [
        { name: "problem", label: function () { return t("starter_problem"); }, run: askProblem },
        { name: "status", label: function () { return t("starter_status"); }, run: function () { sendMessage(t("say_status")); } },
        { name: "question", label: function () { return t("starter_question"); }, run: askQuestion },
        { name: "person", label: function () { return t("starter_person"); }, run: function () { sendMessage(t("say_person")); } },
      ];
    }

    function showGreeting() {
      addGuide(function () { return t("greeting"); }, starters(), "greeting");
    }

    // A returning customer whose conversation waits for nothing (the server's `idle`: no
    // question open, no person holding it) gets the starters again under the history.
    function showWelcomeBack() {
      addGuide(function () { return t("welcome_back"); }, starters(), "welcome-back");
    }

    var PROBLEM_TITLES = {
      damaged: function () { return t("problem_damaged"); },
      lost: function () { return t("problem_lost"); },
      seized: function () { return t("problem_seized"); },
      returned: function () { return t("problem_returned"); },
      delayed: function () { return t("problem_delayed"); },
    };

    // What the customer says when they pick a problem (and a parcel): a sentence in their
    // language that the assistant reads like a typed one.
    function problemSentence(problem, parcelId) {
      var withParcel = {
        damaged: function () { return t("say_damaged_parcel", { parcel: parcelId }); },
        lost: function () { return t("say_lost_parcel", { parcel: parcelId }); },
        seized: function () { return t("say_seized_parcel", { parcel: parcelId }); },
        returned: function () { return t("say_returned_parcel", { parcel: parcelId }); },
        delayed: function () { return t("say_delayed_parcel", { parcel: parcelId }); },
      };
      var without = {
        damaged: function () { return t("say_damaged"); },
        lost: function () { return t("say_lost"); },
        seized: function () { return t("say_seized"); },
        returned: function () { return t("say_returned"); },
        delayed: function () { return t("say_delayed"); },
      };
      return (parcelId ? withParcel : without)[problem]();
    }

    function askProblem() {
      var item = addGuide(function () { return t("ask_problem"); }, PROBLEMS.map(function (problem) {
        return { name: problem, label: PROBLEM_TITLES[problem], run: function () { askParcel(problem); } };
      }), "ask-problem");
      focusFirstChoice(item);
    }

    function focusFirstChoice(item) {
      var first = item.querySelector(".csw-reply");
      if (first && root.contains(document.activeElement)) first.focus();
    }

    // The parcels a problem can be about: damage shows on a delivered parcel, a loss on one
    // never delivered (review: an undelivered parcel offered for "Arrived damaged" led
    // straight to "not covered"); the other problems, any.
    function parcelsFor(problem) {
      return (parcels || []).filter(function (parcel) {
        if (problem === "damaged") return !!parcel.delivered_date;
        if (problem === "lost") return !parcel.delivered_date;
        return true;
      });
    }

    function askParcel(problem) {
      var offered = parcelsFor(problem);
      if (!offered.length) {
        sendMessage(problemSentence(problem, null));
        return;
      }
      var choices = offered.map(function (parcel) {
        return {
          name: parcel.parcel_id,
          label: function () {
            return t("parcel_choice", {
              parcel: parcel.parcel_id,
              line: parcel.shipping_line || "",
              destination: countryName(parcel.destination_country || ""),
              date: dayText(parcel.shipped_date),
            });
          },
          run: function () { sendMessage(problemSentence(problem, parcel.parcel_id)); },
        };
      });
      choices.push({ name: "other", label: function () { return t("parcel_other"); }, run: function () {
        sendMessage(problemSentence(problem, null));
      } });
      var item = addGuide(function () { return t("ask_parcel"); }, choices, "ask-parcel");
      var group = item.querySelector(".csw-replies");
      group.classList.add("csw-parcels");
      group.setAttribute("aria-label", t("parcels_label"));
      focusFirstChoice(item);
    }

    function askQuestion() {
      addGuide(function () { return t("ask_question"); }, [], "ask-question");
      input.focus();
    }

    function fetchParcels() {
      if (!customerToken || !window.fetch) return;
      var url = options.parcelsUrl || apiUrl(options, "/api/my-parcels");
      window.fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "language=" + encodeURIComponent(lang), {
        headers: { Authorization: "Bearer " + customerToken },
        credentials: "omit",
      })
        .then(function (r) { return r.ok ? r.json() : { parcels: [] }; })
        .then(function (body) { parcels = Array.isArray(body.parcels) ? body.parcels : []; })
        .catch(function () { parcels = []; });
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
      var history = Array.isArray(info.history) ? info.history : [];
      history.forEach(function (item) {
        addMessage(item.sender, item.text, { agent_name: item.agent_name, quick_replies: item.quick_replies, live: false, at: item.at });
      });
      var last = history[history.length - 1];
      if (last && last.sender !== "user" && (last.quick_replies || last.custom)) {
        // Offer the last question's buttons (and an evidence question's file panel) again
        // after a reload.
        log.removeChild(log.lastChild);
        addMessage(last.sender, last.text, { agent_name: last.agent_name, quick_replies: last.quick_replies, live: false, at: last.at });
        if (last.quick_replies) {
          log.lastChild.appendChild(replyGroup(last.quick_replies.map(function (reply) {
            return { title: reply.title, run: function () { sendMessage(reply.payload, reply.title); } };
          })));
        }
        addEvidencePanel(log.lastChild, last);
      }
      var spoken = history.filter(function (item) { return item.sender !== "user"; });
      heldByPerson = !!spoken.length && spoken[spoken.length - 1].sender === "agent";
      if (!history.length) showGreeting();
      else if (info.idle === true && !heldByPerson && !(last && last.quick_replies)) showWelcomeBack();
      fetchParcels();
      root.setAttribute("data-ready", "true");
    });

    socket.on("bot_uttered", function (message) {
      if (!message) return;
      setLanguage(announcedLanguage(message));
      var replies = message.quick_replies || message.buttons || [];
      // A message that only names the language shows nothing (and the reply is still coming).
      if (!message.text && !message.attachment && !replies.length) return;
      var sender = message.sender === "agent" ? "agent" : "bot";
      // An agent's message: a person holds the chat until the assistant speaks again.
      heldByPerson = sender === "agent";
      if (heldByPerson) setTyping(false);
      var text = message.text || (message.attachment ? t("attachment") : "");
      addMessage(sender, text, message);
    });

    socket.on("user_echo", function (message) {
      if (message && message.text) addMessage("user", message.text);
    });

    socket.on("chat_error", function (error) {
      pendingTurns = 0;
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
      var item = addMessage("user", shown || text);
      var state = item.querySelector(".csw-meta").appendChild(el("span", { class: "csw-state" }));
      item.setAttribute("data-state", "sending");
      labelled(state, function () { return t("state_sending"); });
      var acknowledged = false;
      // The server acknowledges once the turn is done (the assistant's replies sent).
      socket.emit("user_uttered", { message: text, display: shown || undefined, locale: pageLocale(options) }, function () {
        if (acknowledged) return;
        acknowledged = true;
        item.setAttribute("data-state", "delivered");
        labelled(state, function () { return t("state_delivered"); });
        turnDone();
      });
      turnStarted();
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
      var chosen = Array.prototype.slice.call(file.files || []);
      file.value = "";
      if (!chosen.length) return;
      if (!(customerToken || sessionToken)) {
        showAlert("upload_still_connecting");
        return;
      }
      showAlert(null);
      chosen.forEach(uploadFile);
    });

    // One file attached in the composer, as the customer's message: its name, progress and
    // outcome, "Try again" where trying again may pass. No kind and no claim reference are
    // sent: the server guesses the kind from the file and routes it to the claim being
    // reported, else the claim filed in this chat, else keeps it and the assistant asks.
    function uploadFile(chosen) {
      var item = el("div", { class: "csw-msg csw-from-user csw-upload-item", "data-state": "sending" });
      var caption = el("span", { class: "csw-text" }, t("upload_progress", { file: chosen.name }));
      var progress = el("progress", { max: "100", value: "0", "aria-label": t("upload_progress_label", { file: chosen.name }) });
      item.appendChild(caption);
      item.appendChild(progress);
      log.appendChild(item);
      scrollDown();

      function sent(body) {
        if (!pendingTurns) setTyping(false);
        progress.value = 100;
        var kindName = typeof body.kind === "string" && KINDS.indexOf(body.kind) >= 0
          ? t("kind_" + body.kind) : t("kind_evidence");
        var values = { file: chosen.name, kind: kindName, claim: body.claim_ref };
        caption.textContent = body.claim_ref ? t("upload_sent_claim", values)
          : body.draft_id ? t("upload_sent_draft", values)
          : body.loose ? t("upload_sent_loose", values)
          : t("upload_sent", values);
        item.setAttribute("data-state", "done");
      }
      function failed(error) {
        if (!pendingTurns) setTyping(false);
        item.setAttribute("data-state", "failed");
        caption.textContent = t("upload_not_sent", { file: chosen.name });
        progress.hidden = true;
        if (error.error) showServerAlert(error.error);
        else if (error.status) showAlert("upload_failed_status", { status: error.status });
        else showAlert("upload_failed_connection");
        // A refusal of the file itself (type, size, quota) fails again the same way.
        if (!window.CSSecureEvidence.retryable(error.status)) return;
        var retry = el("button", { type: "button", class: "csw-evidence-retry" }, t("retry"));
        retry.addEventListener("click", function () {
          item.removeChild(retry);
          item.setAttribute("data-state", "sending");
          caption.textContent = t("upload_progress", { file: chosen.name });
          progress.hidden = false;
          progress.value = 0;
          showAlert(null);
          start();
        });
        item.appendChild(retry);
      }
      function start() {
        window.CSSecureEvidence.upload(chosen, {
          bearer: customerToken || sessionToken, language: lang,
          uploadUrl: options.uploadUrl || apiUrl(options, "/api/evidence"),
          tusUrl: apiUrl(options, "/api/tus"),
          onProgress: function (percent) { progress.value = percent; },
          // Sent: the server checks the file and tells the assistant, whose answer comes
          // before the response does; "typing" covers exactly that wait (not a person's chat).
          onSent: function () { if (!heldByPerson) setTyping(true); },
        }).then(sent, failed);
      }
      start();
    }

    return {
      destroy: function () {
        setTyping(false);
        socket.disconnect();
        container.textContent = "";
      },
    };
  }

  function rememberOpen(open) {
    try { window.sessionStorage.setItem(OPEN_KEY, open ? "1" : "0"); } catch (e) { /* private mode */ }
  }

  function rememberedOpen() {
    try { return window.sessionStorage.getItem(OPEN_KEY); } catch (e) { return null; }
  }

  // The launcher bubble and the chat panel it opens (fixed in a corner; the whole screen on
  // a phone). `options.open`: open at first (else as the customer left it in this tab).
  function launch(options) {
    options = options || {};
    var lang = supportedLanguage(pageLocale(options)) || DEFAULT_LANGUAGE;
    var host = el("div", { class: "csw-launcher-host" });
    var panelId = "csw-panel-" + (counter + 1);
    var panel = el("div", { class: "csw-panel", id: panelId });
    var bubble = el("button", { type: "button", class: "csw-launcher", "aria-controls": panelId, "aria-expanded": "false" });
    bubble.appendChild(el("span", { class: "csw-launcher-icon", "aria-hidden": "true" }));
    var close = el("button", { type: "button", class: "csw-close" });
    close.appendChild(el("span", { "aria-hidden": "true" }, "\u00d7"));
    host.appendChild(panel);
    host.appendChild(bubble);
    document.body.appendChild(host);

    function relabel(t) {
      bubble.setAttribute("aria-label", t("launcher_open"));
      bubble.setAttribute("title", t("launcher_open"));
      close.setAttribute("aria-label", t("launcher_close"));
      close.setAttribute("title", t("launcher_close"));
    }
    relabel(function (key) { return translate(lang, key); });
    var chat = mount(panel, Object.assign({}, options, { onLabels: relabel }));
    var header = panel.querySelector(".csw-header");
    header.appendChild(close);

    function setOpen(open, focus) {
      panel.hidden = !open;
      host.setAttribute("data-open", open ? "true" : "false");
      bubble.setAttribute("aria-expanded", open ? "true" : "false");
      document.documentElement.classList.toggle("csw-open", open);
      rememberOpen(open);
      if (open && focus) panel.querySelector(".csw-input").focus();
      if (!open && focus) bubble.focus();
    }

    bubble.addEventListener("click", function () { setOpen(panel.hidden, true); });
    close.addEventListener("click", function () { setOpen(false, true); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") setOpen(false, true);
    });
    // Phones: the panel follows the visible viewport (the on-screen keyboard shrinks it),
    // so the input stays on screen and the page behind never scrolls.
    function fit() {
      if (window.visualViewport) {
        host.style.setProperty("--csw-viewport-height", window.visualViewport.height + "px");
      }
    }
    if (window.visualViewport) window.visualViewport.addEventListener("resize", fit);
    fit();
    var saved = rememberedOpen();
    setOpen(options.open === undefined || options.open === null ? saved === "1" : saved !== null ? saved === "1" : !!options.open, false);

    return {
      open: function () { setOpen(true, true); },
      close: function () { setOpen(false, true); },
      destroy: function () {
        if (window.visualViewport) window.visualViewport.removeEventListener("resize", fit);
        chat.destroy();
        document.documentElement.classList.remove("csw-open");
        host.parentNode.removeChild(host);
      },
    };
  }

  // --- one script tag: <script src=".../cssecure-widget.js" data-socket-url="..."> ---------

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("CSSecureWidget: cannot load " + src)); };
      document.head.appendChild(script);
    });
  }

  // The options of a script tag's data- attributes (README, "Website widget").
  function tagOptions(tag) {
    var data = tag.dataset;
    var flag = function (value) { return value === undefined ? undefined : value !== "false"; };
    return {
      socketUrl: data.socketUrl,
      socketPath: data.socketPath,
      apiUrl: data.apiUrl,
      uploadUrl: data.uploadUrl,
      parcelsUrl: data.parcelsUrl,
      token: data.token || null,
      locale: data.locale,
      title: data.title,
      open: flag(data.open),
    };
  }

  function autoStart(tag) {
    var base = tag.src.replace(/[^/]*(?:[?#].*)?$/, "");
    if (!document.querySelector("link[data-cssecure-widget]")) {
      var css = el("link", { rel: "stylesheet", href: base + "cssecure-widget.css", "data-cssecure-widget": "" });
      document.head.appendChild(css);
    }
    var needs = [];
    if (!window.io) needs.push(base + "socket.io.min.js");
    if (!window.CSSecureWidgetI18n) needs.push(base + "cssecure-widget-i18n.js");
    // The evidence panel and the tus client it uploads big files with: the chat still
    // starts without them (evidence questions then have their buttons only).
    var extras = [];
    if (!window.tus) extras.push(base + "tus.min.js");
    if (!window.CSSecureEvidence) extras.push(base + "cssecure-widget-evidence.js");
    var options = tagOptions(tag);
    var start = function () {
      window.CSSecureWidget.instance = launch(options);
    };
    var optional = extras.map(function (src) {
      return loadScript(src).catch(function (error) {
        if (window.console) window.console.warn(error.message);
      });
    });
    Promise.all(needs.map(loadScript).concat(optional)).then(function () {
      if (document.body) start();
      else document.addEventListener("DOMContentLoaded", start);
    }, function (error) {
      if (window.console) window.console.error(error.message);
    });
  }

  window.CSSecureWidget = { mount: mount, launch: launch };
  var tag = document.currentScript;
  if (tag && tag.hasAttribute("data-socket-url")) autoStart(tag);
})();
