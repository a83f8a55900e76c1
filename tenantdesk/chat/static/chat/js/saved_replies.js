// Saved replies for managers (issue 12): a "Saved replies" button beside the composer
// opens a list filtered as you type; "/" at the start of the message does the same from
// the message box itself. Choosing one puts its text into the message (the composer then
// counts it as if typed); nothing is sent by itself.
//
// Only managers' pages carry [data-saved-replies] (chat/saved_replies.html); the list is
// fetched once, on first use, in the page's language.
(function () {
  "use strict";

  const hook = document.querySelector("[data-saved-replies]");
  const form = document.querySelector("[data-chat-composer]");
  if (!hook || !form) return;
  const textarea = form.querySelector("[data-chat-text]");
  const words = hook.dataset;

  let replies = null; // [{id, title, text}] once loaded
  let loading = null;
  let mode = null; // null (closed), "button" or "slash"
  let shown = [];
  let active = -1;

  // --- the picker's elements ---------------------------------------------------------

  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "chat-text-button chat-saved-toggle";
  // On a phone the row is full: the button shows "/" (the shortcut) and says the rest to
  // screen readers; from sm up it shows its name too.
  const mark = document.createElement("span");
  mark.className = "chat-saved-key";
  mark.setAttribute("aria-hidden", "true");
  mark.textContent = "/";
  const name = document.createElement("span");
  name.className = "chat-saved-name";
  name.textContent = words.label;
  toggle.append(mark, name);
  toggle.setAttribute("aria-label", words.label);
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", "saved-replies-panel");
  toggle.title = words.hint;
  toggle.dataset.savedRepliesToggle = "";
  // In the composer's tools row, first (chat/panel.html).
  const tools = form.querySelector("[data-chat-tools]");
  if (tools) tools.prepend(toggle);
  else textarea.after(toggle);

  const panel = document.createElement("div");
  panel.id = "saved-replies-panel";
  panel.className = "chat-saved-panel";
  panel.hidden = true;
  panel.dataset.savedRepliesPanel = "";

  const filterLabel = document.createElement("label");
  filterLabel.className = "visually-hidden";
  filterLabel.htmlFor = "saved-replies-filter";
  filterLabel.textContent = words.filterLabel;
  const filter = document.createElement("input");
  filter.type = "search";
  filter.id = "saved-replies-filter";
  filter.className = "chat-input chat-saved-filter";
  filter.placeholder = words.filterLabel;
  filter.autocomplete = "off";
  filter.setAttribute("role", "combobox");
  filter.setAttribute("aria-autocomplete", "list");
  filter.setAttribute("aria-controls", "saved-replies-list");
  filter.setAttribute("aria-expanded", "true");

  const list = document.createElement("ul");
  list.id = "saved-replies-list";
  list.className = "chat-saved-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", words.label);

  const status = document.createElement("p");
  status.className = "chat-saved-status";
  status.setAttribute("role", "status");

  // Where the replies are edited (company admins) or proposed (every manager).
  const manage = document.createElement("a");
  manage.className = "chat-saved-manage";
  manage.href = words.manageUrl;
  manage.textContent = words.manage;
  manage.dataset.savedRepliesManage = "";

  panel.append(filterLabel, filter, list, status, manage);
  (form.querySelector("[data-chat-row]") || textarea).before(panel);

  // --- data --------------------------------------------------------------------------

  function load() {
    if (replies) return Promise.resolve(replies);
    if (!loading) {
      loading = fetch(hook.dataset.url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then((response) => {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then((data) => {
          replies = data.replies || [];
          return replies;
        })
        .catch((error) => {
          loading = null; // try again next time
          throw error;
        });
    }
    return loading;
  }

  function matches(reply, query) {
    if (!query) return true;
    const needle = query.toLocaleLowerCase();
    return (
      reply.title.toLocaleLowerCase().includes(needle) ||
      reply.text.toLocaleLowerCase().includes(needle)
    );
  }

  // --- showing -------------------------------------------------------------------------

  function typingField() {
    return mode === "slash" ? textarea : filter;
  }

  function render(query) {
    shown = (replies || []).filter((reply) => matches(reply, query));
    active = shown.length ? 0 : -1;
    list.replaceChildren(
      ...shown.map((reply, index) => {
        const item = document.createElement("li");
        item.id = `saved-reply-${reply.id}`;
        item.className = "chat-saved-item";
        item.setAttribute("role", "option");
        item.dataset.savedReply = String(reply.id);
        const title = document.createElement("div");
        title.className = "chat-saved-title";
        title.textContent = reply.title;
        const text = document.createElement("div");
        text.className = "chat-saved-text";
        text.textContent = reply.text;
        item.append(title, text);
        // mousedown, not click: the message box keeps its focus and caret.
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(index);
        });
        return item;
      }),
    );
    status.textContent = replies && replies.length ? (shown.length ? "" : words.empty) : words.none;
    status.hidden = !status.textContent;
    highlight();
  }

  function highlight() {
    [...list.children].forEach((item, index) => {
      const on = index === active;
      item.classList.toggle("active", on);
      item.setAttribute("aria-selected", on ? "true" : "false");
      if (on) item.scrollIntoView({ block: "nearest" });
    });
    const field = typingField();
    if (active >= 0) field.setAttribute("aria-activedescendant", list.children[active].id);
    else field.removeAttribute("aria-activedescendant");
  }

  function currentQuery() {
    return mode === "slash" ? textarea.value.slice(1) : filter.value;
  }

  function open(how) {
    mode = how;
    filter.hidden = how === "slash";
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    status.textContent = "";
    load().then(
      () => {
        // What is typed now, not when it opened: keys pressed while loading count too.
        if (mode) render(currentQuery());
      },
      () => {
        status.hidden = false;
        status.textContent = words.failed;
      },
    );
    if (how === "button") filter.focus();
  }

  function close() {
    if (!mode) return;
    typingField().removeAttribute("aria-activedescendant");
    mode = null;
    panel.hidden = true;
    filter.value = "";
    toggle.setAttribute("aria-expanded", "false");
  }

  function pick(index) {
    const reply = shown[index];
    if (!reply) return;
    if (mode === "slash") {
      textarea.value = reply.text;
    } else {
      textarea.focus();
      textarea.setRangeText(reply.text, textarea.selectionStart, textarea.selectionEnd, "end");
    }
    close();
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    // The composer listens for input: its counter and send button follow.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // --- keys ----------------------------------------------------------------------------

  // Arrow keys move, Enter chooses, Escape closes. Captured before the composer's own
  // handler, so Enter picks a reply instead of sending "/…".
  function onKey(event) {
    if (!mode || event.isComposing) return;
    const handled = () => {
      event.preventDefault();
      event.stopImmediatePropagation();
    };
    if (event.key === "ArrowDown" && shown.length) {
      active = (active + 1) % shown.length;
      highlight();
      handled();
    } else if (event.key === "ArrowUp" && shown.length) {
      active = (active - 1 + shown.length) % shown.length;
      highlight();
      handled();
    } else if (event.key === "Enter" && !event.shiftKey && active >= 0) {
      handled();
      pick(active);
    } else if (event.key === "Escape") {
      handled();
      const was = mode;
      close();
      if (was === "button") toggle.focus();
    }
  }

  textarea.addEventListener("keydown", onKey, true);
  filter.addEventListener("keydown", onKey);
  filter.addEventListener("input", () => render(filter.value));

  textarea.addEventListener("input", () => {
    const value = textarea.value;
    const slash = value.startsWith("/") && !value.includes("\n");
    if (slash) {
      if (mode !== "slash") open("slash");
      else if (replies) render(value.slice(1));
    } else if (mode === "slash") {
      close();
    }
  });

  toggle.addEventListener("click", () => {
    if (mode === "button") {
      close();
      textarea.focus();
    } else {
      close();
      open("button");
    }
  });

  // A click elsewhere closes the picker.
  document.addEventListener("mousedown", (event) => {
    if (mode && !panel.contains(event.target) && event.target !== toggle && event.target !== textarea) {
      close();
    }
  });
})();
