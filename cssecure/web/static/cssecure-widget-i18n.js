/*
 * The CSSecure chat widget's own labels in each language the assistant speaks (issue 14).
 *
 * Load it before cssecure-widget.js. Everything after "window.CSSecureWidgetI18n = " up to
 * the final ";" is strict JSON (tests/web/test_widget_i18n.py reads it): every label has
 * every language of "languages" (cssecure.i18n.LANGUAGES), and the same {placeholders} in
 * each. English is the source; keep it as it was when a translation changes.
 * Address the customer as the assistant's responses do, and name a claim with their word
 * (the test checks both): de "Sie" (Schadensmeldung), fr "vous" (réclamation), es "tú"
 * (reclamación), it "Lei" (richiesta), nl "je" (claim), pl "ty" (zgłoszenie), pt formal
 * third person without "você", European Portuguese (participação).
 */
window.CSSecureWidgetI18n = {
  "languages": ["en", "de", "fr", "es", "it", "nl", "pl", "pt"],
  "labels": {
    "title": {
      "en": "CSSecure claims assistant",
      "de": "CSSecure-Assistent für Schadensmeldungen",
      "fr": "Assistant de réclamations CSSecure",
      "es": "Asistente de reclamaciones CSSecure",
      "it": "Assistente sinistri CSSecure",
      "nl": "CSSecure-claimassistent",
      "pl": "Asystent CSSecure do zgłaszania szkód",
      "pt": "Assistente de sinistros CSSecure"
    },
    "status_connecting": {
      "en": "Connecting…",
      "de": "Verbindung wird hergestellt…",
      "fr": "Connexion en cours…",
      "es": "Conectando…",
      "it": "Connessione in corso…",
      "nl": "Verbinding maken…",
      "pl": "Łączenie…",
      "pt": "A ligar…"
    },
    "status_verified": {
      "en": "Signed in: your conversation is private to your account.",
      "de": "Angemeldet: Ihr Gespräch ist privat und nur für Ihr Konto sichtbar.",
      "fr": "Connecté à votre compte : votre conversation vous est réservée.",
      "es": "Sesión iniciada: tu conversación es privada y está vinculada a tu cuenta.",
      "it": "Accesso effettuato: la conversazione è riservata al suo account.",
      "nl": "Ingelogd: je gesprek is alleen zichtbaar voor je account.",
      "pl": "Zalogowano: rozmowa jest widoczna tylko na Twoim koncie.",
      "pt": "Sessão iniciada: a sua conversa é privada e fica associada à sua conta."
    },
    "status_anonymous": {
      "en": "Not signed in: you can report a claim; parcel details are shown only after you sign in.",
      "de": "Nicht angemeldet: Sie können einen Schaden melden; Paketdetails werden erst nach der Anmeldung angezeigt.",
      "fr": "Non connecté à un compte : vous pouvez déposer une réclamation ; les détails du colis ne s'affichent qu'une fois connecté.",
      "es": "Sesión no iniciada: puedes presentar una reclamación; los datos del paquete solo se muestran después de iniciar sesión.",
      "it": "Accesso non effettuato: può presentare una richiesta; i dettagli del pacco compaiono solo dopo l'accesso.",
      "nl": "Niet ingelogd: je kunt een claim indienen; pakketgegevens zie je pas nadat je bent ingelogd.",
      "pl": "Nie zalogowano: możesz zgłosić szkodę; szczegóły paczki są widoczne dopiero po zalogowaniu.",
      "pt": "Sessão não iniciada: pode fazer uma participação; os detalhes da encomenda só aparecem depois de iniciar sessão."
    },
    "status_disconnected": {
      "en": "Not connected.",
      "de": "Nicht verbunden.",
      "fr": "Pas de connexion.",
      "es": "Sin conexión.",
      "it": "Nessuna connessione.",
      "nl": "Geen verbinding.",
      "pl": "Brak połączenia.",
      "pt": "Sem ligação."
    },
    "status_reconnecting": {
      "en": "Reconnecting…",
      "de": "Verbindung wird wiederhergestellt…",
      "fr": "Reconnexion…",
      "es": "Reconectando…",
      "it": "Riconnessione in corso…",
      "nl": "Opnieuw verbinden…",
      "pl": "Ponowne łączenie…",
      "pt": "A restabelecer a ligação…"
    },
    "log_label": {
      "en": "Conversation",
      "de": "Gespräch",
      "fr": "Conversation",
      "es": "Conversación",
      "it": "Conversazione",
      "nl": "Gesprek",
      "pl": "Rozmowa",
      "pt": "Conversa"
    },
    "form_label": {
      "en": "Send a message",
      "de": "Nachricht senden",
      "fr": "Envoyer un message",
      "es": "Enviar un mensaje",
      "it": "Inviare un messaggio",
      "nl": "Bericht versturen",
      "pl": "Wyślij wiadomość",
      "pt": "Enviar uma mensagem"
    },
    "input_label": {
      "en": "Your message",
      "de": "Ihre Nachricht",
      "fr": "Votre message",
      "es": "Tu mensaje",
      "it": "Il suo messaggio",
      "nl": "Je bericht",
      "pl": "Twoja wiadomość",
      "pt": "A sua mensagem"
    },
    "input_placeholder": {
      "en": "Type your message…",
      "de": "Nachricht eingeben…",
      "fr": "Écrivez votre message…",
      "es": "Escribe tu mensaje…",
      "it": "Scriva il suo messaggio…",
      "nl": "Typ je bericht…",
      "pl": "Wpisz wiadomość…",
      "pt": "Escreva a sua mensagem…"
    },
    "send": {
      "en": "Send",
      "de": "Senden",
      "fr": "Envoyer",
      "es": "Enviar",
      "it": "Invia",
      "nl": "Versturen",
      "pl": "Wyślij",
      "pt": "Enviar"
    },
    "upload_form_label": {
      "en": "Send evidence",
      "de": "Nachweise senden",
      "fr": "Envoyer des justificatifs",
      "es": "Enviar pruebas",
      "it": "Inviare prove",
      "nl": "Bewijs versturen",
      "pl": "Wyślij dowody",
      "pt": "Enviar provas"
    },
    "attach": {
      "en": "Attach a photo, video or document",
      "de": "Foto, Video oder Dokument anhängen",
      "fr": "Joindre une photo, une vidéo ou un document",
      "es": "Adjuntar una foto, un vídeo o un documento",
      "it": "Allegare una foto, un video o un documento",
      "nl": "Foto, video of document bijvoegen",
      "pl": "Załącz zdjęcie, film lub dokument",
      "pt": "Anexar uma fotografia, um vídeo ou um documento"
    },
    "kind_label": {
      "en": "The file is",
      "de": "Die Datei ist",
      "fr": "Le fichier est",
      "es": "El archivo es",
      "it": "Il file è",
      "nl": "Het bestand is",
      "pl": "Plik to",
      "pt": "O ficheiro é"
    },
    "kind_option_auto": {
      "en": "Detect from the file",
      "de": "Aus der Datei erkennen",
      "fr": "Détecter d'après le fichier",
      "es": "Detectar a partir del archivo",
      "it": "Rilevare dal file",
      "nl": "Herkennen uit het bestand",
      "pl": "Rozpoznaj z pliku",
      "pt": "Detetar a partir do ficheiro"
    },
    "kind_option_photo": {
      "en": "Photo of the damage",
      "de": "Foto des Schadens",
      "fr": "Photo du dommage",
      "es": "Foto de los daños",
      "it": "Foto del danno",
      "nl": "Foto van de schade",
      "pl": "Zdjęcie uszkodzenia",
      "pt": "Fotografia dos danos"
    },
    "kind_option_unboxing_video": {
      "en": "Unboxing video",
      "de": "Unboxing-Video",
      "fr": "Vidéo de déballage",
      "es": "Vídeo de desembalaje",
      "it": "Video di unboxing",
      "nl": "Unboxingvideo",
      "pl": "Nagranie z rozpakowania",
      "pt": "Vídeo de unboxing"
    },
    "kind_option_customs_letter": {
      "en": "Customs letter",
      "de": "Zollschreiben",
      "fr": "Courrier de la douane",
      "es": "Carta de la aduana",
      "it": "Lettera della dogana",
      "nl": "Brief van de douane",
      "pl": "Pismo z urzędu celnego",
      "pt": "Carta da alfândega"
    },
    "kind_option_carrier_confirmation": {
      "en": "Carrier confirmation",
      "de": "Bestätigungsschreiben des Versanddienstleisters",
      "fr": "Confirmation du transporteur",
      "es": "Confirmación del transportista",
      "it": "Conferma del corriere",
      "nl": "Bevestiging van de vervoerder",
      "pl": "Potwierdzenie od przewoźnika",
      "pt": "Confirmação da transportadora"
    },
    "kind_option_value_proof": {
      "en": "Proof of value",
      "de": "Wertnachweis",
      "fr": "Preuve de valeur",
      "es": "Prueba del valor",
      "it": "Prova del valore",
      "nl": "Bewijs van de waarde",
      "pl": "Dowód wartości",
      "pt": "Prova do valor"
    },
    "kind_option_other": {
      "en": "Other document",
      "de": "Anderes Dokument",
      "fr": "Autre document",
      "es": "Otro documento",
      "it": "Altro documento",
      "nl": "Ander document",
      "pl": "Inny dokument",
      "pt": "Outro documento"
    },
    "kind_photo": {
      "en": "photo",
      "de": "Foto",
      "fr": "photo",
      "es": "foto",
      "it": "foto",
      "nl": "foto",
      "pl": "zdjęcie",
      "pt": "fotografia"
    },
    "kind_unboxing_video": {
      "en": "unboxing video",
      "de": "Unboxing-Video",
      "fr": "vidéo de déballage",
      "es": "vídeo de desembalaje",
      "it": "video di unboxing",
      "nl": "unboxingvideo",
      "pl": "nagranie z rozpakowania",
      "pt": "vídeo de unboxing"
    },
    "kind_customs_letter": {
      "en": "customs letter",
      "de": "Zollschreiben",
      "fr": "courrier de la douane",
      "es": "carta de la aduana",
      "it": "lettera della dogana",
      "nl": "brief van de douane",
      "pl": "pismo z urzędu celnego",
      "pt": "carta da alfândega"
    },
    "kind_carrier_confirmation": {
      "en": "carrier confirmation",
      "de": "Bestätigungsschreiben des Versanddienstleisters",
      "fr": "confirmation du transporteur",
      "es": "confirmación del transportista",
      "it": "conferma del corriere",
      "nl": "bevestiging van de vervoerder",
      "pl": "potwierdzenie od przewoźnika",
      "pt": "confirmação da transportadora"
    },
    "kind_value_proof": {
      "en": "value proof",
      "de": "Wertnachweis",
      "fr": "preuve de valeur",
      "es": "prueba del valor",
      "it": "prova del valore",
      "nl": "bewijs van de waarde",
      "pl": "dowód wartości",
      "pt": "prova do valor"
    },
    "kind_other": {
      "en": "other",
      "de": "Sonstiges",
      "fr": "autre",
      "es": "otro",
      "it": "altro",
      "nl": "overig",
      "pl": "inne",
      "pt": "outro"
    },
    "kind_evidence": {
      "en": "evidence",
      "de": "Nachweis",
      "fr": "justificatif",
      "es": "prueba",
      "it": "prova",
      "nl": "bewijs",
      "pl": "dowód",
      "pt": "prova"
    },
    "typing": {
      "en": "The assistant is typing…",
      "de": "Der Assistent schreibt…",
      "fr": "L'assistant écrit…",
      "es": "El asistente está escribiendo…",
      "it": "L'assistente sta scrivendo…",
      "nl": "De assistent typt…",
      "pl": "Asystent pisze…",
      "pt": "O assistente está a escrever…"
    },
    "who_user": {
      "en": "You",
      "de": "Sie",
      "fr": "Vous",
      "es": "Tú",
      "it": "Lei",
      "nl": "Jij",
      "pl": "Ty",
      "pt": "Eu"
    },
    "who_bot": {
      "en": "Assistant",
      "de": "Assistent",
      "fr": "Assistant",
      "es": "Asistente",
      "it": "Assistente",
      "nl": "Assistent",
      "pl": "Asystent",
      "pt": "Assistente"
    },
    "who_agent": {
      "en": "Agent",
      "de": "Support-Team",
      "fr": "Service client",
      "es": "Agente",
      "it": "Assistenza clienti",
      "nl": "Medewerker",
      "pl": "Obsługa klienta",
      "pt": "Agente"
    },
    "who_agent_named": {
      "en": "Agent {name}",
      "de": "{name} (Support-Team)",
      "fr": "{name} (service client)",
      "es": "Agente {name}",
      "it": "{name} (assistenza clienti)",
      "nl": "Medewerker {name}",
      "pl": "{name} (obsługa klienta)",
      "pt": "Agente {name}"
    },
    "replies_label": {
      "en": "Suggested replies",
      "de": "Antwortvorschläge",
      "fr": "Réponses suggérées",
      "es": "Respuestas sugeridas",
      "it": "Risposte suggerite",
      "nl": "Voorgestelde antwoorden",
      "pl": "Sugerowane odpowiedzi",
      "pt": "Respostas sugeridas"
    },
    "attachment": {
      "en": "(attachment)",
      "de": "(Anhang)",
      "fr": "(pièce jointe)",
      "es": "(archivo adjunto)",
      "it": "(allegato)",
      "nl": "(bijlage)",
      "pl": "(załącznik)",
      "pt": "(anexo)"
    },
    "error_not_sent": {
      "en": "The message could not be sent.",
      "de": "Die Nachricht konnte nicht gesendet werden.",
      "fr": "Le message n'a pas pu être envoyé.",
      "es": "No se ha podido enviar el mensaje.",
      "it": "Non è stato possibile inviare il messaggio.",
      "nl": "Het bericht kon niet worden verstuurd.",
      "pl": "Nie udało się wysłać wiadomości.",
      "pt": "Não foi possível enviar a mensagem."
    },
    "error_unreachable": {
      "en": "Cannot reach the assistant right now; retrying…",
      "de": "Der Assistent ist gerade nicht erreichbar; neuer Versuch läuft…",
      "fr": "L'assistant est injoignable pour le moment ; nouvelle tentative…",
      "es": "Ahora mismo no se puede contactar con el asistente; reintentando…",
      "it": "Al momento l'assistente non è raggiungibile; nuovo tentativo in corso…",
      "nl": "De assistent is nu niet bereikbaar; opnieuw proberen…",
      "pl": "Asystent jest teraz niedostępny; ponawiam próbę…",
      "pt": "De momento não é possível contactar o assistente; a tentar novamente…"
    },
    "error_not_connected": {
      "en": "Not connected yet: your message was not sent. Please try again in a moment.",
      "de": "Noch nicht verbunden: Ihre Nachricht wurde nicht gesendet. Bitte versuchen Sie es gleich noch einmal.",
      "fr": "Pas encore connecté : votre message n'a pas été envoyé. Veuillez réessayer dans un instant.",
      "es": "Aún no hay conexión: tu mensaje no se ha enviado. Vuelve a intentarlo en un momento.",
      "it": "Non ancora connesso: il messaggio non è stato inviato. Riprovi tra un momento.",
      "nl": "Nog geen verbinding: je bericht is niet verstuurd. Probeer het zo nog eens.",
      "pl": "Brak połączenia: wiadomość nie została wysłana. Spróbuj ponownie za chwilę.",
      "pt": "Ainda sem ligação: a sua mensagem não foi enviada. Tente novamente dentro de momentos."
    },
    "upload_still_connecting": {
      "en": "The chat is still connecting; please choose the file again in a moment.",
      "de": "Der Chat verbindet sich noch; bitte wählen Sie die Datei gleich noch einmal aus.",
      "fr": "Le chat est encore en cours de connexion ; veuillez choisir à nouveau le fichier dans un instant.",
      "es": "El chat todavía se está conectando; vuelve a elegir el archivo en un momento.",
      "it": "La chat si sta ancora connettendo; scelga di nuovo il file tra un momento.",
      "nl": "De chat maakt nog verbinding; kies het bestand zo opnieuw.",
      "pl": "Czat wciąż się łączy; wybierz plik ponownie za chwilę.",
      "pt": "O chat ainda está a ligar; escolha o ficheiro novamente dentro de momentos."
    },
    "upload_progress": {
      "en": "Uploading {file}…",
      "de": "{file} wird hochgeladen…",
      "fr": "Envoi de {file}…",
      "es": "Subiendo {file}…",
      "it": "Caricamento di {file}…",
      "nl": "{file} uploaden…",
      "pl": "Przesyłanie pliku {file}…",
      "pt": "A enviar {file}…"
    },
    "upload_progress_label": {
      "en": "Upload of {file}",
      "de": "Hochladen von {file}",
      "fr": "Envoi de {file}",
      "es": "Subida de {file}",
      "it": "Caricamento di {file}",
      "nl": "Upload van {file}",
      "pl": "Przesyłanie pliku {file}",
      "pt": "Envio de {file}"
    },
    "upload_sent_claim": {
      "en": "Sent {file} ({kind}) for claim {claim}.",
      "de": "{file} ({kind}) für die Schadensmeldung {claim} gesendet.",
      "fr": "{file} ({kind}) envoyé pour la réclamation {claim}.",
      "es": "{file} ({kind}) enviado para la reclamación {claim}.",
      "it": "{file} ({kind}) inviato per la richiesta {claim}.",
      "nl": "{file} ({kind}) verstuurd voor claim {claim}.",
      "pl": "Wysłano {file} ({kind}) do zgłoszenia {claim}.",
      "pt": "{file} ({kind}) enviado para a participação {claim}."
    },
    "upload_sent_draft": {
      "en": "Sent {file} ({kind}) for the claim you are reporting.",
      "de": "{file} ({kind}) für die Schadensmeldung gesendet, die Sie gerade erstellen.",
      "fr": "{file} ({kind}) envoyé pour la réclamation que vous êtes en train de signaler.",
      "es": "{file} ({kind}) enviado para la reclamación que estás presentando.",
      "it": "{file} ({kind}) inviato per la richiesta che sta presentando.",
      "nl": "{file} ({kind}) verstuurd voor de claim die je nu indient.",
      "pl": "Wysłano {file} ({kind}) do zgłoszenia, które właśnie składasz.",
      "pt": "{file} ({kind}) enviado para a participação que está a fazer."
    },
    "upload_sent_loose": {
      "en": "Sent {file} ({kind}) kept until you say which claim it is for.",
      "de": "{file} ({kind}) gesendet; die Datei wird aufbewahrt, bis Sie sagen, zu welcher Schadensmeldung sie gehört.",
      "fr": "{file} ({kind}) envoyé ; il est conservé jusqu'à ce que vous indiquiez à quelle réclamation il se rapporte.",
      "es": "{file} ({kind}) enviado; se guardará hasta que indiques a qué reclamación corresponde.",
      "it": "{file} ({kind}) inviato; verrà conservato finché non indica a quale richiesta si riferisce.",
      "nl": "{file} ({kind}) verstuurd; het wordt bewaard tot je zegt bij welke claim het hoort.",
      "pl": "Wysłano {file} ({kind}); plik poczeka, aż wskażesz, którego zgłoszenia dotyczy.",
      "pt": "{file} ({kind}) enviado; fica guardado até indicar a que participação se refere."
    },
    "upload_not_sent": {
      "en": "Not sent: {file}",
      "de": "Nicht gesendet: {file}",
      "fr": "Non envoyé : {file}",
      "es": "No enviado: {file}",
      "it": "Non inviato: {file}",
      "nl": "Niet verstuurd: {file}",
      "pl": "Nie wysłano: {file}",
      "pt": "Não enviado: {file}"
    },
    "upload_failed_status": {
      "en": "The file could not be uploaded (error {status}).",
      "de": "Die Datei konnte nicht hochgeladen werden (Fehler {status}).",
      "fr": "Le fichier n'a pas pu être envoyé (erreur {status}).",
      "es": "No se ha podido subir el archivo (error {status}).",
      "it": "Non è stato possibile caricare il file (errore {status}).",
      "nl": "Het bestand kon niet worden geüpload (fout {status}).",
      "pl": "Nie udało się przesłać pliku (błąd {status}).",
      "pt": "Não foi possível enviar o ficheiro (erro {status})."
    },
    "upload_failed_connection": {
      "en": "The upload failed: the connection was lost. Please try again.",
      "de": "Das Hochladen ist fehlgeschlagen: Die Verbindung wurde unterbrochen. Bitte versuchen Sie es noch einmal.",
      "fr": "L'envoi a échoué : la connexion a été perdue. Veuillez réessayer.",
      "es": "La subida ha fallado: se ha perdido la conexión. Vuelve a intentarlo.",
      "it": "Caricamento non riuscito: la connessione si è interrotta. Riprovi.",
      "nl": "Het uploaden is mislukt: de verbinding is verbroken. Probeer het opnieuw.",
      "pl": "Przesyłanie nie powiodło się: połączenie zostało przerwane. Spróbuj ponownie.",
      "pt": "O envio falhou: a ligação perdeu-se. Tente novamente."
    }
  }
};
