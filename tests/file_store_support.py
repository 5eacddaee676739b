"""The file store under test: the local disk, and a real S3-protocol server on loopback.

The object-storage path is exercised against moto's S3 server, started in this
process on a free loopback port (once per test process), with a bucket of its
own for each test: real HTTP requests, real signatures, no mocked client.
"""

import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

ACCESS_KEY = "cle-de-test"
SECRET_KEY = "secret-de-test-pour-le-serveur-s3-local"  # noqa: S105 - a test server's
REGION = "eu-west-3"


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint of an S3-protocol server on 127.0.0.1, for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_storage_settings(endpoint: str, bucket: str, *, signed_seconds: int = 300) -> dict:
    """STORAGES["default"] for ``bucket`` on the test server, as the settings build it."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": signed_seconds,
            "file_overwrite": False,
            "addressing_style": "path",
            "signature_version": "s3v4",
        },
    }


def make_bucket(endpoint: str) -> str:
    bucket = f"qualicoop-test-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    ).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return bucket


@pytest.fixture(params=["disque", "s3"])
def file_store(request, settings, tmp_path):
    """Each storage-dependent test runs twice: on the local disk, then on object storage."""
    if request.param == "disque":
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path / "files")},
            },
        }
    else:
        endpoint = request.getfixturevalue("s3_server")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": s3_storage_settings(endpoint, make_bucket(endpoint)),
        }
    return request.param
