// "Print or save as PDF" on the subject access pack (ADR 0015): the browser's print dialogue makes
// the PDF. An external module, as the Content-Security-Policy allows no inline script.
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
