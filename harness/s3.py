"""An S3-compatible endpoint for the stack: moto's server in a process of its own (not a
thread of the test: the test process drives hundreds of sockets and must not share its
interpreter with the object store), with one private bucket."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harness.stack import ROOT, free_port, wait_for_port

CREDENTIALS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing"}
REGION = "us-east-1"


class MotoS3:
    def __init__(self, log_dir: Path, bucket: str = "tenantdesk-scale"):
        self.port = free_port()
        self.bucket = bucket
        self.log_path = log_dir / "moto.log"
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The settings that put the workers' files into the bucket (config/settings/base.py)."""
        return {
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": REGION,
            **CREDENTIALS,
        }

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=CREDENTIALS["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["S3_SECRET_ACCESS_KEY"],
            region_name=REGION,
        )

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, process=self.process, log=self.log_path)
        self.client().create_bucket(Bucket=self.bucket)

    def keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
