"""Deploying many worker nodes: compose scaling and the Kubernetes manifests (use_docker).

No cluster runs here: every manifest is validated against the Kubernetes API's JSON schemas
(the kubernetes-validate package ships them), and the tests read the manifests for what
scaling out needs: unique node names, one beat, probes from ``manage.py diagnose``, a grace
period above the task time limit, disruption budgets that select real pods.
"""

import ast
import re
import shlex

import kubernetes_validate
import pytest
import yaml

from tests.helpers import DEFAULT_SLUG

# The newest Kubernetes version whose schemas the package ships.
KUBERNETES_VERSION = kubernetes_validate.latest_version()
VARIANTS = [
    pytest.param({}, id="redis"),
    pytest.param(
        {"broker": "rabbitmq", "result_backend": "redis", "use_celery_beat": True},
        id="rabbitmq+redis-results+beat",
    ),
    # Celery's own scheduler (django-celery-beat does not support 6.1): another beat command.
    pytest.param({"django_version": "6.1", "use_celery_beat": True}, id="django-6.1+beat"),
]


def manifests(project) -> dict[tuple[str, str], dict]:
    """(kind, component or name) -> document, over every file in k8s/."""
    found = {}
    for path in sorted((project / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            labels = document["metadata"].get("labels", {})
            component = labels.get("app.kubernetes.io/component", document["metadata"]["name"])
            found[(document["kind"], component)] = document
    return found


def container(deployment: dict) -> dict:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def setting(project, name: str) -> object:
    """A literal assigned in the rendered base settings."""
    tree = ast.parse((project / DEFAULT_SLUG / "settings" / "base.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not set in base.py")


def test_manifests_come_with_use_docker_and_beat_only_with_beat(bake):
    assert not (bake() / "k8s").exists()
    assert sorted(path.name for path in (bake(use_docker=True) / "k8s").iterdir()) == [
        "config.yaml",
        "migrate.yaml",
        "web.yaml",
        "worker.yaml",
    ]
    assert (bake(use_docker=True, use_celery_beat=True) / "k8s" / "beat.yaml").is_file()


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_manifest_matches_the_kubernetes_schema(bake, variant):
    project = bake(use_docker=True, **variant)
    documents = manifests(project)
    assert documents
    for (kind, component), document in documents.items():
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{kind} {component}: {error.message} at {list(error.path)}")


def test_the_schema_check_catches_a_broken_manifest(bake):
    """The validation above can fail: a misspelt field and a wrong type are refused."""
    worker = manifests(bake(use_docker=True))[("Deployment", "worker")]
    misspelt = yaml.safe_load(yaml.safe_dump(worker))
    misspelt["spec"]["replica"] = misspelt["spec"].pop("replicas")
    wrong_type = yaml.safe_load(yaml.safe_dump(worker))
    wrong_type["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = "330s"
    for broken in (misspelt, wrong_type):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("variant", VARIANTS)
def test_processes_run_what_compose_runs_with_diagnose_probes(bake, variant):
    project = bake(use_docker=True, **variant)
    documents = manifests(project)
    services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
    components = ["web", "worker"] + (["beat"] if variant.get("use_celery_beat") else [])
    assert {c for kind, c in documents if kind == "Deployment"} == set(components)
    for component in components:
        deployed = container(documents[("Deployment", component)])
        assert deployed["image"] == services[component]["image"]
        composed = services[component].get("command")
        if component == "web":  # compose runs migrations first; here a Job does
            assert " ".join(deployed["command"]) in composed
        else:
            assert deployed["command"] == shlex.split(composed)
        sources = {next(iter(source.values()))["name"] for source in deployed["envFrom"]}
        names = DEFAULT_SLUG.replace("_", "-")  # Kubernetes names allow no underscore
        assert sources == {f"{names}-config", f"{names}-secrets"}
    worker = container(documents[("Deployment", "worker")])
    diagnose_worker = ["python", "manage.py", "diagnose", "--worker"]
    assert worker["readinessProbe"]["exec"]["command"] == diagnose_worker
    assert worker["livenessProbe"]["exec"]["command"] == diagnose_worker
    web = container(documents[("Deployment", "web")])
    assert web["readinessProbe"]["exec"]["command"] == ["python", "manage.py", "diagnose"]
    if "beat" in components:
        beat = container(documents[("Deployment", "beat")])
        assert beat["livenessProbe"]["exec"]["command"] == ["python", "manage.py", "diagnose"]
    migrate = container(documents[("Job", "migrate")])
    assert migrate["command"] == ["python", "manage.py", "migrate", "--no-input"]


def test_workers_stop_only_after_the_task_time_limit(bake):
    project = bake(use_docker=True)
    worker = manifests(project)[("Deployment", "worker")]
    grace = worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > setting(project, "CELERY_TASK_TIME_LIMIT")
    # Explicit concurrency: the default would be the host's CPU count, not the pod's share.
    command = container(worker)["command"]
    concurrency = int(command[command.index("--concurrency") + 1])
    requested = float(container(worker)["resources"]["requests"]["cpu"])
    assert concurrency == requested


def test_beat_is_a_singleton_replaced_by_recreation(bake):
    documents = manifests(bake(use_docker=True, use_celery_beat=True))
    beat = documents[("Deployment", "beat")]["spec"]
    assert beat["replicas"] == 1
    assert beat["strategy"] == {"type": "Recreate"}
    # A budget for a single pod would block every node drain.
    assert ("PodDisruptionBudget", "beat") not in documents


def test_disruption_budgets_select_the_pods_of_their_deployment(bake):
    documents = manifests(bake(use_docker=True))
    budgets = {c: d for (kind, c), d in documents.items() if kind == "PodDisruptionBudget"}
    assert set(budgets) == {"web", "worker"}
    for component, budget in budgets.items():
        deployment = documents[("Deployment", component)]["spec"]
        selector = budget["spec"]["selector"]["matchLabels"]
        assert selector == deployment["selector"]["matchLabels"]
        assert selector.items() <= deployment["template"]["metadata"]["labels"].items()
        # It must leave at least one pod running and allow at least one to go.
        allowed = budget["spec"].get("maxUnavailable", 0)
        kept = budget["spec"].get("minAvailable", deployment["replicas"] - allowed)
        assert 1 <= kept < deployment["replicas"]
    service = documents[("Service", "web")]["spec"]
    assert (
        service["selector"] == documents[("Deployment", "web")]["spec"]["selector"]["matchLabels"]
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_config_and_secret_provide_every_variable_production_requires(bake, variant):
    project = bake(use_docker=True, **variant)
    config_file = (project / "k8s" / "config.yaml").read_text()
    config = yaml.safe_load(config_file)["data"]
    # The Secret is the operator's to create; config.yaml names the keys it must hold.
    (secret_line,) = re.findall(r"^#   (DJANGO_SECRET_KEY, .*)$", config_file, flags=re.M)
    provided = set(config) | {name.strip() for name in secret_line.split(",")}
    production = (project / DEFAULT_SLUG / "settings" / "production.py").read_text()
    required = set(re.findall(r'^    "([A-Z_]+)",$', production, flags=re.M))
    assert "CELERY_BROKER_URL" in required
    assert required | {"DATABASE_URL", "DJANGO_ENVIRONMENT"} <= provided
    assert config["DJANGO_ENVIRONMENT"] == "production"
    assert "localhost" in config["DJANGO_ALLOWED_HOSTS"].split(",")


def test_compose_worker_scales_with_a_node_name_per_container(bake):
    services = yaml.safe_load((bake(use_docker=True) / "compose.yaml").read_text())["services"]
    worker = services["worker"]
    # A fixed container name or host port would make `--scale worker=N` fail.
    assert "container_name" not in worker and "ports" not in worker
    # Celery names the node celery@<hostname>: each container's own, unless overridden.
    command = shlex.split(worker["command"])
    assert not {"-n", "--hostname"} & set(command)
    assert worker["healthcheck"]["test"][-1] == "--worker"  # checks celery@<this container>
