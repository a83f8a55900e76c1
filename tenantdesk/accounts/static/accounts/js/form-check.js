// The typical mistakes of the account forms, caught before the form is sent: an empty
// required field, an address that cannot be one, a new password shorter than the rules
// allow, two passwords that differ. Each cost a round trip answered 400, which Chromium
// logs as a console error. The messages are the server's own, in the page's language
// (the form's data-check, accounts/client_checks.py), shown where the server shows its
// errors (includes/field.html). The server still checks everything; this only informs.
// Lenient on purpose: an address passes unless it surely is not one, so that nobody is
// held back by a stricter rule than the server's. (A block keeps its names to itself.)
{
  const describedBy = (input, id, on) => {
    const ids = new Set((input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
    if (on) ids.add(id);
    else ids.delete(id);
    if (ids.size) input.setAttribute("aria-describedby", [...ids].join(" "));
    else input.removeAttribute("aria-describedby");
  };

  const looksLikeAnAddress = (value) => {
    const at = value.lastIndexOf("@");
    const domain = value.slice(at + 1);
    return (
      at > 0 &&
      !/\s/.test(domain) &&
      (domain === "localhost" ||
        (domain.includes(".") && !domain.startsWith(".") && !domain.endsWith(".")))
    );
  };

  const problem = (input, messages) => {
    // Django strips what is typed, except passwords.
    const value = input.type === "password" ? input.value : input.value.trim();
    if (input.required && value === "") return messages.required;
    if (value === "") return "";
    if (input.type === "email" && !looksLikeAnAddress(value)) return messages.email;
    if (input.minLength > 0 && [...value].length < input.minLength) return messages.minlength;
    const original = input.dataset.equals && document.getElementById(input.dataset.equals);
    if (original && original.value !== "" && original.value !== input.value) {
      return messages.mismatch;
    }
    return "";
  };

  const show = (input, message) => {
    const id = `${input.id}_error`;
    let box = document.getElementById(id);
    if (message) {
      if (!box) {
        box = document.createElement("div");
        box.className = "invalid-feedback d-block";
        box.id = id;
        box.dataset.fieldError = input.name;
        input.after(box);
      }
      box.textContent = message;
    } else if (box) {
      box.remove();
    }
    input.classList.toggle("is-invalid", Boolean(message));
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    describedBy(input, id, Boolean(message));
  };

  for (const form of document.querySelectorAll("form[data-check]")) {
    const messages = JSON.parse(form.dataset.check);
    const fields = [...form.elements].filter(
      (element) => element.matches("input:not([type=hidden]):not([type=checkbox])") && element.id,
    );
    form.addEventListener("submit", (event) => {
      let first = null;
      for (const input of fields) {
        const message = problem(input, messages);
        // Only what this check finds is shown: an error the server gave stays until the
        // field is edited.
        if (message) show(input, message);
        if (message && !first) first = input;
      }
      if (first) {
        event.preventDefault();
        first.focus();
      }
    });
    // An error shown goes (or changes) as its field is corrected, not on the next send; the
    // repeated password is looked at again when the first one changes.
    form.addEventListener("input", (event) => {
      for (const input of fields) {
        const concerned = input === event.target || input.dataset.equals === event.target.id;
        if (concerned && input.classList.contains("is-invalid")) {
          show(input, problem(input, messages));
        }
      }
    });
  }
}
