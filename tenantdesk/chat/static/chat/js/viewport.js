// Keeps the composer above an on-screen keyboard. A phone's keyboard shrinks the visual
// viewport, not the layout the panel's height comes from (100dvh does not follow the
// keyboard on most phones), so while the message box has focus the panel is held to the
// room between its top and the visual viewport's bottom (CSS: .chat-panel.is-fitted and
// --chat-fit). Without a keyboard that room is the panel's own height: nothing changes.

const MIN_ROOM_PX = 160; // less than this: the panel is scrolled away; leave it be

export function fitAboveKeyboard(panel, input) {
  const viewport = window.visualViewport;
  if (!viewport) return;
  let frame = 0;
  const fit = () => {
    frame = 0;
    const focused = document.activeElement === input;
    const room = viewport.offsetTop + viewport.height - panel.getBoundingClientRect().top;
    const fitted = focused && room >= MIN_ROOM_PX && viewport.height < window.innerHeight;
    panel.classList.toggle("is-fitted", fitted);
    if (fitted) panel.style.setProperty("--chat-fit", `${Math.floor(room)}px`);
    else panel.style.removeProperty("--chat-fit");
  };
  const later = () => {
    if (!frame) frame = requestAnimationFrame(fit);
  };
  viewport.addEventListener("resize", later);
  viewport.addEventListener("scroll", later);
  input.addEventListener("focus", later);
  input.addEventListener("blur", later);
}
