// What the composer may attach, checked before anything is uploaded (the server checks
// again: core/images.py, chat/video.py): the type (the page's accept list), the size (the
// photo or video limit) and the count. Messages in the page's language (panel.py strings).

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
}

function megabytes(bytes, strings) {
  const size = Math.round((bytes / (1024 * 1024)) * 10) / 10;
  return fill(strings.megabytes, { size: size.toLocaleString(document.documentElement.lang || undefined) });
}

const EXTENSIONS = {
  "image/jpeg": ["jpg", "jpeg"],
  "image/png": ["png"],
  "image/webp": ["webp"],
  "video/mp4": ["mp4", "m4v"],
  "video/webm": ["webm"],
  "video/quicktime": ["mov", "qt"],
};

// The file's type as the accept list names it: the browser's, else from the name's ending.
function typeOf(file, accept) {
  if (file.type && accept.includes(file.type)) return file.type;
  const ending = (file.name.split(".").pop() || "").toLowerCase();
  return accept.find((type) => (EXTENSIONS[type] || []).includes(ending)) || null;
}

// {accepted: [File], problem: "" or the first reason a file was left out}
export function checkFiles(files, alreadyChosen, config) {
  const { strings, accept, maxAttachments, imageMaxBytes, videoMaxBytes } = config;
  const accepted = [];
  let problem = "";
  for (const file of files) {
    const type = typeOf(file, accept);
    if (!type) {
      problem ||= fill(strings.fileType, { name: file.name });
      continue;
    }
    const limit = type.startsWith("video/") ? videoMaxBytes : imageMaxBytes;
    if (file.size > limit) {
      problem ||= fill(strings.fileTooBig, { name: file.name, size: megabytes(limit, strings) });
      continue;
    }
    if (alreadyChosen + accepted.length >= maxAttachments) {
      problem ||= strings.tooManyFiles;
      continue;
    }
    accepted.push(file);
  }
  return { accepted, problem };
}
