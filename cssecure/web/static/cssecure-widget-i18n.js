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
  "languages": [
    "en",
    "de",
    "fr",
    "es",
    "it",
    "nl",
    "pl",
    "pt"
  ],
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
    "upload_sent": {
      "en": "Sent {file}.",
      "de": "{file} gesendet.",
      "fr": "{file} envoyé.",
      "es": "{file} enviado.",
      "it": "{file} inviato.",
      "nl": "{file} verstuurd.",
      "pl": "Wysłano {file}.",
      "pt": "{file} enviado."
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
    "retry": {
      "en": "Try again",
      "de": "Erneut versuchen",
      "fr": "Réessayer",
      "es": "Reintentar",
      "it": "Riprovi",
      "nl": "Opnieuw proberen",
      "pl": "Spróbuj ponownie",
      "pt": "Tentar de novo"
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
    },
    "launcher_open": {
      "en": "Open the chat with the CSSecure assistant",
      "de": "Chat mit dem CSSecure-Assistenten öffnen",
      "fr": "Ouvrir la discussion avec l'assistant CSSecure",
      "es": "Abrir el chat con el asistente de CSSecure",
      "it": "Apri la chat con l'assistente CSSecure",
      "nl": "Chat met de CSSecure-assistent openen",
      "pl": "Otwórz czat z asystentem CSSecure",
      "pt": "Abrir a conversa com o assistente CSSecure"
    },
    "launcher_close": {
      "en": "Close the chat",
      "de": "Chat schließen",
      "fr": "Fermer la discussion",
      "es": "Cerrar el chat",
      "it": "Chiudi la chat",
      "nl": "Chat sluiten",
      "pl": "Zamknij czat",
      "pt": "Fechar a conversa"
    },
    "greeting": {
      "en": "Hello! I'm the CSSecure assistant. I can help with a parcel that arrived damaged, got lost, was seized, returned or is late, tell you where your claim stands, and answer questions about the insurance. What can I do for you?",
      "de": "Hallo! Ich bin der CSSecure-Assistent. Ich helfe Ihnen bei einem Paket, das beschädigt ankam, verloren ging, beschlagnahmt, zurückgeschickt wurde oder sich verspätet, sage Ihnen, wie es um Ihre Schadensmeldung steht, und beantworte Fragen zur Versicherung. Was kann ich für Sie tun?",
      "fr": "Bonjour ! Je suis l'assistant CSSecure. Je peux vous aider pour un colis arrivé endommagé, perdu, saisi, retourné ou en retard, vous dire où en est votre réclamation et répondre à vos questions sur l'assurance. Que puis-je faire pour vous ?",
      "es": "¡Hola! Soy el asistente de CSSecure. Puedo ayudarte con un paquete que llegó dañado, se perdió, fue retenido, devuelto o llega tarde, decirte cómo va tu reclamación y responder a tus preguntas sobre el seguro. ¿Qué puedo hacer por ti?",
      "it": "Buongiorno! Sono l'assistente CSSecure. Posso aiutarLa con un pacco arrivato danneggiato, smarrito, sequestrato, restituito o in ritardo, dirLe a che punto è la Sua richiesta e rispondere alle domande sull'assicurazione. Cosa posso fare per Lei?",
      "nl": "Hallo! Ik ben de CSSecure-assistent. Ik help je met een pakket dat beschadigd aankwam, zoek is, in beslag is genomen, is teruggestuurd of te laat is, vertel je hoe het met je claim staat en beantwoord vragen over de verzekering. Wat kan ik voor je doen?",
      "pl": "Cześć! Jestem asystentem CSSecure. Pomogę ci z paczką, która dotarła uszkodzona, zaginęła, została zatrzymana, zwrócona lub się spóźnia, powiem, na jakim etapie jest twoje zgłoszenie, i odpowiem na pytania o ubezpieczenie. W czym mogę pomóc?",
      "pt": "Olá! Sou o assistente CSSecure. Posso ajudar com uma encomenda que chegou danificada, se perdeu, foi apreendida, devolvida ou está atrasada, dizer em que ponto está a sua participação e responder a perguntas sobre o seguro. Em que posso ajudar?"
    },
    "welcome_back": {
      "en": "Welcome back! Your conversation so far is above. Is there anything else I can do for you?",
      "de": "Willkommen zurück! Ihr bisheriges Gespräch steht oben. Kann ich sonst noch etwas für Sie tun?",
      "fr": "Bon retour ! Votre conversation jusqu'ici figure ci-dessus. Puis-je faire autre chose pour vous ?",
      "es": "¡Hola de nuevo! Arriba está nuestra conversación hasta ahora. ¿Puedo ayudarte en algo más?",
      "it": "Bentornato! La conversazione finora è qui sopra. Posso fare altro per Lei?",
      "nl": "Welkom terug! Ons gesprek tot nu toe staat hierboven. Kan ik nog iets anders voor je doen?",
      "pl": "Witaj ponownie! Nasza dotychczasowa rozmowa jest powyżej. Czy mogę pomóc w czymś jeszcze?",
      "pt": "Bem-vindo de volta! A nossa conversa até agora está acima. Posso ajudar em mais alguma coisa?"
    },
    "starter_problem": {
      "en": "Report a problem",
      "de": "Problem melden",
      "fr": "Signaler un problème",
      "es": "Informar de un problema",
      "it": "Segnalare un problema",
      "nl": "Probleem melden",
      "pl": "Zgłoś problem",
      "pt": "Comunicar um problema"
    },
    "starter_status": {
      "en": "Claim status",
      "de": "Stand der Schadensmeldung",
      "fr": "Suivi de ma réclamation",
      "es": "Estado de la reclamación",
      "it": "Stato della richiesta",
      "nl": "Status van mijn claim",
      "pl": "Status zgłoszenia",
      "pt": "Estado da participação"
    },
    "starter_question": {
      "en": "Insurance question",
      "de": "Frage zur Versicherung",
      "fr": "Question sur l'assurance",
      "es": "Pregunta sobre el seguro",
      "it": "Domanda sull'assicurazione",
      "nl": "Vraag over de verzekering",
      "pl": "Pytanie o ubezpieczenie",
      "pt": "Pergunta sobre o seguro"
    },
    "starter_person": {
      "en": "Talk to a person",
      "de": "Mit einem Menschen sprechen",
      "fr": "Parler à une personne",
      "es": "Hablar con una persona",
      "it": "Parlare con una persona",
      "nl": "Met een medewerker praten",
      "pl": "Rozmowa z człowiekiem",
      "pt": "Falar com uma pessoa"
    },
    "ask_problem": {
      "en": "What happened to your parcel?",
      "de": "Was ist mit Ihrem Paket passiert?",
      "fr": "Qu'est-il arrivé à votre colis ?",
      "es": "¿Qué le ha pasado a tu paquete?",
      "it": "Che cosa è successo al Suo pacco?",
      "nl": "Wat is er met je pakket gebeurd?",
      "pl": "Co się stało z twoją paczką?",
      "pt": "O que aconteceu à sua encomenda?"
    },
    "problem_damaged": {
      "en": "Arrived damaged",
      "de": "Beschädigt angekommen",
      "fr": "Arrivé endommagé",
      "es": "Llegó dañado",
      "it": "Arrivato danneggiato",
      "nl": "Beschadigd aangekomen",
      "pl": "Dotarła uszkodzona",
      "pt": "Chegou danificada"
    },
    "problem_lost": {
      "en": "Lost",
      "de": "Verloren gegangen",
      "fr": "Perdu",
      "es": "Perdido",
      "it": "Smarrito",
      "nl": "Zoekgeraakt",
      "pl": "Zaginęła",
      "pt": "Perdida"
    },
    "problem_seized": {
      "en": "Seized by customs",
      "de": "Vom Zoll beschlagnahmt",
      "fr": "Saisi par la douane",
      "es": "Retenido por aduanas",
      "it": "Sequestrato dalla dogana",
      "nl": "In beslag genomen door de douane",
      "pl": "Zatrzymana przez urząd celny",
      "pt": "Apreendida pela alfândega"
    },
    "problem_returned": {
      "en": "Returned to the warehouse",
      "de": "Ans Lager zurückgeschickt",
      "fr": "Renvoyé à l'entrepôt",
      "es": "Devuelto al almacén",
      "it": "Restituito al magazzino",
      "nl": "Teruggestuurd naar het magazijn",
      "pl": "Zwrócona do magazynu",
      "pt": "Devolvida ao armazém"
    },
    "problem_delayed": {
      "en": "Late",
      "de": "Verspätet",
      "fr": "En retard",
      "es": "Con retraso",
      "it": "In ritardo",
      "nl": "Te laat",
      "pl": "Spóźnia się",
      "pt": "Atrasada"
    },
    "ask_parcel": {
      "en": "Which parcel is it about?",
      "de": "Um welches Paket geht es?",
      "fr": "De quel colis s'agit-il ?",
      "es": "¿De qué paquete se trata?",
      "it": "Di quale pacco si tratta?",
      "nl": "Over welk pakket gaat het?",
      "pl": "Której paczki to dotyczy?",
      "pt": "De que encomenda se trata?"
    },
    "parcel_choice": {
      "en": "{parcel} · {line} to {destination} · shipped {date}",
      "de": "{parcel} · {line} nach {destination} · versandt am {date}",
      "fr": "{parcel} · {line} vers {destination} · expédié le {date}",
      "es": "{parcel} · {line} a {destination} · enviado el {date}",
      "it": "{parcel} · {line} verso {destination} · spedito il {date}",
      "nl": "{parcel} · {line} naar {destination} · verzonden op {date}",
      "pl": "{parcel} · {line} do {destination} · wysłana {date}",
      "pt": "{parcel} · {line} para {destination} · enviada a {date}"
    },
    "parcel_other": {
      "en": "Another parcel",
      "de": "Ein anderes Paket",
      "fr": "Un autre colis",
      "es": "Otro paquete",
      "it": "Un altro pacco",
      "nl": "Een ander pakket",
      "pl": "Inna paczka",
      "pt": "Outra encomenda"
    },
    "parcels_label": {
      "en": "Your recent parcels",
      "de": "Ihre letzten Pakete",
      "fr": "Vos colis récents",
      "es": "Tus paquetes recientes",
      "it": "I Suoi pacchi recenti",
      "nl": "Je recente pakketten",
      "pl": "Twoje ostatnie paczki",
      "pt": "As suas encomendas recentes"
    },
    "say_damaged_parcel": {
      "en": "My parcel {parcel} arrived damaged.",
      "de": "Mein Paket {parcel} ist beschädigt angekommen.",
      "fr": "Mon colis {parcel} est arrivé endommagé.",
      "es": "Mi paquete {parcel} llegó dañado.",
      "it": "Il mio pacco {parcel} è arrivato danneggiato.",
      "nl": "Mijn pakket {parcel} is beschadigd aangekomen.",
      "pl": "Moja paczka {parcel} dotarła uszkodzona.",
      "pt": "A minha encomenda {parcel} chegou danificada."
    },
    "say_lost_parcel": {
      "en": "My parcel {parcel} is lost.",
      "de": "Mein Paket {parcel} ist verloren gegangen.",
      "fr": "Mon colis {parcel} est perdu.",
      "es": "Mi paquete {parcel} se ha perdido.",
      "it": "Il mio pacco {parcel} è stato smarrito.",
      "nl": "Mijn pakket {parcel} is zoekgeraakt.",
      "pl": "Moja paczka {parcel} zaginęła.",
      "pt": "A minha encomenda {parcel} perdeu-se."
    },
    "say_seized_parcel": {
      "en": "My parcel {parcel} was seized by customs.",
      "de": "Mein Paket {parcel} wurde vom Zoll beschlagnahmt.",
      "fr": "Mon colis {parcel} a été saisi par la douane.",
      "es": "Mi paquete {parcel} fue retenido por la aduana.",
      "it": "Il mio pacco {parcel} è stato sequestrato dalla dogana.",
      "nl": "Mijn pakket {parcel} is door de douane in beslag genomen.",
      "pl": "Moja paczka {parcel} została zatrzymana przez urząd celny.",
      "pt": "A minha encomenda {parcel} foi apreendida pela alfândega."
    },
    "say_returned_parcel": {
      "en": "My parcel {parcel} was returned to the warehouse.",
      "de": "Mein Paket {parcel} wurde ans Lager zurückgeschickt.",
      "fr": "Mon colis {parcel} a été renvoyé à l'entrepôt.",
      "es": "Mi paquete {parcel} fue devuelto al almacén.",
      "it": "Il mio pacco {parcel} è stato restituito al magazzino.",
      "nl": "Mijn pakket {parcel} is teruggestuurd naar het magazijn.",
      "pl": "Moja paczka {parcel} została zwrócona do magazynu.",
      "pt": "A minha encomenda {parcel} foi devolvida ao armazém."
    },
    "say_delayed_parcel": {
      "en": "My parcel {parcel} is late.",
      "de": "Mein Paket {parcel} ist verspätet.",
      "fr": "Mon colis {parcel} est en retard.",
      "es": "Mi paquete {parcel} llega con retraso.",
      "it": "Il mio pacco {parcel} è in ritardo.",
      "nl": "Ik wil een vertraging melden: mijn pakket {parcel} is nog steeds niet binnen.",
      "pl": "Chcę zgłosić opóźnienie: moja paczka {parcel} nadal nie doszła.",
      "pt": "A minha encomenda {parcel} está atrasada."
    },
    "say_damaged": {
      "en": "My parcel arrived damaged.",
      "de": "Mein Paket ist beschädigt angekommen.",
      "fr": "Mon colis est arrivé endommagé.",
      "es": "Mi paquete llegó dañado.",
      "it": "Il mio pacco è arrivato danneggiato.",
      "nl": "Mijn pakket is beschadigd aangekomen.",
      "pl": "Moja paczka dotarła uszkodzona.",
      "pt": "A minha encomenda chegou danificada."
    },
    "say_lost": {
      "en": "My parcel is lost.",
      "de": "Mein Paket ist verloren gegangen.",
      "fr": "Mon colis est perdu.",
      "es": "Mi paquete se ha perdido.",
      "it": "Il mio pacco è stato smarrito.",
      "nl": "Mijn pakket is zoekgeraakt.",
      "pl": "Moja paczka zaginęła.",
      "pt": "A minha encomenda perdeu-se."
    },
    "say_seized": {
      "en": "My parcel was seized by customs.",
      "de": "Mein Paket wurde vom Zoll beschlagnahmt.",
      "fr": "Mon colis a été saisi par la douane.",
      "es": "Mi paquete fue retenido por la aduana.",
      "it": "Il mio pacco è stato sequestrato dalla dogana.",
      "nl": "Mijn pakket is door de douane in beslag genomen.",
      "pl": "Moja paczka została zatrzymana przez urząd celny.",
      "pt": "A minha encomenda foi apreendida pela alfândega."
    },
    "say_returned": {
      "en": "My parcel was returned to the warehouse.",
      "de": "Mein Paket wurde ans Lager zurückgeschickt.",
      "fr": "Mon colis a été renvoyé à l'entrepôt.",
      "es": "Mi paquete fue devuelto al almacén.",
      "it": "Il mio pacco è stato restituito al magazzino.",
      "nl": "Mijn pakket is teruggestuurd naar het magazijn.",
      "pl": "Moja paczka została zwrócona do magazynu.",
      "pt": "A minha encomenda foi devolvida ao armazém."
    },
    "say_delayed": {
      "en": "My parcel is late.",
      "de": "Mein Paket ist verspätet.",
      "fr": "Mon colis est en retard.",
      "es": "Mi paquete llega con retraso.",
      "it": "Il mio pacco è in ritardo.",
      "nl": "Ik wil een vertraging melden: mijn pakket is nog steeds niet binnen.",
      "pl": "Chcę zgłosić opóźnienie: moja paczka nadal nie doszła.",
      "pt": "A minha encomenda está atrasada."
    },
    "ask_question": {
      "en": "What would you like to know about the insurance? Type your question below.",
      "de": "Was möchten Sie über die Versicherung wissen? Schreiben Sie Ihre Frage unten.",
      "fr": "Que souhaitez-vous savoir sur l'assurance ? Écrivez votre question ci-dessous.",
      "es": "¿Qué quieres saber sobre el seguro? Escribe tu pregunta abajo.",
      "it": "Che cosa desidera sapere sull'assicurazione? Scriva la Sua domanda qui sotto.",
      "nl": "Wat wil je weten over de verzekering? Typ je vraag hieronder.",
      "pl": "Co chcesz wiedzieć o ubezpieczeniu? Wpisz pytanie poniżej.",
      "pt": "O que gostaria de saber sobre o seguro? Escreva a sua pergunta abaixo."
    },
    "say_status": {
      "en": "What is the status of my claim?",
      "de": "Wie ist der Stand meiner Schadensmeldung?",
      "fr": "Où en est ma réclamation ?",
      "es": "¿Cuál es el estado de mi reclamación?",
      "it": "Qual è lo stato della mia richiesta?",
      "nl": "Wat is de status van mijn claim?",
      "pl": "Jaki jest status mojego zgłoszenia?",
      "pt": "Qual é o estado da minha participação?"
    },
    "say_person": {
      "en": "I would like to talk to a person.",
      "de": "Ich möchte mit einem Menschen sprechen.",
      "fr": "Je voudrais parler à une personne.",
      "es": "Quiero hablar con una persona.",
      "it": "Vorrei parlare con una persona.",
      "nl": "Ik wil graag met een medewerker praten.",
      "pl": "Chcę porozmawiać z człowiekiem.",
      "pt": "Gostaria de falar com uma pessoa."
    },
    "state_sending": {
      "en": "Sending…",
      "de": "Wird gesendet…",
      "fr": "Envoi…",
      "es": "Enviando…",
      "it": "Invio in corso…",
      "nl": "Verzenden…",
      "pl": "Wysyłanie…",
      "pt": "A enviar…"
    },
    "state_delivered": {
      "en": "Delivered",
      "de": "Zugestellt",
      "fr": "Remis",
      "es": "Entregado",
      "it": "Consegnato",
      "nl": "Afgeleverd",
      "pl": "Dostarczono",
      "pt": "Entregue"
    }
  }
};
