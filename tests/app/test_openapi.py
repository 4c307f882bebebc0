"""GET /openapi.json: the description ships with the app and names exactly the routes app.py declares."""
import json

from chalicelib.web.openapi import PATH

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def described() -> dict:
    return json.loads(PATH.read_text(encoding="utf-8"))


def operations(spec: dict, *, local: bool) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in spec["paths"].items() for method, operation in item.items()
            if method in METHODS and (local or not operation.get("x-local-only"))}


def declared(app) -> set[tuple[str, str]]:
    return {(path, method) for path, methods in app.routes.items() for method in methods}


def test_every_route_the_app_declares_is_described_and_nothing_else(app_module):
    spec = described()
    assert app_module.settings.is_local  # the test stage: /dev routes exist
    missing = declared(app_module.app) - operations(spec, local=True)
    extra = operations(spec, local=True) - declared(app_module.app)
    assert not missing, f"routes in app.py without a description in {PATH.name}: {sorted(missing)}"
    assert not extra, f"described in {PATH.name} but not routes of app.py: {sorted(extra)}"


def test_local_only_routes_are_marked_and_are_the_dev_routes(app_module):
    local_only = operations(described(), local=True) - operations(described(), local=False)
    dev_routes = {(path, method) for path, method in declared(app_module.app) if path.startswith("/dev/")}
    assert dev_routes and local_only == dev_routes


def test_recruiter_routes_need_the_bearer_key_and_public_ones_do_not(app_module):
    """A route wrapped by api.recruiter answers 401 without a key; the description must say bearerAuth there."""
    spec = described()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        **spec["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
    for path, methods in app_module.app.routes.items():
        for method, entry in methods.items():
            operation = spec["paths"][path][method.lower()]
            recruiter = _wrapped_by(entry.view_function, "authorized")
            assert (operation.get("security") == [{"bearerAuth": []}]) is recruiter, (method, path)
            if recruiter:
                assert "401" in operation["responses"], (method, path)


def test_routes_behind_the_wrapper_describe_its_400_for_bad_parameters(app_module):
    """api.public (and so api.recruiter) checks path and query parameters first: a JSON 400 on any route."""
    spec = described()
    for path, methods in app_module.app.routes.items():
        for method, entry in methods.items():
            if not _wrapped_by(entry.view_function, "wrapper"):
                continue
            answer = spec["paths"][path][method.lower()]["responses"].get("400")
            assert answer is not None, (method, path)
            if "$ref" in answer:
                answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
            assert "application/json" in answer["content"], (method, path)


def test_every_operation_is_well_formed_openapi_3():
    import schemathesis

    schema = schemathesis.openapi.from_path(str(PATH))
    schema.validate()
    assert described()["openapi"].startswith("3.")
    ids = [op["operationId"] for item in described()["paths"].values() for m, op in item.items() if m in METHODS]
    assert len(ids) == len(set(ids))
    for result in schema.get_all_operations():
        result.ok()  # every operation resolves (references, parameters, bodies)


def test_the_description_is_served_as_json(client):
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.body) == described()


def test_errors_are_described_in_the_contract_format():
    error = described()["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    assert set(error["properties"]["error"]["properties"]) == {"code", "message", "fields"}


def _wrapped_by(function, name: str) -> bool:
    """Whether the functools.wraps chain passes a function whose code is `name` (wraps copies __name__ only)."""
    while function is not None:
        if function.__code__.co_name == name:
            return True
        function = getattr(function, "__wrapped__", None)
    return False
