// HTTP side of the chat: the JSON fallback and uploads with progress.

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export class HttpError extends Error {
  constructor(status, code, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

async function parse(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = (body && body.error) || {};
    throw new HttpError(response.status, error.code || "http", error.detail);
  }
  return body;
}

export async function fetchMessages(url, params) {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`${url}?${query}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  return parse(response);
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  return parse(response);
}

export function postDelivered(url, ids) {
  return postJson(url, { ids });
}

export function postRead(url, upToId) {
  return postJson(url, { up_to_id: upToId });
}

// Posts a message over HTTP. XMLHttpRequest rather than fetch: only it reports upload progress.
export function postMessage(url, { text, clientId, files, internal }, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("text", text);
    form.append("client_id", clientId);
    if (internal) form.append("internal", "true");
    for (const file of files || []) form.append("files", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    if (onProgress) {
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
    }
    xhr.addEventListener("load", () => {
      const body = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300 && body && body.message) {
        resolve(body.message);
      } else {
        const error = (body && body.error) || {};
        reject(new HttpError(xhr.status, error.code || "http", error.detail));
      }
    });
    xhr.addEventListener("error", () => reject(new HttpError(0, "network", "")));
    xhr.addEventListener("abort", () => reject(new HttpError(0, "aborted", "")));
    xhr.send(form);
  });
}
