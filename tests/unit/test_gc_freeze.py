"""The app server freezes its long-lived heap: at start-up, and once warm."""

import gc
import importlib

import pytest

from qualicoop.lib import gc_freeze


@pytest.fixture
def unfrozen():
    """Give the test process its heap back: frozen objects are never collected."""
    yield
    gc.unfreeze()


def test_freeze_moves_what_is_alive_out_of_the_collectors_walk(unfrozen):
    kept = [object() for _ in range(10)]  # noqa: F841 - alive through the freeze
    gc_freeze.freeze()
    assert gc.get_freeze_count() > 10
    assert len(gc.get_objects()) < gc.get_freeze_count()


def test_the_heap_is_frozen_once_more_after_the_warm_up_requests(monkeypatch):
    freezes = []
    monkeypatch.setattr(gc_freeze, "freeze", lambda: freezes.append(len(calls)))
    calls = []

    def app(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return [b"ok"]

    wrapped = gc_freeze.FreezeWhenWarm(app, after=3)
    bodies = [wrapped({"PATH_INFO": f"/{n}/"}, None) for n in range(7)]

    assert bodies == [[b"ok"]] * 7
    assert calls == [f"/{n}/" for n in range(7)]
    assert freezes == [3]  # after the third response, never again


def test_a_request_that_fails_still_counts_towards_the_warm_up(monkeypatch):
    freezes = []
    monkeypatch.setattr(gc_freeze, "freeze", lambda: freezes.append(True))

    def broken(environ, start_response):
        raise RuntimeError("boom")

    wrapped = gc_freeze.FreezeWhenWarm(broken, after=1)
    with pytest.raises(RuntimeError):
        wrapped({}, None)
    assert freezes == [True]


def test_the_wsgi_application_is_django_frozen_at_start_up(unfrozen):
    from django.core.handlers.wsgi import WSGIHandler

    gc.unfreeze()
    wsgi = importlib.reload(importlib.import_module("qualicoop.wsgi"))

    assert gc.get_freeze_count() > 0
    assert isinstance(wsgi.application, gc_freeze.FreezeWhenWarm)
    assert isinstance(wsgi.application.application, WSGIHandler)
    assert wsgi.application.remaining == gc_freeze.WARM_REQUESTS
