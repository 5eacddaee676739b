"""The one file store: local disk or object storage, private either way."""

import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from qualicoop.lib import file_store as store
from qualicoop.lib.env import file_store_from_env
from tests.file_store_support import make_bucket, s3_storage_settings


def test_it_keeps_and_serves_a_file_on_either_store(file_store):
    name = default_storage.save("essais/délibération.pdf", ContentFile(b"%PDF-1.7 contenu"))

    response = store.serve(name, filename="Délibération du CA.pdf", content_type="application/pdf")

    assert response["Cache-Control"] == "private, no-store"
    if file_store == "disque":
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.7 contenu"
        assert (
            "filename*=UTF-8''D%C3%A9lib%C3%A9ration%20du%20CA.pdf"
            in response["Content-Disposition"]
        )
    else:
        # A redirect to a link signed for a few minutes, which the server honours.
        assert response.status_code == 302
        with urllib.request.urlopen(response["Location"], timeout=10) as fetched:  # noqa: S310
            assert fetched.read() == b"%PDF-1.7 contenu"
            assert fetched.headers["Content-Type"] == "application/pdf"
            assert "D%C3%A9lib%C3%A9ration" in fetched.headers["Content-Disposition"]


def test_objects_are_private_without_a_signature(settings, s3_server):
    # (On the disk, a kept file has no address at all: only the portal's views serve it.)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage_settings(s3_server, make_bucket(s3_server)),
    }
    name = default_storage.save("essais/prive.txt", ContentFile(b"confidentiel"))
    signed = default_storage.url(name)
    parts = urlsplit(signed)

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{parts.scheme}://{parts.netloc}{parts.path}", timeout=10)  # noqa: S310

    assert refused.value.code == 403
    query = parse_qs(parts.query)
    # The link is signed for the configured lifetime, from now.
    assert query["X-Amz-Expires"] == ["300"]
    assert "X-Amz-Signature" in query


def test_a_name_already_taken_is_never_overwritten(file_store):
    first = default_storage.save("essais/rapport.txt", ContentFile(b"premier"))
    second = default_storage.save("essais/rapport.txt", ContentFile(b"second"))

    assert first != second
    with default_storage.open(first) as kept:
        assert kept.read() == b"premier"


def test_a_name_replaced_holds_the_new_bytes_and_nothing_is_left_beside_it(file_store):
    store.replace("essais/manifeste.json", b"{}")

    store.replace("essais/manifeste.json", b'{"version": 2}')

    assert store.read("essais/manifeste.json") == b'{"version": 2}'
    assert store.stored_keys("essais") == {"essais/manifeste.json"}


def test_a_folder_is_listed_at_any_depth_and_deleted_whole(file_store):
    for name in ("a/1.txt", "a/b/2.txt", "a/b/c/3.txt", "autre/4.txt"):
        default_storage.save(f"essais/{name}", ContentFile(b"x"))

    assert store.stored_keys("essais/a") == {
        "essais/a/1.txt",
        "essais/a/b/2.txt",
        "essais/a/b/c/3.txt",
    }
    store.delete_folder("essais/a/b")

    assert store.stored_keys("essais") == {"essais/a/1.txt", "essais/autre/4.txt"}
    assert store.stored_keys("essais/rien") == set()


def test_the_settings_default_to_the_disk_and_switch_to_a_bucket(monkeypatch, tmp_path):
    for name in ("FILE_STORE_BUCKET", "FILE_STORE_ENDPOINT", "FILE_STORE_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert file_store_from_env(media_root=tmp_path)["OPTIONS"] == {"location": str(tmp_path)}

    monkeypatch.setenv("FILE_STORE_BUCKET", "qualicoop-prod")
    monkeypatch.setenv("FILE_STORE_ENDPOINT", "https://s3.fr-par.example")
    monkeypatch.setenv("FILE_STORE_ACCESS_KEY", "AK")
    monkeypatch.setenv("FILE_STORE_SECRET_KEY", "SK")
    settings_ = file_store_from_env(media_root=tmp_path)
    assert settings_["BACKEND"] == "storages.backends.s3.S3Storage"
    assert settings_["OPTIONS"]["bucket_name"] == "qualicoop-prod"
    assert settings_["OPTIONS"]["endpoint_url"] == "https://s3.fr-par.example"
    assert settings_["OPTIONS"]["default_acl"] is None


@pytest.mark.parametrize(
    "env",
    [
        {"FILE_STORE_ENDPOINT": "https://s3.example"},
        {"FILE_STORE_BUCKET": "b", "FILE_STORE_ACCESS_KEY": "AK"},
        {"FILE_STORE_BUCKET": "b", "FILE_STORE_SIGNED_SECONDS": "0"},
    ],
)
def test_half_a_configuration_is_refused(monkeypatch, tmp_path, env):
    for name in (
        "FILE_STORE_BUCKET",
        "FILE_STORE_ENDPOINT",
        "FILE_STORE_ACCESS_KEY",
        "FILE_STORE_SECRET_KEY",
        "FILE_STORE_SIGNED_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured):
        file_store_from_env(media_root=tmp_path)
