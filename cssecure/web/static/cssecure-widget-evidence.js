/*
 * CSSecure evidence uploads (issue 15): the widget's evidence panel inside the assistant's
 * evidence questions, and the one-time upload page of a link sent in a chat (a file too big
 * for Telegram or Discord).
 *
 * Panel: CSSecureEvidence.panelFor(message, options) returns an element for a bot message
 * that asks for a file (its `custom` or `metadata` carries `evidence_request`:
 * {kind, later_payload?}), else null. The panel has an attach button (several files), a
 * camera button (`capture` on phones), a drop zone, and per file a thumbnail, a progress bar
 * and its state; "I'll send it later" sends `later_payload` (else the words themselves).
 * Videos and files over 5 MB go over tus (window.tus, the vendored tus-js-client: resumable,
 * retried after a dropped connection); others in one POST /api/evidence. Options:
 * {bearer: function () -> token, language, uploadUrl, tusUrl, send(text, shown)}.
 *
 * Every text is set with textContent, never as HTML.
 */
(function () {
  "use strict";

  function send(file, options) {
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      data.append("file", file, file.name);
      var url = options.url || "/api/evidence";
      var query = [];
      if (options.kind) query.push("kind=" + encodeURIComponent(options.kind));
      // In the query, not only the form: a refusal before the body is read is worded in it.
      if (options.language) query.push("language=" + encodeURIComponent(options.language));
      if (query.length) url += (url.indexOf("?") < 0 ? "?" : "&") + query.join("&");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      if (options.bearer) xhr.setRequestHeader("Authorization", "Bearer " + options.bearer);
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable && options.onProgress) {
          options.onProgress(Math.round((100 * event.loaded) / event.total));
        }
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body || {});
        else reject({ status: xhr.status, error: body && body.error });
      });
      xhr.addEventListener("error", function () { reject({ status: 0, error: null }); });
      xhr.send(data);
    });
  }

  function uploadPage(form) {
    var input = form.querySelector("input[type=file]");
    var button = form.querySelector("button");
    var progress = form.querySelector("progress");
    var status = form.querySelector(".csw-upload-status");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = input.files && input.files[0];
      if (!file) return;
      button.disabled = true;
      progress.hidden = false;
      progress.value = 0;
      status.textContent = "";
      send(file, {
        url: form.getAttribute("data-upload-url"),
        language: document.documentElement.lang,
        onProgress: function (percent) { progress.value = percent; }
      }).then(function () {
        progress.value = 100;
        status.textContent = form.getAttribute("data-done");
        input.disabled = true;
      }, function (failure) {
        button.disabled = false;
        progress.hidden = true;
        // The server's reason, else (no answer: the connection) the page's own words.
        status.textContent = failure.error || form.getAttribute("data-failed");
      });
    });
  }

  var LABELS = {
    en: { attach_customs_letter: "Attach the customs letter", attach_carrier_confirmation: "Attach the carrier's confirmation",
      attach: "Attach a file", camera: "Take a photo or video", drop: "or drop files here",
      later: "I'll send it later", sending: "Sending {file}", sent: "{file} sent",
      failed: "{file} was not sent", retry: "Try again", resuming: "Connection lost: resuming {file}" },
    de: { attach_customs_letter: "Zollschreiben anhängen", attach_carrier_confirmation: "Bestätigung des Versanddienstes anhängen",
      attach: "Datei anhängen", camera: "Foto oder Video aufnehmen", drop: "oder Dateien hierher ziehen",
      later: "Ich sende es später", sending: "{file} wird gesendet", sent: "{file} gesendet",
      failed: "{file} wurde nicht gesendet", retry: "Erneut versuchen", resuming: "Verbindung unterbrochen: {file} wird fortgesetzt" },
    fr: { attach_customs_letter: "Joindre le courrier de la douane", attach_carrier_confirmation: "Joindre la confirmation du transporteur",
      attach: "Joindre un fichier", camera: "Prendre une photo ou une vidéo", drop: "ou déposez les fichiers ici",
      later: "Je l'enverrai plus tard", sending: "Envoi de {file}", sent: "{file} envoyé",
      failed: "{file} n'a pas été envoyé", retry: "Réessayer", resuming: "Connexion perdue : reprise de {file}" },
    es: { attach_customs_letter: "Adjuntar la carta de la aduana", attach_carrier_confirmation: "Adjuntar la confirmación del transportista",
      attach: "Adjuntar un archivo", camera: "Hacer una foto o un vídeo", drop: "o suelte los archivos aquí",
      later: "Lo enviaré más tarde", sending: "Enviando {file}", sent: "{file} enviado",
      failed: "{file} no se ha enviado", retry: "Reintentar", resuming: "Conexión perdida: reanudando {file}" },
    it: { attach_customs_letter: "Allega la lettera della dogana", attach_carrier_confirmation: "Allega la conferma del corriere",
      attach: "Allega un file", camera: "Scatta una foto o un video", drop: "oppure trascina qui i file",
      later: "Lo invierò più tardi", sending: "Invio di {file}", sent: "{file} inviato",
      failed: "{file} non è stato inviato", retry: "Riprovi", resuming: "Connessione persa: ripresa di {file}" },
    nl: { attach_customs_letter: "Brief van de douane toevoegen", attach_carrier_confirmation: "Bevestiging van de vervoerder toevoegen",
      attach: "Bestand toevoegen", camera: "Foto of video maken", drop: "of sleep bestanden hierheen",
      later: "Ik stuur het later", sending: "{file} wordt verstuurd", sent: "{file} verstuurd",
      failed: "{file} is niet verstuurd", retry: "Opnieuw proberen", resuming: "Verbinding verbroken: {file} wordt hervat" },
    pl: { attach_customs_letter: "Dołącz pismo z urzędu celnego", attach_carrier_confirmation: "Dołącz potwierdzenie przewoźnika",
      attach: "Dołącz plik", camera: "Zrób zdjęcie lub film", drop: "lub upuść pliki tutaj",
      later: "Wyślę to później", sending: "Wysyłanie {file}", sent: "Wysłano {file}",
      failed: "Nie wysłano {file}", retry: "Spróbuj ponownie", resuming: "Utracono połączenie: wznawianie {file}" },
    pt: { attach_customs_letter: "Anexar a carta da alfândega", attach_carrier_confirmation: "Anexar a confirmação da transportadora",
      attach: "Anexar um ficheiro", camera: "Tirar uma foto ou um vídeo", drop: "ou largue os ficheiros aqui",
      later: "Envio mais tarde", sending: "A enviar {file}", sent: "{file} enviado",
      failed: "{file} não foi enviado", retry: "Tentar de novo", resuming: "Ligação perdida: a retomar {file}" }
  };
  var BIG = 5 * 1024 * 1024;

  function label(language, key, params) {
    var table = LABELS[language] || LABELS.en;
    return (table[key] || LABELS.en[key]).replace(/\{(\w+)\}/g, function (whole, name) {
      return params && name in params ? String(params[name]) : whole;
    });
  }

  function node(tag, attrs, text) {
    var made = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { made.setAttribute(name, attrs[name]); });
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function requestOf(message) {
    var places = [message && message.custom, message && message.metadata];
    for (var i = 0; i < places.length; i++) {
      var place = places[i];
      if (place && typeof place === "object" && place.evidence_request) return place.evidence_request;
    }
    return null;
  }

  // Whether an upload that failed with this HTTP status may pass when tried again: no
  // answer (the connection), a timeout, a lock, a rate limit or the server's own trouble.
  function retryable(status) {
    return !status || status >= 500 || [408, 409, 423, 429].indexOf(status) >= 0;
  }

  // Sends one file: videos and files over 5 MB over tus (resumable: retried after a dropped
  // connection, resumed after a reload), others in one POST. Options: {bearer, kind,
  // language, uploadUrl, tusUrl, onProgress(percent), onResuming(), onSent()} (onSent: the
  // whole file is out, the server's check and answer follow). Resolves with the server's
  // answer ({} over tus), rejects with {status, error} (status 0: no answer).
  function upload(file, options) {
    var language = options.language || "";
    if (!(window.tus && (file.size > BIG || file.type.indexOf("video/") === 0))) {
      return send(file, {
        url: options.uploadUrl, bearer: options.bearer, kind: options.kind, language: language,
        onProgress: function (percent) {
          if (options.onProgress) options.onProgress(percent);
          if (percent === 100 && options.onSent) options.onSent();
        }
      });
    }
    return new Promise(function (resolve, reject) {
      var transfer = new window.tus.Upload(file, {
        endpoint: options.tusUrl || "/api/tus",
        headers: { Authorization: "Bearer " + options.bearer },
        metadata: { filename: file.name, kind: options.kind || "", language: language },
        chunkSize: 8 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
        removeFingerprintOnSuccess: true,
        onProgress: function (sent, total) {
          if (options.onProgress) options.onProgress(Math.round((100 * sent) / total));
        },
        // Only what may pass when tried again (a lost connection, a lock, the server's
        // hiccup): a refusal of the file (401, 413, 422) was sent 7 times, 40 s, before
        // the customer read why (found by review).
        onShouldRetry: function (error) {
          var status = 0;
          try { status = error.originalResponse ? error.originalResponse.getStatus() : 0; } catch (e) { status = 0; }
          if (!retryable(status)) return false;
          if (options.onResuming) options.onResuming();
          return true;
        },
        onSuccess: function () { resolve({}); },
        onError: function (error) {
          var body = null;
          var status = 0;
          try { body = JSON.parse(error.originalResponse.getBody()); } catch (e) { body = null; }
          try { status = error.originalResponse.getStatus(); } catch (e) { status = 0; }
          reject({ status: status, error: body && body.error });
        }
      });
      transfer.findPreviousUploads().then(function (previous) {
        if (previous.length) transfer.resumeFromPreviousUpload(previous[0]);
        transfer.start();
      });
    });
  }

  // One file: a thumbnail, its name and progress, sent over tus (resumable) or one POST.
  function fileRow(file, request, options, list) {
    var language = options.language;
    var row = node("li", { class: "csw-evidence-file" });
    if (window.URL && /^(image|video)\//.test(file.type)) {
      var preview = file.type.indexOf("image/") === 0
        ? node("img", { alt: "", class: "csw-evidence-thumb" })
        : node("video", { muted: "", preload: "metadata", class: "csw-evidence-thumb" });
      preview.src = URL.createObjectURL(file);
      row.appendChild(preview);
    }
    var state = node("span", { class: "csw-evidence-state", role: "status" },
      label(language, "sending", { file: file.name }));
    var bar = node("progress", { max: "100", value: "0" });
    row.appendChild(state);
    row.appendChild(bar);
    list.appendChild(row);

    function done() {
      bar.value = 100;
      state.textContent = label(language, "sent", { file: file.name });
      row.setAttribute("data-state", "sent");
    }
    function failed(error) {
      row.setAttribute("data-state", "failed");
      state.textContent = (error && error.error) || label(language, "failed", { file: file.name });
      // A refusal of the file itself (its type, its size, the quota) fails again the same
      // way: no "try again" then; a lost connection or a server's hiccup may pass.
      if (!retryable(error && error.status)) return;
      var retry = node("button", { type: "button", class: "csw-evidence-retry" },
        label(language, "retry"));
      retry.addEventListener("click", function () {
        row.removeChild(retry);
        row.setAttribute("data-state", "sending");
        state.textContent = label(language, "sending", { file: file.name });
        start();
      });
      row.appendChild(retry);
    }
    function start() {
      upload(file, {
        bearer: options.bearer(), kind: (request && request.kind) || "", language: language,
        uploadUrl: options.uploadUrl, tusUrl: options.tusUrl,
        onProgress: function (percent) { bar.value = percent; },
        onResuming: function () { state.textContent = label(language, "resuming", { file: file.name }); }
      }).then(done, failed);
    }
    start();
  }

  function panelFor(message, options) {
    var request = requestOf(message);
    if (!request) return null;
    var language = options.language;
    var panel = node("div", { class: "csw-evidence" });
    var list = node("ul", { class: "csw-evidence-files" });
    function take(files, kind) {
      var asked = kind ? { kind: kind } : request;
      for (var i = 0; i < files.length; i++) fileRow(files[i], asked, options, list);
    }
    function picker(key, capture, kind) {
      var input = node("input", { type: "file", accept: "image/*,video/*,application/pdf", hidden: "" });
      if (capture) input.setAttribute("capture", "environment");
      else input.setAttribute("multiple", "");
      var button = node("button", { type: "button", class: "csw-evidence-" + key },
        label(language, kind ? key + "_" + kind : key));
      if (kind) button.setAttribute("data-kind", kind);
      button.addEventListener("click", function () { input.click(); });
      input.addEventListener("change", function () { take(input.files || [], kind); input.value = ""; });
      panel.appendChild(button);
      panel.appendChild(input);
    }
    // Several kinds prove the fact (a seizure: the customs letter or the carrier's
    // confirmation): one attach button per kind, so the file is stored as what it is.
    var kinds = Array.isArray(request.kinds) ? request.kinds : [];
    if (kinds.length > 1) {
      kinds.forEach(function (kind) { picker("attach", false, kind); });
    } else {
      picker("attach", false);
      picker("camera", true);
    }
    var later = node("button", { type: "button", class: "csw-evidence-later" }, label(language, "later"));
    later.addEventListener("click", function () {
      options.send(request.later_payload || label(language, "later"), label(language, "later"));
    });
    panel.appendChild(later);
    panel.appendChild(list);
    // A dropped file says nothing of which kind it is: only where one kind is asked.
    if (kinds.length > 1) return panel;
    panel.insertBefore(node("span", { class: "csw-evidence-drop" }, label(language, "drop")), list);
    panel.addEventListener("dragover", function (event) { event.preventDefault(); });
    panel.addEventListener("drop", function (event) {
      event.preventDefault();
      if (panel.hasAttribute("data-answered")) return;  // the question was answered
      take((event.dataTransfer && event.dataTransfer.files) || []);
    });
    return panel;
  }

  window.CSSecureEvidence = { send: send, upload: upload, retryable: retryable, panelFor: panelFor };
  var page = document.querySelector("form.csw-upload-page");
  if (page) uploadPage(page);
})();
