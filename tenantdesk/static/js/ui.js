// The few behaviours our markup borrowed from Bootstrap's script, written here (docs/look.md):
//   data-bs-toggle="collapse" data-bs-target="<selector>"   shows/hides the targets (.show)
//   data-bs-toggle="modal" data-bs-target="#id"             opens a .modal; Escape, the backdrop
//   data-bs-dismiss="modal"                                  or a close button shut it; focus
//                                                            stays inside while open, then returns
//   data-bs-dismiss="alert"                                  removes the alert
// and the shell's menus: data-td-menu="<id>" toggles .is-open on that element (the account
// menu, the phone's "More" sheet), closing on Escape and on a click outside.
// One delegated listener, so markup added later (live updates) works too.

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

const targetsOf = (trigger) => {
  const selector = trigger.dataset.bsTarget || trigger.getAttribute("href");
  if (!selector || selector === "#") return [];
  try {
    return [...document.querySelectorAll(selector)];
  } catch {
    return [];
  }
};

// --- collapse ---
function toggleCollapse(trigger) {
  const targets = targetsOf(trigger);
  const open = !targets.some((t) => t.classList.contains("show"));
  for (const target of targets) target.classList.toggle("show", open);
  for (const other of document.querySelectorAll('[data-bs-toggle="collapse"]')) {
    if (other.dataset.bsTarget === trigger.dataset.bsTarget) other.setAttribute("aria-expanded", String(open));
  }
}

// --- modal ---
let openModal = null;
let modalOpener = null;

function showModal(modal, opener) {
  if (openModal) hideModal();
  openModal = modal;
  modalOpener = opener;
  modal.setAttribute("role", "dialog");
  modal.setAttribute("aria-modal", "true");
  modal.removeAttribute("aria-hidden");
  modal.classList.add("show");
  document.body.classList.add("td-modal-open");
  (modal.querySelector("[data-bs-dismiss='modal']") || modal.querySelector(FOCUSABLE) || modal).focus();
}

function hideModal() {
  if (!openModal) return;
  openModal.classList.remove("show");
  openModal.setAttribute("aria-hidden", "true");
  openModal.removeAttribute("aria-modal");
  document.body.classList.remove("td-modal-open");
  openModal = null;
  if (modalOpener?.isConnected) modalOpener.focus();
  modalOpener = null;
}

function trapFocus(event) {
  const items = [...openModal.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null);
  if (!items.length) return event.preventDefault();
  const first = items[0];
  const last = items[items.length - 1];
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  } else if (!openModal.contains(document.activeElement)) {
    event.preventDefault();
    first.focus();
  }
}

// --- menus (the shell's account menu and the phone's sheet) ---
let openMenu = null;

function setMenu(button, open) {
  const menu = document.getElementById(button.dataset.tdMenu);
  if (!menu) return;
  if (openMenu && openMenu.menu !== menu) setMenu(openMenu.button, false);
  // A class, not `hidden`: the phone's sheet is the sidebar's foot, always shown on wide screens.
  menu.classList.toggle("is-open", open);
  button.setAttribute("aria-expanded", String(open));
  openMenu = open ? { button, menu } : null;
  if (open) menu.querySelector(FOCUSABLE)?.focus();
}

document.addEventListener("click", (event) => {
  const trigger = event.target.closest("[data-bs-toggle], [data-bs-dismiss], [data-td-menu]");
  if (openMenu && !openMenu.menu.contains(event.target) && trigger !== openMenu.button) {
    setMenu(openMenu.button, false);
  }
  if (openModal && event.target === openModal) return hideModal(); // the backdrop
  if (!trigger) return;
  if (trigger.dataset.tdMenu) {
    setMenu(trigger, trigger.getAttribute("aria-expanded") !== "true");
  } else if (trigger.dataset.bsToggle === "collapse") {
    event.preventDefault();
    toggleCollapse(trigger);
  } else if (trigger.dataset.bsToggle === "modal") {
    const modal = targetsOf(trigger)[0];
    if (!modal) return;
    event.preventDefault();
    showModal(modal, trigger);
  } else if (trigger.dataset.bsDismiss === "modal") {
    hideModal();
  } else if (trigger.dataset.bsDismiss === "alert") {
    trigger.closest(".alert")?.remove();
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    if (openModal) {
      event.preventDefault();
      hideModal();
    } else if (openMenu) {
      const { button } = openMenu;
      setMenu(button, false);
      button.focus();
    }
  } else if (event.key === "Tab" && openModal) {
    trapFocus(event);
  }
});
