"""Downloading the full MNIST, tested against a tiny HTTP server on 127.0.0.1.

The server serves a small fake ``mnist.npz`` made here, counts requests, and can
misbehave on purpose (drop the connection halfway, answer 404, never answer).
No test touches the internet.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import socket
import sys
import threading
import time

import numpy as np
import pytest

from gdcode.datasets import MNISTUnavailableError, load_mnist

N_TRAIN, N_TEST = 12, 5


def make_fake_mnist(seed: int = 0) -> tuple[bytes, dict[str, np.ndarray]]:
    """A Keras-style mnist.npz with a few random digits, as bytes."""
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, size=(N_TRAIN, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, size=N_TRAIN).astype(np.uint8),
        "x_test": rng.integers(0, 256, size=(N_TEST, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, size=N_TEST).astype(np.uint8),
    }
    arrays["x_train"][0, 0, 0] = 255  # so the maximum after scaling is exactly 1
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue(), arrays


class FakeServer:
    """Serve ``payload`` at /mnist.npz; ``mode`` chooses how to behave."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.mode = "good"  # "good" | "truncate" | "404" | "hang"
        self.requests = 0
        self.release = threading.Event()  # lets a "hang" handler finish at teardown
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (name required by http.server)
                server.requests += 1
                if server.mode == "404" or self.path != "/mnist.npz":
                    self.send_error(404)
                    return
                if server.mode == "hang":
                    server.release.wait(10)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(server.payload)))
                self.end_headers()
                if server.mode == "truncate":
                    self.wfile.write(server.payload[: len(server.payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                else:
                    self.wfile.write(server.payload)

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist.npz"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def fake():
    payload, arrays = make_fake_mnist()
    server = FakeServer(payload)
    server.arrays = arrays
    server.sha256 = hashlib.sha256(payload).hexdigest()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("GDCODE_MNIST", "GDCODE_OFFLINE", "GDCODE_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


def cache_files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def load_full(fake, cache, **kwargs):
    kwargs.setdefault("source", "full")
    kwargs.setdefault("sha256", fake.sha256)
    kwargs.setdefault("timeout", 5)
    return load_mnist(cache_dir=cache, url=fake.url, **kwargs)


def test_good_download_happens_once_and_gives_the_served_digits(fake, tmp_path):
    cache = tmp_path / "cache"
    data = load_full(fake, cache)
    assert fake.requests == 1
    assert cache_files(cache) == ["mnist.npz"]
    assert data.source == "full"
    assert "downloaded" in data.note and fake.url in data.note
    assert data.X_train.shape == (N_TRAIN, 784) and data.X_test.shape == (N_TEST, 784)
    expected = fake.arrays["x_train"].reshape(N_TRAIN, 784).astype(np.float32) / 255
    np.testing.assert_array_equal(data.X_train, expected)
    np.testing.assert_array_equal(data.y_test, fake.arrays["y_test"].astype(np.int64))
    assert data.y_train.dtype == np.int64
    assert "12 training and 5 test" in data.description

    again = load_full(fake, cache)  # from the cache, verified, no request
    auto = load_full(fake, cache, source="auto")
    assert fake.requests == 1
    assert again.source == auto.source == "full"
    assert "cache" in again.note
    np.testing.assert_array_equal(again.X_train, data.X_train)


def test_cache_dir_defaults_to_gdcode_data_dir(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("GDCODE_DATA_DIR", str(tmp_path / "from-env"))
    load_mnist(source="full", url=fake.url, sha256=fake.sha256, timeout=5)
    assert cache_files(tmp_path / "from-env") == ["mnist.npz"]


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_CACHE_HOME is a Linux convention")
def test_default_cache_is_the_user_cache_folder(fake, tmp_path, monkeypatch):
    # pooch.os_cache("gdcode") follows XDG_CACHE_HOME on Linux: ~/.cache/gdcode by default
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_mnist(source="full", url=fake.url, sha256=fake.sha256, timeout=5)
    assert cache_files(tmp_path / "xdg" / "gdcode") == ["mnist.npz"]


def test_wrong_checksum_raises_and_leaves_nothing_trusted(fake, tmp_path):
    cache = tmp_path / "cache"
    wrong = "0" * 64
    with pytest.raises(MNISTUnavailableError, match="SHA256 hash of downloaded file") as info:
        load_full(fake, cache, sha256=wrong)
    message = str(info.value)
    assert fake.url in message and "source='subset'" in message
    assert cache_files(cache) == []  # the temporary download was deleted

    with pytest.raises(MNISTUnavailableError):  # a second try downloads again
        load_full(fake, cache, sha256=wrong)
    assert fake.requests == 2

    data = load_full(fake, cache)  # with the right hash it works
    assert data.source == "full" and fake.requests == 3


def test_wrong_checksum_in_auto_mode_falls_back_to_the_subset(fake, tmp_path):
    data = load_full(fake, tmp_path, source="auto", sha256="f" * 64)
    assert data.source == "subset"
    assert "could not be downloaded" in data.note and "ValueError" in data.note
    assert cache_files(tmp_path) == []


def test_dropped_connection_leaves_no_partial_file(fake, tmp_path):
    cache = tmp_path / "cache"
    fake.mode = "truncate"
    with pytest.raises(MNISTUnavailableError, match="ChunkedEncodingError") as info:
        load_full(fake, cache)
    assert "IncompleteRead" in str(info.value)
    assert cache_files(cache) == []

    fake.mode = "good"
    data = load_full(fake, cache)
    assert data.source == "full"
    assert fake.requests == 2
    assert cache_files(cache) == ["mnist.npz"]


def test_corrupt_cached_file_is_not_trusted_and_gets_replaced(fake, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(fake.payload[:1000])  # e.g. left by another tool

    monkeypatch.setenv("GDCODE_OFFLINE", "1")
    offline = load_full(fake, cache, source="auto")
    assert offline.source == "subset"
    assert "does not match its SHA-256" in offline.note
    assert fake.requests == 0

    monkeypatch.delenv("GDCODE_OFFLINE")
    data = load_full(fake, cache)
    assert data.source == "full" and fake.requests == 1
    assert (cache / "mnist.npz").read_bytes() == fake.payload


def test_http_error_names_the_status(fake, tmp_path):
    fake.mode = "404"
    with pytest.raises(MNISTUnavailableError, match="404"):
        load_full(fake, tmp_path)
    assert cache_files(tmp_path) == []


def test_auto_falls_back_to_the_subset_when_the_server_is_unreachable(tmp_path):
    with socket.socket() as sock:  # a port on which nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = load_mnist(
        source="auto", cache_dir=tmp_path, url=f"http://127.0.0.1:{port}/mnist.npz", timeout=5
    )
    assert data.source == "subset"
    assert data.note.startswith("full MNIST could not be downloaded (ConnectionError")
    assert data.note.endswith("using the bundled 5,000-digit subset")
    assert data.X_train.shape == (4000, 784)


def test_auto_gives_up_after_the_timeout(fake, tmp_path):
    fake.mode = "hang"
    data = load_full(fake, tmp_path, source="auto", timeout=0.3)
    assert data.source == "subset"
    assert "Timeout" in data.note or "timed out" in data.note


def test_offline_never_contacts_the_server(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("GDCODE_OFFLINE", "1")
    data = load_full(fake, tmp_path, source="auto")
    assert data.source == "subset"
    assert data.note.startswith("GDCODE_OFFLINE=1 and no copy of full MNIST in the cache")
    with pytest.raises(MNISTUnavailableError, match="GDCODE_OFFLINE=1"):
        load_full(fake, tmp_path, source="full")
    assert fake.requests == 0


def test_offline_still_uses_a_verified_cached_copy(fake, tmp_path, monkeypatch):
    load_full(fake, tmp_path)
    monkeypatch.setenv("GDCODE_OFFLINE", "1")
    data = load_full(fake, tmp_path, source="auto")
    assert data.source == "full" and fake.requests == 1


def test_environment_chooses_the_source_for_auto(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("GDCODE_MNIST", "subset")
    data = load_full(fake, tmp_path, source="auto")
    assert data.source == "subset" and "GDCODE_MNIST=subset" in data.note
    assert fake.requests == 0

    monkeypatch.setenv("GDCODE_MNIST", "full")
    fake.mode = "404"
    with pytest.raises(MNISTUnavailableError):  # "full" from the environment does not fall back
        load_full(fake, tmp_path, source="auto")

    # an explicit source wins over the environment
    assert load_full(fake, tmp_path, source="subset").source == "subset"


def test_a_failed_download_leaves_no_new_folder(fake, tmp_path):
    cache = tmp_path / "new" / "cache"  # neither folder exists yet
    fake.mode = "404"
    with pytest.raises(MNISTUnavailableError, match="404"):
        load_full(fake, cache)
    assert not (tmp_path / "new").exists()
    fake.mode = "truncate"
    with pytest.raises(MNISTUnavailableError):
        load_full(fake, cache)
    assert not (tmp_path / "new").exists()


def test_a_download_killed_hard_is_cleaned_up_by_the_next_call(fake, tmp_path, monkeypatch):
    # A process killed during a download leaves pooch's temporary file behind, in the
    # folder gdcode gives pooch for its temporary files. Simulate one stale (an hour old)
    # and one fresh (another process downloading right now).
    cache = tmp_path / "cache"
    partial = cache / ".mnist.npz.partial"
    partial.mkdir(parents=True)
    stale, fresh = partial / "tmpkilled1", partial / "tmprunning"
    stale.write_bytes(fake.payload[:100])
    fresh.write_bytes(fake.payload[:100])
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))

    monkeypatch.setenv("GDCODE_OFFLINE", "1")  # cleaning needs no network
    assert load_full(fake, cache, source="auto").source == "subset"
    assert not stale.exists() and fresh.exists()

    monkeypatch.delenv("GDCODE_OFFLINE")
    assert load_full(fake, cache).source == "full"
    assert cache_files(partial) == ["tmprunning"]  # the live download is left alone
    fresh.unlink()
    load_full(fake, cache)
    assert cache_files(cache) == ["mnist.npz"]  # the empty temporary folder goes too


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"cache_dir": 3}, TypeError, r"cache_dir must be a file path \(str or .*\), got 3"),
        ({"cache_dir": ""}, ValueError, r"cache_dir must be a non-empty file path, got ''"),
        ({"sha256": None}, TypeError, r"sha256 must be a string of 64 hex.* digits, got None"),
        ({"progress": 1}, TypeError, r"progress must be True or False, got 1"),
        ({"dtype": None}, TypeError, r"dtype must be a numeric NumPy dtype .*, got None"),
        ({"dtype": "U3", "normalize": False}, ValueError, r"dtype must be a numeric NumPy dtype"),
    ],
)
def test_download_arguments_are_named(kwargs, error, match, tmp_path):
    kwargs.setdefault("cache_dir", tmp_path)
    with pytest.raises(error, match=match):
        load_mnist(source="full", **kwargs)


def test_atomic_writes_get_the_permissions_open_would_give(tmp_path):
    """The temporary file of an atomic write is private (0600); renamed into place as it
    was, a published figure or data file could not be read by a web server running as
    another user. A new file gets 0666 less the umask, a replaced file keeps its mode."""
    from gdcode._files import write_atomically

    mask = os.umask(0o027)
    try:
        write_atomically(tmp_path / "new.txt", "text")
        write_atomically(tmp_path / "new.bin", b"\x00\x01")
    finally:
        os.umask(mask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "new.bin").stat().st_mode & 0o777 == 0o640

    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o604)
    write_atomically(kept, "new")
    assert kept.read_text() == "new" and kept.stat().st_mode & 0o777 == 0o604
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt", "new.bin", "new.txt"]
