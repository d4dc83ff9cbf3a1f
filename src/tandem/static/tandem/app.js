// Copy buttons for links and tokens that are shown only once.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copyTarget);
  input.select();
  navigator.clipboard?.writeText(input.value);
  button.textContent = button.dataset.copiedLabel || "Copied";
});
