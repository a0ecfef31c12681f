// My day: a ticking countdown and a "copy link" button. The page works without this file:
// the server renders the remaining time, and the link can be selected and copied by hand.
(() => {
  if (window.smenaMyDay) return; // boosted navigation may load the script again
  window.smenaMyDay = true;

  const pad = (n) => String(n).padStart(2, "0");
  const format = (seconds) =>
    `${Math.floor(seconds / 3600)}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;

  const tick = () => {
    for (const el of document.querySelectorAll("[data-countdown-to]")) {
      const left = Math.max(0, Math.floor((Date.parse(el.dataset.countdownTo) - Date.now()) / 1000));
      el.textContent = format(left);
      if (left === 0 && !el.dataset.countdownDone) {
        el.dataset.countdownDone = "yes"; // once: the fragment then refreshes itself
        el.dispatchEvent(new CustomEvent("countdown-done", { bubbles: true }));
      }
    }
    for (const button of document.querySelectorAll("[data-copy-from][hidden]")) {
      if (navigator.clipboard) button.hidden = false;
    }
  };
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy-from]");
    if (!button) return;
    const source = document.getElementById(button.dataset.copyFrom);
    if (source) navigator.clipboard.writeText(source.value);
  });
})();
