// The chat sockets' close codes and frame names, as the server defines them
// (chat/ws/protocol.py, given to every page by base.html as
// <script type="application/json" id="td-socket-protocol">). Never typed here.

const data = JSON.parse(document.getElementById("td-socket-protocol").textContent);

export const Close = Object.freeze(data.close); // Close.SIGNED_OUT, Close.TRY_AGAIN_LATER …
export const FINAL_CLOSES = new Set(data.final); // after these the page stops reconnecting
export const Frame = Object.freeze(data.frames); // Frame.MESSAGE_SEND, Frame.SYNC …
