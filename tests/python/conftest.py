"""Starts the built modelvault server (MV_BINARY) on port 0 in a temp data dir for each
test module and stops it after; reads the admin token when the server writes one."""
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Optional

import pytest
import requests


@dataclass
class Server:
    url: str
    host_port: str
    data_dir: str
    token: Optional[str]

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def _wait_for_port(proc, port_file, deadline):
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"modelvault exited with {proc.returncode} before listening")
        try:
            text = open(port_file).read().strip()
            if text:
                return int(text)
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise RuntimeError("modelvault did not write its port file in time")


@pytest.fixture(scope="module")
def server():
    binary = os.environ.get("MV_BINARY")
    if not binary or not os.access(binary, os.X_OK):
        pytest.fail("MV_BINARY must name the built modelvault binary")
    with tempfile.TemporaryDirectory(prefix="mv-pytest-") as tmp:
        data = os.path.join(tmp, "data")
        port_file = os.path.join(tmp, "port")
        log = open(os.path.join(tmp, "server.log"), "wb")
        proc = subprocess.Popen([binary, "serve", "--data-dir", data, "--host", "127.0.0.1",
                                 "--port", "0", "--port-file", port_file],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            port = _wait_for_port(proc, port_file, time.monotonic() + 60)
            url = f"http://127.0.0.1:{port}"
            for _ in range(200):
                if requests.get(url + "/readyz", timeout=5).status_code == 200:
                    break
                time.sleep(0.05)
            token_path = os.path.join(data, "admin-token")
            token = open(token_path).read().strip() if os.path.exists(token_path) else None
            yield Server(url, f"127.0.0.1:{port}", data, token)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
            if proc.returncode not in (0, -signal.SIGTERM):
                print(open(os.path.join(tmp, "server.log"), errors="replace").read()[-4000:])


@pytest.fixture(scope="module")
def registry(server):
    from modelvault import Registry

    with Registry(server.url, token=server.token or "") as reg:
        yield reg


def pytest_sessionfinish(session, exitstatus):
    # A suite that collected nothing must fail (pytest says 5), never pass by accident.
    if session.testscollected == 0:
        session.exitstatus = 5
