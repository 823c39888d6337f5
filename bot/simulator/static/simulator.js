// Kapacitet simulator: the chat page. Plain JavaScript, no build step, no external code.
//
// The page shows one or more "phones", each a private chat of one simulated person with the
// bot. It reads the chat from /api/people/ID/chat, sends what the person types or taps to the
// JSON API, and follows what the bot does through Server-Sent Events (/api/events).
// Everything user-typed is inserted as text; the bot's Telegram HTML is sanitised on the server
// and again here (only b, strong, i, em, u, s, code, pre, a and blockquote survive).
"use strict";

(() => {
  const ALLOWED_TAGS = new Set(["B", "STRONG", "I", "EM", "U", "S", "CODE", "PRE", "A", "BLOCKQUOTE"]);
  const MAX_PHONES = 3;
  const AVATAR_COLORS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

  const app = {
    bot: { name: "Kapacitet", username: "kapacitet_bot" },
    people: new Map(),
    roles: [],
    languageCodes: [],
    maxText: 4096,
    timezone: "UTC",
    clock: null, // {now_ms, offset_ms, at: performance.now()}
    phones: [],
    unread: new Map(),
    events: null,
    started: false,
  };

  // -- small helpers ---------------------------------------------------------------------------

  async function api(method, path, body) {
    const options = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (!response.ok) {
      throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
    }
    return data;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function initials(name) {
    const parts = String(name).trim().split(/\s+/).filter(Boolean);
    return ((parts[0] || "?")[0] + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase();
  }

  function avatar(person) {
    const node = el("div", "avatar", initials(person.name));
    node.style.background = AVATAR_COLORS[person.id % AVATAR_COLORS.length];
    node.setAttribute("aria-hidden", "true");
    return node;
  }

  function personMeta(person) {
    return `${person.role} · ${person.language_code || "no language"} · id ${person.id}`;
  }

  function formatSize(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function formatter(options) {
    try {
      return new Intl.DateTimeFormat("en-GB", { timeZone: app.timezone, ...options });
    } catch (error) {
      return new Intl.DateTimeFormat("en-GB", options);
    }
  }

  function timeOfDay(ms) {
    return formatter({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(ms);
  }

  function dayOf(ms) {
    return formatter({ year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);
  }

  function dayLabel(ms) {
    return formatter({ weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(ms);
  }

  // -- Telegram HTML, sanitised -----------------------------------------------------------------

  function safeHref(value) {
    if (!value) return null;
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  const LINK_RE = /(https?:\/\/[^\s<>"]+)|(\/[A-Za-z][A-Za-z0-9_]{0,31})(?![A-Za-z0-9_/])/g;

  // Text as Telegram shows it: addresses and /commands become clickable.
  function appendText(target, text, plain) {
    if (plain) {
      target.appendChild(document.createTextNode(text));
      return;
    }
    let last = 0;
    for (const match of text.matchAll(LINK_RE)) {
      const start = match.index;
      if (start < last) continue;
      let value = match[0];
      let link = null;
      if (match[1]) {
        value = value.replace(/[.,;:!?)\]'»]+$/, "");
        const href = safeHref(value);
        if (!href) continue;
        link = el("a", null, value);
        link.href = href;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      } else {
        const before = start > 0 ? text[start - 1] : " ";
        if (!/[\s(]/.test(before)) continue;
        link = el("a", "command", value);
        link.href = "#";
        link.dataset.command = value;
      }
      target.appendChild(document.createTextNode(text.slice(last, start)));
      target.appendChild(link);
      last = start + value.length;
    }
    target.appendChild(document.createTextNode(text.slice(last)));
  }

  function sanitizeInto(source, target, plain) {
    for (const node of Array.from(source.childNodes)) {
      if (node.nodeType === Node.TEXT_NODE) {
        appendText(target, node.textContent, plain);
        continue;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      const tag = node.tagName.toUpperCase();
      if (!ALLOWED_TAGS.has(tag)) {
        sanitizeInto(node, target, plain);
        continue;
      }
      let copy;
      if (tag === "A") {
        const href = safeHref(node.getAttribute("href"));
        if (!href) {
          sanitizeInto(node, target, plain);
          continue;
        }
        copy = document.createElement("a");
        copy.href = href;
        copy.target = "_blank";
        copy.rel = "noopener noreferrer";
      } else {
        copy = document.createElement(tag.toLowerCase());
      }
      sanitizeInto(node, copy, plain || tag === "A" || tag === "CODE" || tag === "PRE");
      target.appendChild(copy);
    }
  }

  function renderHtml(html) {
    // A <template>'s content is inert: nothing in it runs or loads while it is parsed.
    const template = document.createElement("template");
    template.innerHTML = html;
    const fragment = document.createDocumentFragment();
    sanitizeInto(template.content, fragment, false);
    return fragment;
  }

  // A t.me link to this bot with ?start=... is an invite: Telegram sends "/start PAYLOAD".
  function startPayload(href) {
    try {
      const url = new URL(href);
      const host = url.hostname.toLowerCase();
      if (host !== "t.me" && host !== "telegram.me") return null;
      if (url.pathname.replace(/^\/+|\/+$/g, "").toLowerCase() !== app.bot.username.toLowerCase()) {
        return null;
      }
      const payload = url.searchParams.get("start");
      return payload === null ? "" : payload;
    } catch (error) {
      return null;
    }
  }

  // -- a phone: one person's chat -------------------------------------------------------------

  class Phone {
    constructor(personId) {
      this.personId = personId;
      const template = document.getElementById("phone-template");
      this.root = template.content.firstElementChild.cloneNode(true);
      this.root.dataset.person = String(personId);
      this.messagesEl = this.root.querySelector(".messages");
      this.form = this.root.querySelector(".composer");
      this.input = this.root.querySelector(".input");
      this.input.maxLength = app.maxText;
      this.attachButton = this.root.querySelector(".attach-button");
      this.fileInput = this.root.querySelector(".file-input");
      this.menuButton = this.root.querySelector(".menu-button");
      this.menuPopup = this.root.querySelector(".menu-popup");
      this.menuList = this.root.querySelector(".menu-list");
      this.startButton = this.root.querySelector(".start-button");
      this.replyKeyboard = this.root.querySelector(".reply-keyboard");
      this.toastEl = this.root.querySelector(".toast");
      this.alertBackdrop = this.root.querySelector(".alert-backdrop");
      this.closeButton = this.root.querySelector(".close-phone");
      this.messages = new Map(); // id -> {data, node}
      this.description = "";
      this.loading = false;
      this.buffer = [];
      this.toastTimer = null;
      this.bind();
      this.renderHeader();
    }

    get person() {
      return app.people.get(this.personId);
    }

    bind() {
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.submit();
      });
      this.input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.submit();
        }
      });
      this.input.addEventListener("input", () => this.autoGrow());
      this.startButton.addEventListener("click", () => this.send("/start"));
      // A file sent as a document, as an editor sends a workbook or a PO file back.
      this.attachButton.addEventListener("click", () => this.fileInput.click());
      this.fileInput.addEventListener("change", () => {
        const [file] = this.fileInput.files;
        this.fileInput.value = "";
        if (file) this.sendFile(file);
      });
      this.menuButton.addEventListener("click", () => this.toggleMenu());
      this.root.querySelector(".alert-ok").addEventListener("click", () => {
        this.alertBackdrop.hidden = true;
      });
      this.closeButton.addEventListener("click", () => closePhone(this));
      this.messagesEl.addEventListener("click", (event) => this.onMessagesClick(event));
      this.root.addEventListener("keydown", (event) => {
        if (event.key === "Escape") this.menuPopup.hidden = true;
      });
    }

    renderHeader() {
      const person = this.person;
      const label = this.root.querySelector(".as-person");
      label.textContent = person ? `as ${person.name} (${person.role})` : `person ${this.personId}`;
      label.title = person ? personMeta(person) : "";
      this.root.querySelector(".bot-name").textContent = app.bot.name;
      this.root.querySelector(".chat-subtitle").textContent = `bot · @${app.bot.username}`;
      this.closeButton.hidden = app.phones.length <= 1;
    }

    autoGrow() {
      this.input.style.height = "auto";
      this.input.style.height = `${Math.min(this.input.scrollHeight, 140)}px`;
    }

    async load() {
      this.loading = true;
      this.buffer = [];
      let chat;
      try {
        chat = await api("GET", `/api/people/${this.personId}/chat`);
      } catch (error) {
        this.loading = false;
        this.toast(`Cannot load the chat: ${error.message}`);
        return;
      }
      this.description = chat.description || "";
      this.messages.clear();
      this.messagesEl.replaceChildren();
      for (const message of chat.messages) this.upsert(message, false);
      this.loading = false;
      const buffered = this.buffer;
      this.buffer = [];
      for (const event of buffered) {
        if (event.seq > chat.seq) this.apply(event);
      }
      this.refresh();
      this.scrollToBottom();
    }

    handle(event) {
      if (this.loading) this.buffer.push(event);
      else this.apply(event);
    }

    apply(event) {
      if (event.type === "message") {
        const nearBottom = this.isNearBottom();
        this.upsert(event.message, true);
        this.refresh();
        if (nearBottom || !event.edited) this.scrollToBottom();
      } else if (event.type === "deleted") {
        const known = this.messages.get(event.message_id);
        if (known) {
          known.node.remove();
          this.messages.delete(event.message_id);
          this.refresh();
        }
      }
    }

    upsert(message, animate) {
      const node = this.renderMessage(message);
      const known = this.messages.get(message.id);
      if (known) {
        known.node.replaceWith(node);
      } else {
        let before = null;
        for (const [id, entry] of this.messages) {
          if (id > message.id && (!before || id < Number(before.dataset.messageId))) before = entry.node;
        }
        this.messagesEl.insertBefore(node, before);
        if (animate) node.classList.add("new");
      }
      this.messages.set(message.id, { data: message, node });
    }

    // Day separators, the empty-chat note, the START button and the reply keyboard.
    refresh() {
      for (const node of this.messagesEl.querySelectorAll(".day, .empty-chat")) node.remove();
      let previousDay = null;
      for (const node of this.messagesEl.querySelectorAll(".row")) {
        const ms = Number(node.dataset.date) * 1000;
        const day = dayOf(ms);
        if (day !== previousDay) {
          this.messagesEl.insertBefore(el("div", "day", dayLabel(ms)), node);
          previousDay = day;
        }
      }
      const empty = this.messages.size === 0;
      if (empty) {
        // What the bot set with setMyDescription for this person's language (Telegram shows
        // nothing when the bot set none).
        if (this.description) {
          const note = el("div", "empty-chat");
          note.appendChild(el("div", "empty-chat-title", "What can this bot do?"));
          note.appendChild(el("div", "empty-chat-text", this.description));
          this.messagesEl.appendChild(note);
        }
      }
      this.startButton.hidden = !empty;
      this.form.hidden = empty;
      this.renderReplyKeyboard();
    }

    renderReplyKeyboard() {
      let rows = null;
      const ordered = Array.from(this.messages.values()).sort((a, b) => a.data.id - b.data.id);
      for (const { data } of ordered) {
        if (!data.from_bot) continue;
        if (data.reply_keyboard) rows = data.reply_keyboard;
        else if (data.remove_keyboard) rows = null;
      }
      this.replyKeyboard.replaceChildren();
      this.replyKeyboard.hidden = !rows || this.messages.size === 0;
      if (!rows) return;
      for (const row of rows) {
        const rowEl = el("div", "kb-row");
        for (const label of row) {
          const button = el("button", null, label);
          button.type = "button";
          button.addEventListener("click", () => this.send(label));
          rowEl.appendChild(button);
        }
        this.replyKeyboard.appendChild(rowEl);
      }
    }

    renderMessage(message) {
      const row = el("div", `row ${message.from_bot ? "bot" : "user"}`);
      row.dataset.messageId = String(message.id);
      row.dataset.date = String(message.date);
      const bubble = el("div", "bubble");
      row.appendChild(bubble);

      if (message.photo) {
        const img = el("img", "photo");
        img.src = message.photo.url;
        img.alt = message.photo.name || "photo";
        img.loading = "lazy";
        if (message.photo.width && message.photo.height) {
          img.width = message.photo.width;
          img.height = message.photo.height;
        }
        bubble.appendChild(img);
      }
      if (message.document) {
        const link = el("a", "document");
        link.href = message.document.url;
        link.download = message.document.name;
        link.title = `Download ${message.document.name}`;
        link.appendChild(el("span", "document-icon", "⬇"));
        const info = el("span", "document-info");
        info.appendChild(el("div", "document-name", message.document.name));
        info.appendChild(el("div", "document-size", `${formatSize(message.document.size)} · ${message.document.mime_type || "file"}`));
        link.appendChild(info);
        bubble.appendChild(link);
      }
      const html = message.html !== null ? message.html : message.caption_html;
      if (html !== null && html !== undefined) {
        const text = el("div", message.html !== null ? "text" : "text caption");
        text.appendChild(renderHtml(html));
        bubble.appendChild(text);
      }
      const meta = el("span", "meta");
      meta.textContent = `${message.edited ? "edited " : ""}${timeOfDay(message.date * 1000)}${message.from_bot ? "" : " ✓✓"}`;
      (bubble.querySelector(".text") || bubble).appendChild(meta);

      if (message.keyboard && message.keyboard.length) {
        const keyboard = el("div", "inline-keyboard");
        message.keyboard.forEach((buttons, rowIndex) => {
          const rowEl = el("div", "kb-row");
          buttons.forEach((button, columnIndex) => {
            const node = el("button", `inline-button ${button.kind}`, button.text);
            node.type = "button";
            node.title = button.text; // the whole label, when the button cuts it
            node.addEventListener("click", () => this.tap(message.id, rowIndex, columnIndex, button, keyboard));
            rowEl.appendChild(node);
          });
          keyboard.appendChild(rowEl);
        });
        row.appendChild(keyboard);
      }
      return row;
    }

    onMessagesClick(event) {
      const link = event.target.closest("a");
      if (!link || !this.messagesEl.contains(link)) return;
      if (link.classList.contains("command")) {
        event.preventDefault();
        this.send(link.dataset.command);
        return;
      }
      const payload = startPayload(link.href);
      if (payload !== null) {
        event.preventDefault();
        event.stopPropagation();
        this.chooseOpener(payload);
      }
    }

    // A link to the bot is how people register (t.me/bot?start=...): in Telegram it is forwarded
    // to them; here whoever should open it is picked from the simulated people.
    chooseOpener(payload) {
      const command = payload ? `/start ${payload}` : "/start";
      this.menuList.replaceChildren(el("li", "menu-empty", `Open this link as… (sends ${command})`));
      for (const person of app.people.values()) {
        const item = el("li");
        const button = el("button");
        button.type = "button";
        button.setAttribute("role", "menuitem");
        button.appendChild(el("span", "menu-command", person.name));
        button.appendChild(el("span", "menu-description", person.id === this.personId ? "(this chat)" : person.role));
        button.addEventListener("click", () => openLinkAs(person.id, command));
        item.appendChild(button);
        this.menuList.appendChild(item);
      }
      this.menuPopup.hidden = false;
    }

    isNearBottom() {
      const box = this.messagesEl;
      return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    }

    scrollToBottom() {
      const box = this.messagesEl;
      box.scrollTop = box.scrollHeight;
      requestAnimationFrame(() => {
        box.scrollTop = box.scrollHeight; // again, once images and fonts have their size
      });
    }

    submit() {
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      this.autoGrow();
      this.send(text);
    }

    async send(text) {
      this.menuPopup.hidden = true;
      try {
        await api("POST", `/api/people/${this.personId}/messages`, { text });
      } catch (error) {
        this.toast(`Not sent: ${error.message}`);
      }
    }

    async sendFile(file) {
      this.menuPopup.hidden = true;
      try {
        const path = `/api/people/${this.personId}/documents?name=${encodeURIComponent(file.name)}`;
        const response = await fetch(path, {
          method: "POST",
          headers: { Accept: "application/json", "Content-Type": "application/octet-stream" },
          body: file,
        });
        if (!response.ok) {
          let data = null;
          try {
            data = await response.json();
          } catch (error) {
            data = null;
          }
          throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
        }
      } catch (error) {
        this.toast(`Not sent: ${error.message}`);
      }
    }

    async tap(messageId, row, column, button, keyboard) {
      if (button.kind === "url") {
        const payload = startPayload(button.url);
        if (payload !== null) this.chooseOpener(payload);
        else window.open(button.url, "_blank", "noopener,noreferrer");
        return;
      }
      if (button.kind !== "callback") {
        this.toast("This kind of button does nothing in the simulator.");
        return;
      }
      keyboard.classList.add("pending");
      try {
        const result = await api("POST", `/api/people/${this.personId}/taps`, {
          message_id: messageId,
          row,
          column,
        });
        const answer = result.answer;
        if (answer && answer.text) {
          if (answer.show_alert) this.alert(answer.text);
          else this.toast(answer.text);
        }
      } catch (error) {
        this.toast(error.message);
      } finally {
        keyboard.classList.remove("pending");
      }
    }

    async toggleMenu() {
      if (!this.menuPopup.hidden) {
        this.menuPopup.hidden = true;
        return;
      }
      this.menuList.replaceChildren(el("li", "menu-empty", "…"));
      this.menuPopup.hidden = false;
      let commands = [];
      try {
        commands = (await api("GET", `/api/people/${this.personId}/commands`)).commands;
      } catch (error) {
        this.menuList.replaceChildren(el("li", "menu-empty", error.message));
        return;
      }
      this.menuList.replaceChildren();
      if (!commands.length) this.menuList.appendChild(el("li", "menu-empty", "The bot has set no commands."));
      for (const command of commands) {
        const item = el("li");
        const button = el("button");
        button.type = "button";
        button.setAttribute("role", "menuitem");
        button.appendChild(el("span", "menu-command", `/${command.command}`));
        button.appendChild(el("span", "menu-description", command.description));
        button.addEventListener("click", () => this.send(`/${command.command}`));
        item.appendChild(button);
        this.menuList.appendChild(item);
      }
    }

    toast(text) {
      this.toastEl.textContent = text;
      this.toastEl.hidden = false;
      clearTimeout(this.toastTimer);
      this.toastTimer = setTimeout(() => {
        this.toastEl.hidden = true;
      }, 2600);
    }

    alert(text) {
      this.root.querySelector(".alert-text").textContent = text;
      this.alertBackdrop.hidden = false;
      this.root.querySelector(".alert-ok").focus();
    }
  }

  // -- phones on the page ---------------------------------------------------------------------

  function phonesElement() {
    return document.getElementById("phones");
  }

  function updateAddress() {
    const params = new URLSearchParams();
    for (const phone of app.phones) params.append("person", String(phone.personId));
    history.replaceState(null, "", `${location.pathname}?${params}`);
  }

  function afterPhonesChanged() {
    for (const phone of app.phones) {
      app.unread.delete(phone.personId);
      phone.renderHeader();
    }
    updateAddress();
    renderPeople();
  }

  function showPerson(personId, beside) {
    if (!app.people.has(personId)) return;
    const shown = app.phones.find((phone) => phone.personId === personId);
    if (shown) {
      shown.input.focus();
      return;
    }
    const phone = new Phone(personId);
    if (beside && app.phones.length < MAX_PHONES) {
      app.phones.push(phone);
      phonesElement().appendChild(phone.root);
    } else {
      const first = app.phones[0];
      if (first) {
        first.root.replaceWith(phone.root);
        app.phones[0] = phone;
      } else {
        app.phones.push(phone);
        phonesElement().appendChild(phone.root);
      }
    }
    afterPhonesChanged();
    phone.load();
  }

  async function openLinkAs(personId, command) {
    for (const phone of app.phones) phone.menuPopup.hidden = true;
    if (!app.phones.some((phone) => phone.personId === personId)) showPerson(personId, true);
    const phone = app.phones.find((candidate) => candidate.personId === personId);
    try {
      await api("POST", `/api/people/${personId}/messages`, { text: command });
    } catch (error) {
      if (phone) phone.toast(`Not sent: ${error.message}`);
    }
  }

  function closePhone(phone) {
    if (app.phones.length <= 1) return;
    app.phones = app.phones.filter((other) => other !== phone);
    phone.root.remove();
    afterPhonesChanged();
  }

  // -- the sidebar ----------------------------------------------------------------------------

  function renderPeople() {
    const list = document.getElementById("people");
    list.replaceChildren();
    for (const person of app.people.values()) {
      const item = el("li");
      item.dataset.person = String(person.id);
      if (app.phones.some((phone) => phone.personId === person.id)) item.classList.add("shown");
      const button = el("button", "person-button");
      button.type = "button";
      button.title = `Chat as ${person.name}`;
      button.appendChild(avatar(person));
      const text = el("span", "person-text");
      text.appendChild(el("span", "person-name", person.name));
      text.appendChild(el("span", "person-meta", personMeta(person)));
      button.appendChild(text);
      const unread = app.unread.get(person.id);
      if (unread) button.appendChild(el("span", "unread", String(unread)));
      button.addEventListener("click", () => showPerson(person.id, false));
      const beside = el("button", "beside-button", "⇉");
      beside.type = "button";
      beside.title = `Open ${person.name} side by side`;
      beside.setAttribute("aria-label", `Open ${person.name} side by side`);
      beside.addEventListener("click", () => showPerson(person.id, true));
      item.append(button, beside);
      list.appendChild(item);
    }
  }

  function setupForm() {
    const form = document.getElementById("add-person");
    const language = form.elements.namedItem("language_code");
    language.replaceChildren();
    for (const code of app.languageCodes) {
      const option = el("option", null, code || "(none)");
      option.value = code;
      language.appendChild(option);
    }
    const role = form.elements.namedItem("role");
    role.replaceChildren();
    for (const name of app.roles) {
      const option = el("option", null, name);
      option.value = name;
      role.appendChild(option);
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = form.querySelector(".form-error");
      error.hidden = true;
      const submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      try {
        const result = await api("POST", "/api/people", {
          name: form.elements.namedItem("name").value,
          language_code: language.value,
          role: role.value,
        });
        app.people.set(result.person.id, result.person);
        form.elements.namedItem("name").value = "";
        showPerson(result.person.id, false);
      } catch (problem) {
        error.textContent = problem.message;
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
  }

  // -- the clock --------------------------------------------------------------------------------

  function setClock(clock) {
    app.timezone = clock.timezone || app.timezone;
    app.clock = { now_ms: clock.now_ms, offset_ms: clock.offset_ms, at: performance.now() };
    renderClock();
  }

  function renderClock() {
    if (!app.clock) return;
    const now = app.clock.now_ms + (performance.now() - app.clock.at);
    const text = formatter({
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    }).format(now);
    const timeEl = document.getElementById("clock-time");
    timeEl.textContent = `${text} (${app.timezone})`;
    timeEl.dateTime = new Date(now).toISOString();
    const offset = Math.round(app.clock.offset_ms / 60000);
    const days = Math.floor(offset / 1440);
    const hours = Math.floor((offset % 1440) / 60);
    const minutes = offset % 60;
    const parts = [];
    if (days) parts.push(`${days} d`);
    if (hours) parts.push(`${hours} h`);
    if (minutes) parts.push(`${minutes} min`);
    document.getElementById("clock-offset").textContent = parts.length ? `real time + ${parts.join(" ")}` : "real time";
  }

  function setupClock() {
    for (const button of document.querySelectorAll(".clock-button")) {
      button.addEventListener("click", async () => {
        const buttons = document.querySelectorAll(".clock-button");
        buttons.forEach((b) => (b.disabled = true));
        try {
          const result = await api("POST", "/api/clock", { minutes: Number(button.dataset.minutes) });
          setClock(result.clock);
        } catch (error) {
          if (app.phones[0]) app.phones[0].toast(`The clock did not move: ${error.message}`);
        } finally {
          buttons.forEach((b) => (b.disabled = false));
        }
      });
    }
    setInterval(renderClock, 1000);
  }

  // -- state and events -----------------------------------------------------------------------

  async function loadState() {
    const state = await api("GET", "/api/state");
    app.bot = state.bot;
    app.roles = state.roles;
    app.languageCodes = state.language_codes;
    app.maxText = state.max_text_length;
    app.people = new Map(state.people.map((person) => [person.id, person]));
    setClock(state.clock);
  }

  function wantedPeople() {
    const ids = new URLSearchParams(location.search)
      .getAll("person")
      .map(Number)
      .filter((id) => app.people.has(id));
    const unique = Array.from(new Set(ids)).slice(0, MAX_PHONES);
    if (!unique.length && app.people.size) unique.push(app.people.keys().next().value);
    return unique;
  }

  async function onConnected() {
    await loadState();
    if (!app.started) {
      app.started = true;
      setupForm();
      for (const id of wantedPeople()) {
        const phone = new Phone(id);
        app.phones.push(phone);
        phonesElement().appendChild(phone.root);
      }
      afterPhonesChanged();
    } else {
      renderPeople();
    }
    await Promise.all(app.phones.map((phone) => phone.load()));
    document.body.dataset.ready = "true";
  }

  function route(event) {
    const phones = app.phones.filter((phone) => phone.personId === event.person);
    for (const phone of phones) phone.handle(event);
    if (!phones.length && event.type === "message" && event.message.from_bot && !event.edited) {
      app.unread.set(event.person, (app.unread.get(event.person) || 0) + 1);
      renderPeople();
    }
  }

  function connect() {
    const events = new EventSource("/api/events");
    app.events = events;
    events.addEventListener("hello", () => {
      onConnected().catch((error) => console.error(error));
    });
    for (const type of ["message", "deleted"]) {
      events.addEventListener(type, (message) => route(JSON.parse(message.data)));
    }
    events.addEventListener("clock", (message) => setClock(JSON.parse(message.data).clock));
    events.addEventListener("people", (message) => {
      const people = JSON.parse(message.data).people;
      app.people = new Map(people.map((person) => [person.id, person]));
      renderPeople();
    });
  }

  // A click elsewhere closes a phone's open menu.
  document.addEventListener("click", (event) => {
    for (const phone of app.phones) {
      if (phone.menuPopup.hidden) continue;
      if (phone.menuPopup.contains(event.target) || phone.menuButton.contains(event.target)) continue;
      if (event.target.closest && event.target.closest(".inline-button")) continue;
      phone.menuPopup.hidden = true;
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    setupClock();
    connect();
  });
})();
