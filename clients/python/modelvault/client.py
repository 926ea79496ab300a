"""The registry client: models, versions, transfers, lifecycle, lineage and inference."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union
from urllib.parse import quote

import requests

from . import oip
from .errors import DigestMismatchError, ModelvaultError, error_from_response

PathLike = Union[str, "os.PathLike[str]"]
Json = Dict[str, Any]

#: Files at most this large (together) go up in one multipart request; larger sets use a
#: draft, one streamed PUT per file, and a commit.
ONE_SHOT_MAX_BYTES = 64 << 20
_CHUNK = 1 << 20


def _q(segment: Union[str, int]) -> str:
    return quote(str(segment), safe="")


def _progress(total: int, desc: str):
    """A tqdm bar when tqdm is installed and stderr is a terminal, else None."""
    if not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm  # type: ignore
    except ImportError:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc=desc, leave=False)


class _HashingReader:
    """A file object for requests' body that hashes (and reports) what is read from it."""

    def __init__(self, path: PathLike, bar) -> None:
        self._f = open(path, "rb")
        self._size = os.fstat(self._f.fileno()).st_size
        self._bar = bar
        self.sha256 = hashlib.sha256()

    def __len__(self) -> int:
        return self._size

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n if n and n > 0 else _CHUNK)
        self.sha256.update(data)
        if self._bar is not None:
            self._bar.update(len(data))
        return data

    def close(self) -> None:
        self._f.close()


