// The lock-out page: counts the server's seconds down in the page's language and, at zero,
// enables the sign-in form below without a reload. The server decides; a form sent early
// is refused again (429). Without JavaScript the page keeps the server's sentence and its
// link back to the sign-in page. (A block, so its names stay out of the page's scope.)
{
  const countdown = document.getElementById("lockout-countdown");
  const forms = JSON.parse(countdown.dataset.forms);
  const index = countdown.dataset.index;
  const formBox = document.getElementById("lockout-form");
  const fieldset = formBox.querySelector("fieldset");
  // The form of a number from the server's table (accounts/countdown.py): 0–199 as they
  // are, larger numbers as the one of 100–199 with the same last two digits.
  const sentence = (n) =>
    forms[Number(index[n < 200 ? n : 100 + (n % 100)])].replace("%(seconds)s", String(n));
  const ends = Date.now() + Number(countdown.dataset.seconds) * 1000;

  formBox.hidden = false;
  document.getElementById("retry-link-row").hidden = true;
  const tick = () => {
    // From the clock, not by counting ticks: a background tab's timers are slowed.
    const left = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
    if (left > 0) {
      countdown.textContent = sentence(left);
      setTimeout(tick, ((ends - Date.now()) % 1000 || 1000) + 20); // at the next whole second
      return;
    }
    countdown.hidden = true;
    document.getElementById("ready-text").hidden = false;
    fieldset.disabled = false;
    const inputs = [...formBox.querySelectorAll("input:not([type=hidden])")];
    (inputs.find((input) => input.value === "") || inputs[0]).focus();
  };
  tick();
}
