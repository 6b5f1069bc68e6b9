/* Progressive enhancement: forms marked data-swap post with fetch and swap in the new page's
   <main> instead of reloading. Without JS (or if fetch fails) they are ordinary forms. */
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) return;

  // Forms marked data-confirm ask first (a script file, not an inline handler: the CSP allows no inline code).
  document.addEventListener("submit", function (event) {
    const message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("submit", async function (event) {
    const form = event.target;
    if (!form.matches("form[data-swap]") || (form.method || "").toLowerCase() !== "post") return;
    event.preventDefault();
    form.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      });
      const html = await response.text();
      const next = new DOMParser().parseFromString(html, "text/html");
      const main = next.querySelector("main#page");
      if (!main) throw new Error("no page in response");
      const scrollY = window.scrollY;
      document.querySelector("main#page").replaceWith(main);
      const badge = next.querySelector("header.site .bell");
      const current = document.querySelector("header.site .bell");
      if (badge && current) current.replaceWith(badge);
      const url = new URL(response.url);
      if (url.pathname + url.search !== location.pathname + location.search) {
        history.pushState({}, "", url.pathname + url.search);
      }
      window.scrollTo(0, scrollY);
      document.dispatchEvent(new CustomEvent("idt:swapped"));
    } catch (error) {
      form.removeAttribute("data-swap");
      form.submit(); // fall back to an ordinary post
    }
  });

  window.addEventListener("popstate", function () { location.reload(); });

  // Ctrl/Cmd+Enter posts from the entry box.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.matches("textarea")) {
      event.target.form.requestSubmit();
    }
  });

  // Sign-up: preselect the browser's time zone.
  const zone = document.querySelector("select[name=time_zone]");
  if (zone && location.pathname.startsWith("/accounts/signup") && zone.value === "UTC" && Intl.DateTimeFormat) {
    const guess = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (guess && zone.querySelector(`option[value="${guess}"]`)) zone.value = guess;
  }
})();
