"""MLflow's own client (mlflow-skinny, pinned in clients/python/requirements-test.in)
against modelvault's /api/2.0/mlflow routes: every registry call the docs list."""
import os

import pytest
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException


@pytest.fixture(scope="module")
def client(server):
    if server.token:
        os.environ["MLFLOW_TRACKING_TOKEN"] = server.token
    return MlflowClient(tracking_uri=server.url, registry_uri=server.url)


def code_of(exc):
    return exc.value.error_code


def test_registered_model_create_get_update(client):
    rm = client.create_registered_model("ml-a", tags={"team": "x"}, description="first")
    assert rm.name == "ml-a" and rm.description == "first" and rm.tags == {"team": "x"}
    got = client.get_registered_model("ml-a")
    assert got.name == "ml-a" and got.creation_timestamp > 0
    updated = client.update_registered_model("ml-a", description="second")
    assert updated.description == "second"
    with pytest.raises(MlflowException) as e:
        client.create_registered_model("ml-a")
    assert code_of(e) == "RESOURCE_ALREADY_EXISTS"
    with pytest.raises(MlflowException) as e:
        client.get_registered_model("ml-missing")
    assert code_of(e) == "RESOURCE_DOES_NOT_EXIST"


def test_registered_model_tags(client):
    client.create_registered_model("ml-tags")
    client.set_registered_model_tag("ml-tags", "k", "v")
    assert client.get_registered_model("ml-tags").tags == {"k": "v"}
    client.delete_registered_model_tag("ml-tags", "k")
    assert client.get_registered_model("ml-tags").tags == {}


def test_rename_and_delete_are_refused(client):
    client.create_registered_model("ml-fixed")
    with pytest.raises(MlflowException) as e:
        client.rename_registered_model("ml-fixed", "ml-other")
    assert code_of(e) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as e:
        client.delete_registered_model("ml-fixed")
    assert code_of(e) == "INVALID_PARAMETER_VALUE"


def test_search_registered_models(client):
    for n in ("srch-1", "srch-2", "other-3"):
        client.create_registered_model(n, tags={"group": "g1" if n != "other-3" else "g2"})
    names = sorted(m.name for m in client.search_registered_models("name LIKE 'srch-%'"))
    assert names == ["srch-1", "srch-2"]
    assert [m.name for m in client.search_registered_models("name = 'other-3'")] == ["other-3"]
    assert sorted(m.name for m in client.search_registered_models("tags.group = 'g1'")) == names
    page = client.search_registered_models(max_results=1)
    assert len(page) == 1 and page.token
    asc = [m.name for m in client.search_registered_models("name LIKE 'srch-%'",
                                                           order_by=["name ASC"])]
    assert asc == ["srch-1", "srch-2"]
    with pytest.raises(MlflowException) as e:
        client.search_registered_models(order_by=["last_updated_timestamp DESC"])
    assert code_of(e) == "INVALID_PARAMETER_VALUE"


def test_search_registered_models_shows_aliases(client):
    client.create_registered_model("srch-al")
    client.create_model_version("srch-al", "s3://bucket/a")
    client.set_registered_model_alias("srch-al", "champion", "1")
    [found] = client.search_registered_models("name = 'srch-al'")
    assert found.aliases == {"champion": "1"}


def test_model_versions(client):
    client.create_registered_model("ml-v")
    mv = client.create_model_version("ml-v", "s3://bucket/path/model", run_id="run123",
                                     tags={"t": "1"}, description="v1")
    assert mv.version == "1" and mv.source == "s3://bucket/path/model"
    assert mv.run_id == "run123" and mv.status == "READY" and mv.current_stage == "None"
    assert mv.tags == {"t": "1"} and mv.description == "v1"
    mv2 = client.create_model_version("ml-v", "s3://bucket/path/model2")
    assert mv2.version == "2"
    got = client.get_model_version("ml-v", "1")
    assert got.source == "s3://bucket/path/model" and got.run_id == "run123"
    assert client.update_model_version("ml-v", "1", description="new").description == "new"
    assert client.get_model_version("ml-v", "1").description == "new"
    client.set_model_version_tag("ml-v", "1", "stage-note", "ok")
    assert client.get_model_version("ml-v", "1").tags == {"t": "1", "stage-note": "ok"}
    client.delete_model_version_tag("ml-v", "1", "t")
    assert client.get_model_version("ml-v", "1").tags == {"stage-note": "ok"}
    uri = client.get_model_version_download_uri("ml-v", "1")
    assert uri.endswith("/api/v1/models/ml-v/versions/1/artifacts")
    with pytest.raises(MlflowException) as e:
        client.get_model_version("ml-v", "99")
    assert code_of(e) == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as e:
        client.create_model_version("ml-nope", "s3://x")
    assert code_of(e) == "RESOURCE_DOES_NOT_EXIST"


