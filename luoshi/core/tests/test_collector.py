"""collector_paused: the cyclic collector is off inside the block and back as it was after it, also when blocks of
two threads overlap or the block raises."""
from __future__ import annotations

import gc
import threading

import pytest

from luoshi.core.collector import collector_paused


@pytest.fixture
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_off_inside_and_on_again_after(collector_on):
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_on_again_after_an_error(collector_on):
    with pytest.raises(ValueError):
        with collector_paused():
            raise ValueError
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector_on):
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_blocks_of_two_threads_switch_it_on_when_the_last_ends(collector_on):
    inside, release = threading.Event(), threading.Event()

    def other():
        with collector_paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    with collector_paused():
        thread.start()
        inside.wait(10)
    assert not gc.isenabled()       # this block ended first: the other thread's still holds it off
    release.set()
    thread.join(10)
    assert gc.isenabled()
