"""The sockets' protocol, defined once (chat/ws): every frame name has a schema, the pages get
the names and close codes from the server, and the JavaScript types none of them; each
message reaches a socket once, whichever way it comes (live or in a sync)."""

import json
import re
from pathlib import Path

import msgspec
import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from tenantdesk.chat.groups import service_request_group
from tenantdesk.chat.services.send import message_send
from tenantdesk.chat.ws import frames
from tenantdesk.chat.ws.outgoing import message_frames
from tenantdesk.chat.ws.protocol import FINAL_CLOSES, Close, Frame, for_pages
from tests.unit.chat.helpers import session_cookie
from tests.unit.chat.test_consumer import connect, receive, receive_until, send_text

ROOT = Path(__file__).resolve().parents[3]


def _tags(union) -> set[str]:
    return {member.__struct_config__.tag for member in union.__args__}


def test_every_frame_name_has_its_schema():
    client = _tags(frames.ClientFrame)
    chat, inbox = _tags(frames.ChatServerFrame), _tags(frames.InboxServerFrame)
    assert client | chat | inbox == {frame.value for frame in Frame}
    # What a client may send is never a frame the server sends on the same socket, but
    # sync (asked and answered).
    assert client & chat == {Frame.SYNC}


def test_the_pages_get_the_names_and_codes_from_the_server(client):
    html = client.get("/").content.decode()
    node = re.search(
        r'<script id="td-socket-protocol" type="application/json">(.*?)</script>', html
    )
    assert node is not None
    given = json.loads(node.group(1))
    assert given == for_pages()
    assert given["close"]["SIGNED_OUT"] == Close.SIGNED_OUT == 4401
    assert set(given["final"]) == {int(code) for code in FINAL_CLOSES}
    assert given["frames"]["MESSAGE_SEND"] == "message.send"


def test_the_javascript_types_no_close_code_or_frame_name():
    scripts = list((ROOT / "tenantdesk").rglob("static/**/*.js"))
    assert len(scripts) > 10
    codes = "|".join(str(int(code)) for code in Close)
    dotted = "|".join(re.escape(f.value) for f in Frame if "." in f.value)
    # Dotted names anywhere in a string; the plain ones as a frame's type.
    plain = "|".join(re.escape(f.value) for f in Frame if "." not in f.value)
    pattern = re.compile(
        rf"\b({codes})\b|[\"'`]({dotted})[\"'`]|type\s*(?:===|:)\s*[\"'`]({plain})[\"'`]"
    )
    typed = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in scripts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        # Code, not the comments that explain it.
        if pattern.search(line.split("//", 1)[0])
    ]
    assert not typed, typed


def test_a_frame_that_breaks_its_schema_is_caught():
    # The check every test runs on every frame sent (tests/conftest.py) can fail.
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(
            json.dumps({"type": "receipt", "id": 1, "status": "seen"}),
            type=frames.ChatServerFrame,
            strict=True,
        )


@pytest.mark.django_db
def test_a_broadcast_is_encoded_once_per_language_and_matches_the_schema(customer, service_request):
    message = message_send(author=customer, service_request=service_request, text="Hello")
    texts = message_frames(message.data)
    assert set(texts) == {"en", "ru"}
    for text in texts.values():
        frame = msgspec.json.decode(text, type=frames.ChatServerFrame, strict=True)
        assert frame.message.id == message.pk and frame.message.author_id == customer.pk


# --- each message once per socket --------------------------------------------------------

pytestmark_socket = pytest.mark.django_db(transaction=True)


@pytestmark_socket
async def test_a_message_that_came_live_is_not_sent_again_in_a_sync(service_request, customer):
    socket, _ = await connect(
        service_request.pk, await database_sync_to_async(session_cookie)(customer)
    )
    await send_text(socket, "Live first")
    live = (await receive_until(socket, "message"))["message"]
    await socket.send_json_to({"type": "sync", "after_id": 0})
    page = await receive_until(socket, "sync")
    assert live["id"] not in [m["id"] for m in page["messages"]]
    await socket.disconnect()


@pytestmark_socket
async def test_a_message_that_came_in_a_sync_is_not_sent_again_live(service_request, customer):
    """The case a worker's death showed under load (issue 25): the page reconnects, its
    new socket joins the group, a message stored meanwhile arrives in the sync it asked
    for and then live too: the socket sends it once."""
    cookie = await database_sync_to_async(session_cookie)(customer)
    socket, _ = await connect(service_request.pk, cookie)
    stored = await database_sync_to_async(message_send)(
        author=customer, service_request=service_request, text="Stored meanwhile"
    )
    # Its live frame is on its way (sent after commit); the sync the page asks for
    # lists it too. Whichever comes first, the socket sends it once.
    await socket.send_json_to({"type": "sync", "after_id": 0})
    seen = []
    while True:
        frame = await receive(socket)
        if frame["type"] == "sync":
            seen += [m["id"] for m in frame["messages"]]
            break
        if frame["type"] == "message":
            seen.append(frame["message"]["id"])
    # The live broadcast again, as a worker that missed the commit's send would deliver it
    # late: nothing more is sent; the next frame is the next message.
    await get_channel_layer().group_send(
        service_request_group(service_request.pk),
        {
            "type": "chat.message",
            "id": stored.pk,
            "internal": False,
            "frames": message_frames(stored.data),
        },
    )
    await send_text(socket, "Next")
    following = (await receive_until(socket, "message"))["message"]
    assert seen.count(stored.pk) == 1
    assert following["text"] == "Next"
    await socket.disconnect()