def test_search_model_versions(client):
    client.create_registered_model("ml-s")
    for i in range(3):
        client.create_model_version("ml-s", f"file:///m/{i}", run_id=f"r{i}", tags={"i": str(i)})
    found = client.search_model_versions("name='ml-s'")
    assert sorted(int(v.version) for v in found) == [1, 2, 3]
    assert [v.version for v in client.search_model_versions("run_id='r1'")] == ["2"]
    assert [v.version for v in client.search_model_versions("name='ml-s' and tags.i='2'")] == ["3"]
    newest = client.search_model_versions("name='ml-s'", order_by=["version_number DESC"])
    assert [v.version for v in newest] == ["3", "2", "1"]
    oldest = client.search_model_versions("name='ml-s'", order_by=["creation_timestamp ASC"])
    assert [v.version for v in oldest] == ["1", "2", "3"]
    with pytest.raises(MlflowException) as e:
        client.search_model_versions("name='ml-s'", order_by=["run_id DESC"])
    assert code_of(e) == "INVALID_PARAMETER_VALUE"


def test_stages_and_latest_versions(client):
    client.create_registered_model("ml-st")
    for i in range(3):
        client.create_model_version("ml-st", f"file:///m/{i}")
    mv = client.transition_model_version_stage("ml-st", "1", "Staging")
    assert mv.current_stage == "Staging"
    client.transition_model_version_stage("ml-st", "2", "Production")
    latest = {v.current_stage: v.version for v in client.get_latest_versions("ml-st")}
    assert latest == {"None": "3", "Staging": "1", "Production": "2"}
    prod = client.get_latest_versions("ml-st", stages=["Production"])
    assert [v.version for v in prod] == ["2"]
    client.transition_model_version_stage("ml-st", "3", "Production", archive_existing_versions=True)
    assert client.get_model_version("ml-st", "2").current_stage == "Archived"
    rm = client.get_registered_model("ml-st")
    assert {v.current_stage for v in rm.latest_versions} >= {"Production", "Staging"}
    with pytest.raises(MlflowException) as e:
        client.transition_model_version_stage("ml-st", "1", "Bogus")
    assert code_of(e) == "INVALID_PARAMETER_VALUE"


def test_aliases(client):
    client.create_registered_model("ml-al")
    client.create_model_version("ml-al", "file:///a")
    client.create_model_version("ml-al", "file:///b")
    client.set_registered_model_alias("ml-al", "champion", "2")
    assert client.get_model_version_by_alias("ml-al", "champion").version == "2"
    assert client.get_registered_model("ml-al").aliases == {"champion": "2"}
    assert client.get_model_version("ml-al", "2").aliases == ["champion"]
    client.delete_registered_model_alias("ml-al", "champion")
    with pytest.raises(MlflowException) as e:
        client.get_model_version_by_alias("ml-al", "champion")
    assert code_of(e) == "RESOURCE_DOES_NOT_EXIST"


def test_delete_model_version(client):
    client.create_registered_model("ml-del")
    client.create_model_version("ml-del", "file:///a")
    client.delete_model_version("ml-del", "1")
    with pytest.raises(MlflowException) as e:
        client.get_model_version("ml-del", "1")
    assert code_of(e) == "RESOURCE_DOES_NOT_EXIST"


def test_error_shape_and_ajax_twin(server):
    r = requests.get(server.url + "/api/2.0/mlflow/registered-models/get",
                     params={"name": "absent"}, headers=server.headers())
    assert r.status_code == 404
    assert r.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST" and r.json()["message"]
    r = requests.get(server.url + "/ajax-api/2.0/mlflow/registered-models/search",
                     headers=server.headers())
    assert r.status_code == 200 and "registered_models" in r.json()