def _sha256_file(path: PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


class Registry:
    """A modelvault server.

    Args:
        url: the server's base URL; ``MODELVAULT_URL`` when None, else http://127.0.0.1:8080.
        token: a bearer token; ``MODELVAULT_TOKEN`` when None; no header when neither.
        timeout: seconds for connecting and for each read.

    Every method raises :class:`ModelvaultError` (or a subclass) carrying the server's code
    and message when the server refuses. A Registry holds one ``requests.Session`` and is not
    meant to be shared between threads.
    """

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None,
                 timeout: float = 300.0) -> None:
        self.url = (url or os.environ.get("MODELVAULT_URL") or "http://127.0.0.1:8080").rstrip("/")
        token = token if token is not None else os.environ.get("MODELVAULT_TOKEN")
        self.timeout = timeout
        self._http = requests.Session()
        if token:
            self._http.headers["Authorization"] = f"Bearer {token}"

    # -- plumbing -----------------------------------------------------------------------
    def _request(self, method: str, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", self.timeout)
        resp = self._http.request(method, self.url + path, **kw)
        if resp.status_code >= 400:
            raise error_from_response(resp)
        return resp

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        resp = self._request(method, path, **kw)
        return resp.json() if resp.content else None

    @staticmethod
    def _vpath(model: str, ref: Union[str, int]) -> str:
        return f"/api/v1/models/{_q(model)}/versions/{_q(ref)}"

    def _pages(self, path: str, key: str, params: Json) -> Iterator[Json]:
        params = {k: v for k, v in params.items() if v is not None}
        while True:
            page = self._json("GET", path, params=params)
            yield from page.get(key, [])
            if not page.get("next_page_token"):
                return
            params["page_token"] = page["next_page_token"]

    # -- models -------------------------------------------------------------------------
    def create_model(self, name: str, description: str = "",
                     tags: Optional[Mapping[str, str]] = None) -> Json:
        """Creates a model; ConflictError (already_exists) when the name is taken."""
        return self._json("POST", "/api/v1/models",
                          json={"name": name, "description": description, "tags": dict(tags or {})})

    def model(self, name: str) -> Json:
        """The model's record; NotFoundError when absent."""
        return self._json("GET", f"/api/v1/models/{_q(name)}")

    def models(self, filter: Optional[str] = None) -> List[Json]:
        """Every model matching the search filter (docs/http-api.md, Search filters)."""
        return list(self._pages("/api/v1/models", "models", {"filter": filter}))

    # -- versions -----------------------------------------------------------------------
    def get(self, model: str, ref: Union[str, int] = "latest") -> Json:
        """One version with its artifacts and reports. ``ref``: a number, ``latest``, a stage
        or ``@alias``."""
        return self._json("GET", self._vpath(model, ref))

    def versions(self, model: str, filter: Optional[str] = None,
                 stage: Optional[str] = None) -> List[Json]:
        """The model's sealed versions, newest first."""
        return list(self._pages(f"/api/v1/models/{_q(model)}/versions", "versions",
                                {"filter": filter, "stage": stage}))

    def search(self, filter: str) -> List[Json]:
        """Versions of every model matching ``filter``, newest first."""
        return list(self._pages("/api/v1/versions", "versions", {"filter": filter}))

    def push(self, model: str, files: Union[Sequence[PathLike], Mapping[str, PathLike]],
             meta: Optional[Json] = None, lineage: Optional[Json] = None,
             one_shot_max_bytes: int = ONE_SHOT_MAX_BYTES) -> Json:
        """Uploads ``files`` (paths, or artifact name -> path) as one new sealed version and
        returns it. ``lineage`` goes into ``meta["lineage"]``. Small sets go in one multipart
        request; larger ones as a draft, a streamed PUT per file and a commit (a failure
        leaves the draft uncommitted and raises). The server's SHA-256 of every artifact is
        checked against the one computed here: DigestMismatchError otherwise.
        """
        named = dict(files) if isinstance(files, Mapping) else {
            os.path.basename(os.fspath(p)): p for p in files}
        if not named:
            raise ValueError("push needs at least one file")
        meta = dict(meta or {})
        if lineage is not None:
            meta["lineage"] = lineage
        total = sum(os.path.getsize(p) for p in named.values())
        if total <= one_shot_max_bytes:
            return self._push_one_shot(model, named, meta)
        return self._push_draft(model, named, meta, total)

    def _push_one_shot(self, model: str, named: Mapping[str, PathLike], meta: Json) -> Json:
        digests = {name: _sha256_file(p) for name, p in named.items()}
        meta = dict(meta, checksums=dict(meta.get("checksums", {}), **digests))
        handles = {name: open(p, "rb") for name, p in named.items()}
        try:
            parts: List[Any] = [("meta", (None, json.dumps(meta), "application/json"))]
            parts += [(name, (name, f, "application/octet-stream")) for name, f in handles.items()]
            version = self._json("POST", f"/api/v1/models/{_q(model)}/versions", files=parts)
        finally:
            for f in handles.values():
                f.close()
        self._check_digests(version, digests)
        return version

    def _push_draft(self, model: str, named: Mapping[str, PathLike], meta: Json,
                    total: int) -> Json:
        draft = self._json("POST", f"/api/v1/models/{_q(model)}/versions",
                           params={"draft": "true"}, json=meta)
        vpath = self._vpath(model, draft["version"])
        bar = _progress(total, f"{model} v{draft['version']}")
        try:
            for name, path in named.items():
                body = _HashingReader(path, bar)
                try:
                    art = self._json("PUT", f"{vpath}/artifacts/{_q(name)}", data=body,
                                     headers={"Content-Type": "application/octet-stream"})
                finally:
                    body.close()
                sent = body.sha256.hexdigest()
                if art.get("sha256") != sent:
                    self._request("DELETE", f"{vpath}/artifacts/{_q(name)}")
                    raise DigestMismatchError(0, "digest_mismatch",
                                              f"{name}: sent {sent}, server stored {art.get('sha256')}")
        finally:
            if bar is not None:
                bar.close()
        return self._json("POST", f"{vpath}/commit", json={})

    @staticmethod
    def _check_digests(version: Json, digests: Mapping[str, str]) -> None:
        stored = {a["name"]: a["sha256"] for a in version.get("artifacts", [])}
        for name, want in digests.items():
            if stored.get(name) != want:
                raise DigestMismatchError(0, "digest_mismatch",
                                          f"{name}: sent {want}, server stored {stored.get(name)}")

    def pull(self, model: str, ref: Union[str, int], dest: PathLike) -> List[str]:
        """Downloads every artifact of the version into ``dest`` (created when missing) and
        returns the paths written. Each file's SHA-256 is checked against the registry's
        before any file is moved into ``dest``: on a mismatch nothing is left behind and
        DigestMismatchError is raised."""
        version = self.get(model, ref)
        os.makedirs(dest, exist_ok=True)
        stage = tempfile.mkdtemp(prefix=".modelvault-pull-", dir=dest)
        try:
            for art in version["artifacts"]:
                self._download(version, art, os.path.join(stage, art["name"]))
            written = []
            for art in version["artifacts"]:
                target = os.path.join(dest, art["name"])
                os.replace(os.path.join(stage, art["name"]), target)
                written.append(target)
            return written
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def _download(self, version: Json, art: Json, path: str) -> None:
        url = self._vpath(version["model"], version["version"]) + f"/artifacts/{_q(art['name'])}"
        h = hashlib.sha256()
        with self._request("GET", url, stream=True) as resp, open(path, "wb") as out:
            for block in resp.iter_content(_CHUNK):
                h.update(block)
                out.write(block)
        if h.hexdigest() != art["sha256"]:
            raise DigestMismatchError(0, "digest_mismatch",
                                      f"{art['name']}: expected {art['sha256']}, got {h.hexdigest()}")

    def delete(self, model: str, version: int, comment: str = "") -> Json:
        """Tombstones a version (not one in production)."""
        return self._json("DELETE", self._vpath(model, version), json={"comment": comment})

    # -- lifecycle ----------------------------------------------------------------------
    def promote(self, model: str, version: Union[int, str], stage: str, comment: str = "",
                force: bool = False, archive_previous: bool = True) -> Json:
        """Moves a version to ``stage`` (none, staging, production, archived)."""
        return self._json("POST", self._vpath(model, version) + "/stage",
                          json={"stage": stage, "comment": comment, "force": force,
                                "archive_previous": archive_previous})

    def alias(self, model: str, alias: str, version: Optional[Union[int, str]] = None,
              delete: bool = False) -> Optional[Json]:
        """Points ``alias`` at ``version``; with neither, returns where it points; with
        ``delete=True`` removes it."""
        path = f"/api/v1/models/{_q(model)}/aliases/{_q(alias)}"
        if delete:
            self._request("DELETE", path)
            return None
        if version is None:
            return self._json("GET", path)
        return self._json("PUT", path, json={"version": version})

    def history(self, model: str, stage: str = "production", at: Optional[str] = None) -> Json:
        """Who held ``stage`` over time; with ``at`` (RFC 3339), who held it then."""
        return self._json("GET", f"/api/v1/models/{_q(model)}/history",
                          params={"stage": stage, **({"at": at} if at else {})})

    def lineage(self, model: str, version: Union[int, str], direction: str = "up",
                depth: int = 8) -> Json:
        """The lineage graph around a version: ``{"nodes", "edges", "refs"}``."""
        return self._json("GET", self._vpath(model, version) + "/lineage",
                          params={"direction": direction, "depth": depth})

    def wait_for_parity(self, model: str, version: Union[int, str],
                        timeout: float = 300.0) -> Json:
        """The parity report once it is no longer ``pending``; TimeoutError after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            wait = int(max(0, min(left, 600)))
            report = self._json("GET", self._vpath(model, version) + "/parity",
                                params={"wait": wait}, timeout=self.timeout + wait)
            if report.get("status") != "pending":
                return report
            if time.monotonic() >= deadline:
                raise TimeoutError(f"parity of {model} v{version} still pending after {timeout}s")

    # -- inference ----------------------------------------------------------------------
    def predict(self, model: str, ref: Union[str, int], inputs: Mapping[str, Any]) -> Dict[str, Any]:
        """Runs the version's ONNX model on ``inputs`` (name -> numpy array) over the Open
        Inference Protocol with binary tensors; returns the outputs by name."""
        body, headers = oip.encode_request(inputs)
        resp = self._request("POST", f"/v2/models/{_q(model)}/versions/{_q(ref)}/infer",
                             data=body, headers=headers)
        length = resp.headers.get(oip.HEADER)
        return oip.decode_response(resp.content, int(length) if length else None)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
