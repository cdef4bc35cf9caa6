"""Validators of Strimzi resources from the CRDs Strimzi's own generator writes from its API jar (offline).

A CRD's openAPIV3Schema is OpenAPI 3.0's structural schema: taken as JSON Schema draft 4 once the
x-kubernetes-* keys are dropped and `nullable` becomes a type union; strict, as `kubectl --validate=strict`,
an object's unknown fields are errors. CEL rules (x-kubernetes-validations) are not evaluated.
"""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import jsonschema
import yaml

from tests.integration.helpers import REPO

CRD_PROJECT = REPO / "deploy" / "kubernetes" / "strimzi-crds"
CRD_DIR = CRD_PROJECT / "target" / "crds"
NAME = {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", "maxLength": 253}


def _adapted(node, strict: bool):
    if isinstance(node, list):
        return [_adapted(item, strict) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-"):
            continue
        out[key] = ({name: _adapted(sub, strict) for name, sub in value.items()}
                    if key in ("properties", "patternProperties") else _adapted(value, strict))
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    if (strict and out.get("type") == "object" and "properties" in out and "additionalProperties" not in out
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def strimzi_crds() -> Path:
    """Return the folder of Strimzi's CRDs, generating them with Maven when they are not there yet."""
    if not list(CRD_DIR.glob("*.yaml")):
        subprocess.run(["mvn", "-q", "-B", "-f", str(CRD_PROJECT / "pom.xml"), "generate-resources"], check=True,
                       timeout=600)
    return CRD_DIR


def validators(crd_dir: Path, strict: bool = True) -> dict[tuple[str, str], jsonschema.Draft4Validator]:
    """Return a validator per (apiVersion, kind) for every served version of every CRD in a folder."""
    found = {}
    for path in sorted(crd_dir.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if not version.get("served"):
                    continue
                schema = _adapted(copy.deepcopy(version["schema"]["openAPIV3Schema"]), strict)
                schema["properties"]["metadata"] = {"type": "object", "required": ["name"], "properties": {
                    "name": NAME, "namespace": NAME, "labels": {"type": "object"},
                    "annotations": {"type": "object"}}, "additionalProperties": False}
                schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
                jsonschema.Draft4Validator.check_schema(schema)
                found[f"{group}/{version['name']}", kind] = jsonschema.Draft4Validator(schema)
    return found


def errors(found: dict, document: dict) -> list[str]:
    """Return what is wrong with a custom resource, one line per error (its path and the message)."""
    key = (document.get("apiVersion"), document.get("kind"))
    if key not in found:
        return [f"no CRD schema for {key}"]
    return [f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in sorted(found[key].iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]
