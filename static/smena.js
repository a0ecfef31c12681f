// smena: tiny progressive enhancements; pages work without it.
// After htmx swaps in a form with errors (422), move focus to the first invalid field.
// An outerHTML swap replaces the target, so look the new element up by its id.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  const root = target.isConnected ? target : document.getElementById(target.id);
  const invalid = root && root.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
});
