// Switches the language as soon as one is chosen. Without JavaScript the form's <noscript>
// button submits it instead.
document.getElementById("language-select")?.addEventListener("change", (event) => {
  event.target.form.submit();
});
