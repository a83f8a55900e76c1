// The QR sheets' "Print" button: the browser's print dialog (the sheet's print stylesheet
// picks the paper size). A static file, as the Content-Security-Policy wants.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
