#!/usr/bin/env python3
"""Agreement between schemas/lit.schema.json and lit's loader.

Validates with python3-jsonschema (YAML read by python3-yaml):
- every project file under examples/, the repository's lit.yml and the
  projects of tests/unit/reconciler/golden_kube/: must be valid
  (the unit test LoadExamples checks that lit's loader loads the same files);
- every golden case of the loader (tests/unit/reconciler/golden/<case>/):
  a case lit loads (expected.json) must be schema-valid, unless its `schema`
  file says "invalid: <why>"; a case lit rejects (expected_error.txt) must be
  schema-invalid when its `schema` file says "invalid", and schema-valid when it
  says "valid: <why the schema cannot see it>" (so that list stays honest).
Usage: check_schema.py REPO_ROOT
"""
import json
import pathlib
import sys

import jsonschema
import yaml

YAML_SUFFIXES = (".yml", ".yaml")


class ComposeLoader(yaml.SafeLoader):
    """YAML with compose's merge tags: !override keeps its value; a key whose
    value is !reset is as if absent (dropped before validation)."""


RESET = object()


def _override(loader, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


ComposeLoader.add_constructor("!override", _override)
ComposeLoader.add_constructor("!reset", lambda loader, node: RESET)


def drop_reset(doc):
    if isinstance(doc, dict):
        return {k: drop_reset(v) for k, v in doc.items() if v is not RESET}
    if isinstance(doc, list):
        return [drop_reset(v) for v in doc if v is not RESET]
    return doc


def problems(validator, path):
    """Schema errors of one YAML file, as strings ([] when valid)."""
    try:
        doc = drop_reset(yaml.load(path.read_text(), Loader=ComposeLoader))
    except yaml.YAMLError as e:
        return [f"not YAML: {e}".splitlines()[0]]
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:200]}"
            for e in validator.iter_errors(doc)]


def project_files(case):
    return sorted(p for p in case.rglob("*") if p.suffix in YAML_SUFFIXES)


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    schema = json.loads((root / "schemas/lit.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failures, checked = [], 0

    def expect(path, valid, why=""):
        nonlocal checked
        checked += 1
        errs = problems(validator, path)
        rel = path.relative_to(root)
        if valid and errs:
            failures.append(f"{rel}: lit accepts it, the schema rejects it: {errs[0]}")
        if not valid and not errs:
            failures.append(f"{rel}: lit rejects it, the schema accepts it")

    expect(root / "lit.yml", True)
    for p in sorted((root / "examples").rglob("*")):
        if p.suffix in YAML_SUFFIXES:
            expect(p, True)
    # The projects `lit convert kubernetes` is tested on (x-lit-kubernetes).
    for p in sorted((root / "tests/unit/reconciler/golden_kube").glob("*/compose.yaml")):
        expect(p, True)

    for case in sorted((root / "tests/unit/reconciler/golden").iterdir()):
        if not case.is_dir():
            continue
        mark = (case / "schema").read_text().strip() if (case / "schema").exists() else ""
        if (case / "expected_error.txt").exists():
            if not mark.startswith(("invalid", "valid:")):
                failures.append(f"{case.name}: an error case needs a `schema` file: 'invalid' or 'valid: <why>'")
                continue
            # The file lit rejects is the case's project file (the others are helpers).
            main_files = [p for p in project_files(case) if p.name in ("lit.yml", "compose.yaml")]
            for p in main_files:
                expect(p, mark.startswith("valid:"))
        else:
            for p in project_files(case):
                expect(p, not mark.startswith("invalid:"))

    for f in failures:
        print("FAIL", f)
    print(f"{checked} files checked, {len(failures)} disagreements")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
