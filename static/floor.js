// The Floor's live stream: load htmx's SSE extension, then connect #floor-live to the stream.
// Run on every arrival at the Floor, a boosted navigation included (scripts then load after
// htmx has processed the page, so the connection attributes are set here, then processed).
(() => {
  const live = document.getElementById("floor-live");
  if (!live || !window.htmx) return;
  const connect = () => {
    live.setAttribute("hx-ext", "sse");
    live.setAttribute("sse-connect", live.dataset.stream);
    htmx.process(live);
  };
  if (window.smenaSseLoaded) { connect(); return; }
  const script = document.createElement("script");
  script.src = live.dataset.sseScript;
  script.onload = () => { window.smenaSseLoaded = true; connect(); };
  document.head.appendChild(script);
})();
