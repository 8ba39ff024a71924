// meterd console: progressive enhancement only. Pages whose <main> has
// data-live listen to the call log (Server-Sent Events) and reload their
// <main> from the server when calls arrive; without JavaScript they are
// the same pages, refreshed by hand.
"use strict";
(function () {
  const main = document.querySelector("main[data-live]");
  if (!main || !window.EventSource) return;
  const url = main.dataset.live + "?since=" + encodeURIComponent(main.dataset.since || "") +
    "&seen=" + encodeURIComponent(main.dataset.seen || "0");
  let pending = false;
  async function refresh() {
    if (pending) return;
    pending = true;
    try {
      // Keep what the user is doing: skip the reload while a form field has focus
      // or holds an edit, or an audit event is open.
      if (main.contains(document.activeElement) && document.activeElement.matches("input, select, textarea")) return;
      const edited = [...main.querySelectorAll("input")].some((i) => i.type !== "hidden" &&
        (i.type === "checkbox" ? i.checked !== i.defaultChecked : i.value !== i.defaultValue));
      if (edited) return;
      if (main.querySelector("details[open]")) return;
      const resp = await fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } });
      if (!resp.ok || resp.redirected) return;
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const next = doc.querySelector("main");
      if (next) {
        main.innerHTML = next.innerHTML;
        main.dataset.updated = String(Date.now());
      }
    } finally {
      pending = false;
    }
  }
  const source = new EventSource(url);
  source.addEventListener("calls", refresh);
})();
