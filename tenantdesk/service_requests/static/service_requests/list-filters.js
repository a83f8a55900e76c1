// The lists' filters on a phone (issue 23): the search stays on the page, the other fields
// open in a sheet (a native <dialog>) from a "Filters" button, so the first row sits near
// the top. The fields never leave their <form> (the dialog is inside it), so what is
// submitted and every parameter in the URL stay exactly as without the script, which is
// also what a page shows when the script does not run: every field, in place.

const PHONE = window.matchMedia("(max-width: 767.98px)");

function setUp(form) {
  if (form.dataset.sheetReady) return;
  const button = form.querySelector("[data-filter-sheet-open]");
  const sheet = form.querySelector("[data-filter-sheet]");
  const fields = form.querySelector("[data-filter-fields]");
  const body = sheet?.querySelector("[data-filter-sheet-body]");
  if (!button || !body || !fields || typeof sheet.showModal !== "function") return;
  form.dataset.sheetReady = "1";
  form.classList.add("has-sheet");
  button.hidden = false;
  // Where the fields live on a wide screen: they go back there when the sheet closes.
  const home = document.createComment("filter fields");
  fields.before(home);
  button.addEventListener("click", () => {
    body.append(fields);
    sheet.showModal();
  });
  sheet.addEventListener("close", () => {
    home.after(fields);
    if (PHONE.matches) button.focus();
  });
  sheet.querySelector("[data-filter-sheet-close]")?.addEventListener("click", () => sheet.close());
  // A tap on the backdrop (outside the sheet's box) closes it, as Escape does.
  sheet.addEventListener("click", (event) => {
    if (event.target !== sheet) return;
    const box = sheet.getBoundingClientRect();
    const inside =
      event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) sheet.close();
  });
  PHONE.addEventListener("change", () => {
    if (!PHONE.matches && sheet.open) sheet.close();
  });
}

function setUpAll() {
  for (const form of document.querySelectorAll("[data-list-filters]")) setUp(form);
}

setUpAll();
// The live list swaps the whole content when the list's shape changes (static/js/live/
// refresh.js): set up the form it brought.
const content = document.getElementById("content");
if (content) new MutationObserver(setUpAll).observe(content, { childList: true });
