// Django admin, every page. Django 5.2's two-list selector (SelectFilter2.js) labels its
// search icons with aria-label on a span without a role, which assistive technology may
// ignore (axe: aria-prohibited-attr). As an image, the icon's label is read out.
// The selector is built on "load"; this listener, added later, runs after it.
window.addEventListener("load", () => {
  for (const icon of document.querySelectorAll(".search-label-icon[aria-label]:not([role])")) {
    icon.setAttribute("role", "img");
  }
});
