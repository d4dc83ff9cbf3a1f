// Copy buttons for links and tokens that are shown only once.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copyTarget);
  input.select();
  navigator.clipboard?.writeText(input.value);
  button.textContent = button.dataset.copiedLabel || "Copied";
});

// Dialogs loaded in place by HTMX (the check-in): shown as modal dialogs, closed by their cancel button.
document.addEventListener("htmx:afterSettle", (event) => {
  const dialog = event.target.querySelector && event.target.querySelector("dialog[data-autoshow]");
  if (dialog && !dialog.open) dialog.showModal();
});
document.addEventListener("click", (event) => {
  const close = event.target.closest("[data-dialog-close]");
  if (close) close.closest("dialog")?.close();
});
