#!/usr/bin/env python3
"""Checks Tenantry's Kubernetes manifests beyond their schema (scripts/check-deploy).

    check-manifests.py kustomizations DIR...   every kustomization.yaml under DIR lists only
                                               files and folders that exist, and the manifests
                                               beside it except *.example.yaml are all listed
    check-manifests.py policy FILE...          every pod (Deployment, Job) runs as non-root
                                               with a read-only root filesystem, no privilege
                                               escalation, no capabilities, RuntimeDefault
                                               seccomp and resource requests and limits; every
                                               secret setting comes from a secretKeyRef; no
                                               Secret is among the files

Prints what is wrong and exits 1; prints nothing and exits 0 otherwise.
"""
import pathlib
import sys

import yaml

SECRET_SETTINGS = {
    "TENANTRY_DATABASE_URL",
    "TENANTRY_DATABASE_OWNER_URL",
    "TENANTRY_MASTER_KEY",
    "TENANTRY_MASTER_KEY_PREVIOUS",
    "TENANTRY_EMAIL_URL",
}


def kustomizations(roots):
    problems = []
    for root in roots:
        for kustomization in sorted(pathlib.Path(root).rglob("kustomization.yaml")):
            folder = kustomization.parent
            document = yaml.safe_load(kustomization.read_text()) or {}
            listed = set()
            for entry in (document.get("resources") or []) + (document.get("components") or []):
                target = (folder / entry).resolve()
                if target.is_dir():
                    if not (target / "kustomization.yaml").is_file():
                        problems.append(f"{kustomization}: {entry} is a folder without kustomization.yaml")
                elif not target.is_file():
                    problems.append(f"{kustomization}: {entry} does not exist")
                listed.add(target)
            for patch in document.get("patches") or []:
                if "path" in patch and not (folder / patch["path"]).is_file():
                    problems.append(f"{kustomization}: patch {patch['path']} does not exist")
                    listed.add((folder / patch["path"]).resolve())
            for manifest in sorted(folder.glob("*.yaml")):
                if manifest.name == "kustomization.yaml":
                    continue
                if manifest.name.endswith(".example.yaml"):
                    if manifest.resolve() in listed:
                        problems.append(f"{kustomization}: lists the example {manifest.name}")
                elif manifest.resolve() not in listed:
                    problems.append(f"{kustomization}: does not list {manifest.name}")
    return problems


def pod_specs(document):
    kind = document.get("kind")
    spec = document.get("spec") or {}
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        yield spec.get("template", {}).get("spec", {})
    elif kind == "CronJob":
        yield spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})
    elif kind == "Pod":
        yield spec


def policy(files):
    problems = []
    for name in files:
        for document in yaml.safe_load_all(pathlib.Path(name).read_text()):
            if not document:
                continue
            what = f"{name}: {document.get('kind')}/{document.get('metadata', {}).get('name')}"
            if document.get("kind") == "Secret":
                problems.append(f"{what}: a Secret among the manifests applied")
            for pod in pod_specs(document):
                context = pod.get("securityContext") or {}
                if context.get("runAsNonRoot") is not True:
                    problems.append(f"{what}: pod securityContext.runAsNonRoot is not true")
                if (context.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
                    problems.append(f"{what}: pod seccompProfile is not RuntimeDefault")
                for container in (pod.get("initContainers") or []) + (pod.get("containers") or []):
                    where = f"{what} container {container.get('name')}"
                    security = container.get("securityContext") or {}
                    if security.get("readOnlyRootFilesystem") is not True:
                        problems.append(f"{where}: readOnlyRootFilesystem is not true")
                    if security.get("allowPrivilegeEscalation") is not False:
                        problems.append(f"{where}: allowPrivilegeEscalation is not false")
                    if (security.get("capabilities") or {}).get("drop") != ["ALL"]:
                        problems.append(f"{where}: capabilities.drop is not [ALL]")
                    resources = container.get("resources") or {}
                    for part in ("requests", "limits"):
                        for resource in ("cpu", "memory"):
                            if resource not in (resources.get(part) or {}):
                                problems.append(f"{where}: no {part}.{resource}")
                    for variable in container.get("env") or []:
                        if variable.get("name") in SECRET_SETTINGS:
                            if "secretKeyRef" not in (variable.get("valueFrom") or {}):
                                problems.append(f"{where}: {variable['name']} is not from a secretKeyRef")
    return problems


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("kustomizations", "policy"):
        print(__doc__, file=sys.stderr)
        return 64
    check = kustomizations if sys.argv[1] == "kustomizations" else policy
    problems = check(sys.argv[2:])
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
