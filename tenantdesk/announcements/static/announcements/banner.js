// The announcement banner's close button without a reload: the same form, posted by
// fetch (JSON answer: 204), then the banner goes. Without JavaScript the form posts and
// comes back to the page. Anything unexpected: the plain form post.
(() => {
  for (const form of document.querySelectorAll("form[data-announcement-dismiss]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const token = form.querySelector("input[name=csrfmiddlewaretoken]");
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
          credentials: "same-origin",
        });
        if (!response.ok) throw new Error(String(response.status));
        const banner = form.closest("[data-announcement]");
        if (banner) banner.remove();
      } catch {
        form.submit();
      }
    });
  }
})();
