// Which messages share a header, and what a day is called: the same rules as the page's
// server rendering (chat/without_script.py: continues, day_title), which the browser test
// compares with what this script builds.

// A person's message continues their previous one (one header and avatar for both) when
// nothing stands between them, on the same day, of the same kind (note or not), at most
// `groupSeconds` apart. A message still being sent (no time yet) is "now".
export function continues(previous, message, groupSeconds) {
  if (!previous || previous.kind !== "user" || message.kind !== "user") return false;
  if (previous.author_id !== message.author_id) return false;
  if (Boolean(previous.internal) !== Boolean(message.internal)) return false;
  if (previous.day !== message.day) return false;
  const at = (m) => (m.created_at ? Date.parse(m.created_at) : Date.now());
  const gap = (at(message) - at(previous)) / 1000;
  return gap >= 0 && gap <= groupSeconds;
}

// "Today", "Yesterday" or the server's date ("27 November 2026").
export function dayTitle(message, { today, yesterday, strings }) {
  if (message.day === today) return strings.today;
  if (message.day === yesterday) return strings.yesterday;
  return message.day_label;
}
