"""A worker's memory under the photo load that once took one to 1.4 GB.

Three chat messages are posted at the same time to one real uvicorn worker of config.asgi,
started with the command line and environment of deploy/systemd's unit, each with five JPEGs of 39.9
megapixels (just under IMAGE_MAX_PIXELS), made of noise so they weigh what camera photos
weigh. The worker's resident memory is read from /proc while they are decoded; its peak
(VmHWM, kept by the kernel) must stay under 600 MB.

This is a memory bound, not a timing test: how long the load takes is printed, never
asserted. It runs in the production shape (tests/integration/stack.py), in CI's
service-backed stage.
"""

from __future__ import annotations

import http.client
import io
import secrets
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from tests.integration.stack import SEED_CHAT, production_stack

pytestmark = pytest.mark.services

COUNT_PHOTOS = """
from tenantdesk.chat.models import Attachment, Message
print(json.dumps([Message.objects.filter(kind="user").count(),
                  Attachment.objects.filter(kind="photo").count()]))
"""

# 7296 × 5472 = 39.92 MP: a 4:3 camera frame just under the default IMAGE_MAX_PIXELS.
WIDTH, HEIGHT = 7296, 5472
MESSAGES = 3
PHOTOS_PER_MESSAGE = 5
PEAK_LIMIT_BYTES = 600 * 1000 * 1000


def _camera_like_jpeg(orientation: int | None) -> bytes:
    """A 39.9 MP JPEG of about 13 MB: coarse colour blobs plus fine grain, like a photo."""
    coarse = Image.merge(
        "RGB", [Image.effect_noise((WIDTH // 16, HEIGHT // 16), 40) for _ in range(3)]
    ).resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((WIDTH, HEIGHT), 20)
    image = Image.blend(coarse, Image.merge("RGB", [grain] * 3), 0.5)
    del coarse, grain
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation  # a phone held upright writes 6: the decoder must rotate
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, exif=exif.tobytes())
    return buffer.getvalue()


@pytest.fixture
def stack(tmp_path):
    """One production worker (the unit's command line and environment, PostgreSQL, Redis)."""
    with production_stack(tmp_path, workers=1) as stack:
        yield stack


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def _multipart(photos: list[bytes]) -> tuple[bytes, str]:
    boundary = "----tenantdesk" + secrets.token_hex(12)
    parts = []
    fields = {"text": "Photos of the leak", "client_id": str(uuid.uuid4())}
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for index, photo in enumerate(photos):
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="IMG_{index}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        )
        parts.extend([head.encode(), photo, b"\r\n"])
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _post(port: int, path: str, body: bytes, content_type: str, cookie: str) -> tuple[int, bytes]:
    csrf = secrets.token_hex(16)  # a 32-character secret: the cookie and the header agree
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": content_type,
                "Cookie": f"sessionid={cookie}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Host": "127.0.0.1",
            },
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_three_parallel_messages_of_five_40mp_photos_keep_the_worker_under_600_mb(stack):
    worker = stack.workers[0]
    process, port = worker.process, worker.port
    data = stack.python(SEED_CHAT)
    data["cookie"] = data["customer"]
    # Two kinds of camera frame: landscape as shot, and portrait that must be rotated.
    photos = [_camera_like_jpeg(None), _camera_like_jpeg(6)]
    assert all(len(p) < 15 * 1024 * 1024 for p in photos), [len(p) for p in photos]
    bodies = [
        _multipart([photos[(m + i) % 2] for i in range(PHOTOS_PER_MESSAGE)])
        for m in range(MESSAGES)
    ]
    del photos
    path = f"/chat/{data['request']}/messages"

    # The first request warms up what any request loads (templates, URLconf, database):
    # the baseline is taken after it, so the figure below is what the photos cost.
    warm_up = _post(port, path, *_multipart([]), data["cookie"])
    assert warm_up[0] == 201, warm_up
    baseline_kib = _status_kib(process.pid, "VmRSS")

    samples: list[int] = []
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                samples.append(_status_kib(process.pid, "VmRSS"))
            except (FileNotFoundError, AssertionError):
                return
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    with ThreadPoolExecutor(MESSAGES) as pool:
        results = list(pool.map(lambda b: _post(port, path, b[0], b[1], data["cookie"]), bodies))
    elapsed = time.monotonic() - started
    time.sleep(1.0)
    done.set()
    sampler.join(timeout=5)
    after_kib = _status_kib(process.pid, "VmRSS")
    peak_kib = _status_kib(process.pid, "VmHWM")

    report = (
        f"{MESSAGES} messages x {PHOTOS_PER_MESSAGE} photos of {WIDTH}x{HEIGHT}: "
        f"{elapsed:.1f} s; RSS baseline {baseline_kib / 1024:.0f} MiB, "
        f"peak (VmHWM) {peak_kib / 1024:.0f} MiB, highest sample "
        f"{max(samples, default=0) / 1024:.0f} MiB, after the load {after_kib / 1024:.0f} MiB"
    )
    print(report)
    assert [status for status, _ in results] == [201] * MESSAGES, (
        report,
        [body[:500] for _, body in results],
        worker.log()[-3000:],
    )
    assert stack.python(COUNT_PHOTOS) == [
        MESSAGES + 1,
        MESSAGES * PHOTOS_PER_MESSAGE,
    ]
    assert peak_kib * 1024 < PEAK_LIMIT_BYTES, report
