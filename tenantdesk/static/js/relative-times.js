// A list row's time re-ages while the page stays open (issue 23): "just now" becomes
// "1 min", "59 min" becomes "14:05", "14:05" becomes "Yesterday" after midnight. The server
// writes the first label (service_requests/list_times.py) and the moment in the <time>'s
// datetime with its UTC offset; the clock time and the day a label shows are read in that
// offset, so the page says what the server would say, whatever the browser's time zone.
// The words, in the page's language, are base.html's <meta name="td-relative-time">.
// Every minute and when the tab is looked at again; rows swapped in live are found anew.
(() => {
  const words = document.querySelector('meta[name="td-relative-time"]')?.dataset;
  if (!words) return;
  const MINUTE = 60 * 1000;
  const DAY = 24 * 60 * MINUTE;
  const ISO = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d)?(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

  const label = (datetime, now) => {
    const parts = ISO.exec(datetime);
    if (!parts) return null;
    const [, day, clock, seconds = ":00", fraction = "", zone] = parts;
    const moment = Date.parse(`${day}T${clock}${seconds}${fraction.slice(0, 4)}${zone}`);
    const offset = zone === "Z" ? 0 : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4))) * MINUTE;
    const age = now - moment;
    if (Number.isNaN(age)) return null;
    if (age < MINUTE) return words.justNow;
    if (age < 60 * MINUTE) return words.minutes.replace("%(count)s", String(Math.floor(age / MINUTE)));
    const today = new Date(now + offset).toISOString().slice(0, 10);
    if (day === today) return clock;
    if (day === new Date(now + offset - DAY).toISOString().slice(0, 10)) return words.yesterday;
    return null; // "3 Dec" stays right
  };

  const reage = () => {
    const now = Date.now();
    for (const time of document.querySelectorAll("time.conv-time[datetime]")) {
      const text = label(time.getAttribute("datetime"), now);
      if (text && time.textContent !== text) time.textContent = text;
    }
  };
  setInterval(reage, MINUTE);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") reage();
  });
})();
