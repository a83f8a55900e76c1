// Fetching what the page missed, page after page: the one loop, for the socket's sync
// frames and for HTTP polling alike.

// fetchPage(after) resolves to {messages, has_more, ...} of what came after `after`;
// onPage(page) takes each page in. Each page is asked for from the end of the one before,
// not from the newest message the page has: live messages that arrive during the catch-up
// are newer than messages still to fetch.
export async function catchUp(after, fetchPage, onPage) {
  for (;;) {
    const page = await fetchPage(after);
    onPage(page);
    if (!page.has_more || !page.messages.length) return;
    after = Math.max(...page.messages.map((message) => message.id));
  }
}
