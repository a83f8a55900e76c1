"""Through nginx: a customer whose socket is on worker 1 and a manager on worker 2 chat
live (the Redis channel layer joins the workers); a photo goes to the S3 bucket, is shown
to the manager and does not exist for another organisation."""

from __future__ import annotations

import asyncio
import gzip
import re
import time
import urllib.request
import uuid

from tests.scale.clients import Person, customer_and_manager, post_message, request
from tests.scale.conftest import seed
from tests.unit.service_requests.helpers import noise_jpeg

SCENARIO = "live chat + photo"


async def wait_for(person: Person, client_id: str, timeout: float = 10) -> float:
    started = time.monotonic()
    while client_id not in person.received.values():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{person.name} did not get {client_id}")
        await asyncio.sleep(0.005)
    return time.monotonic() - started


def test_customer_on_worker_1_and_manager_on_worker_2_chat_live_with_a_photo(site, figures):
    data = seed(site, 1, "live")
    room = data["rooms"][0]
    first, second = site.workers
    port = site.nginx.port
    photo = noise_jpeg(800, 600)

    async def scenario():
        customer, manager = await customer_and_manager(site, room)
        try:
            assert customer.upstreams == [f"127.0.0.1:{first.port}"]
            assert manager.upstreams == [f"127.0.0.1:{second.port}"]
            asked = await customer.send("The light flickers again.")
            to_manager = await wait_for(manager, asked)
            answered = await manager.send("An electrician comes at 3 pm.")
            to_customer = await wait_for(customer, answered)

            client_id = str(uuid.uuid4())
            started = time.monotonic()
            answer = await asyncio.to_thread(
                post_message,
                port,
                room["id"],
                room["customer"],
                "Here it is.",
                client_id,
                [("files", "lamp.jpg", "image/jpeg", photo)],
            )
            upload = time.monotonic() - started
            assert answer.status == 201, answer.body[:500]
            attachment = answer.json()["message"]["attachments"][0]
            await wait_for(manager, client_id)
            return to_manager, to_customer, upload, attachment
        finally:
            await customer.close()
            await manager.close()

    to_manager, to_customer, upload, attachment = asyncio.run(scenario())
    figures.add(SCENARIO, "delivery customer(w1) -> manager(w2) ms", to_manager * 1000)
    figures.add(SCENARIO, "delivery manager(w2) -> customer(w1) ms", to_customer * 1000)
    figures.add(SCENARIO, "photo upload (800x600) through nginx s", upload)

    # The file is in the bucket, under the name the database has.
    names = site.stack.python(
        "from tenantdesk.chat.models import Attachment\n"
        f"a = Attachment.objects.get(pk={attachment['id']})\n"
        "print(json.dumps([a.file.name, a.thumbnail.name]))"
    )
    keys = site.s3.keys()
    assert set(names) <= set(keys), (names, keys)
    figures.add(SCENARIO, "objects in the bucket", len(keys))

    # The manager is sent to a signed URL of the bucket, which serves the stored bytes.
    shown = request(port, "GET", attachment["url"], cookie=room["manager"])
    assert shown.status == 302, shown.body[:300]
    signed = shown.headers["location"]
    assert signed.startswith(f"{site.s3.endpoint}/{site.s3.bucket}/{names[0]}?")
    with urllib.request.urlopen(signed, timeout=10) as response:  # noqa: S310 (our moto)
        body = response.read()
    stored = site.s3.client().get_object(Bucket=site.s3.bucket, Key=names[0])["Body"].read()
    assert body == stored and body[:2] == b"\xff\xd8"  # a JPEG (re-encoded, metadata stripped)

    # Another organisation's customer: as if it did not exist, file and thumbnail alike.
    for url in (attachment["url"], attachment["thumbnail_url"]):
        refused = request(port, "GET", url, cookie=data["outsider"])
        assert refused.status == 404, (url, refused.status)
    figures.add(SCENARIO, "attachment for another organisation", "404")


def test_static_files_come_from_static_root_through_nginx_not_from_a_worker(site, figures):
    # A rolling upgrade must not depend on which worker is asked for a new hashed file.
    data = seed(site, 1, "static")
    room = data["rooms"][0]
    page = request(site.nginx.port, "GET", f"/request/{room['id']}", cookie=room["customer"])
    assert page.status == 200
    path = re.search(rb'src="(/static/chat/js/main\.[0-9a-f]+\.js)"', page.body)[1].decode()
    on_disk = (site.stack.tmp_path / "static" / path.removeprefix("/static/")).read_bytes()
    plain = request(site.nginx.port, "GET", path)
    assert plain.status == 200 and plain.body == on_disk
    assert "x-upstream-addr" not in plain.headers  # nginx answered, no worker was asked
    zipped = request(site.nginx.port, "GET", path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers.get("content-encoding") == "gzip"
    assert gzip.decompress(zipped.body) == on_disk
    figures.add(
        SCENARIO,
        "static file from STATIC_ROOT (plain / gzip bytes)",
        f"{len(plain.body)} / {len(zipped.body)}",
    )
