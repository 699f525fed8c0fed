"""Build ``/_dash-update-component`` requests the way the Dash renderer does.

Used by the Flask test-client tests, the gunicorn smoke test and bench/bench_app.py: the
callback's outputs, inputs and states are read from ``/_dash-dependencies``, and any
value -- including forged ones -- can be put in the request body.  :func:`walk` visits a
component tree as the renderer does.
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["find_callback", "make_payload", "post_callback", "walk"]


def walk(component):
    """Every component in a Dash component tree, parents first."""
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from walk(child)
    elif children is not None and hasattr(children, "children"):
        yield from walk(children)


def find_callback(dependencies: list[dict], output_id: str) -> dict:
    """The dependency entry whose outputs include the component ``output_id``."""
    for dep in dependencies:
        parts = [p for p in dep["output"].strip(".").split("...")]
        if any(p.rsplit(".", 1)[0] == output_id for p in parts):
            return dep
    raise KeyError(f"no callback outputs {output_id!r}")


def _outputs(dep: dict) -> list[dict]:
    out = []
    for part in dep["output"].strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        out.append({"id": cid, "property": prop})
    return out


def make_payload(
    dep: dict,
    values: Mapping[str, Any],
    changed: list[str] | None = None,
) -> dict:
    """Request body for callback ``dep``; ``values`` maps ``"id.property"`` to a value.

    Inputs and states missing from ``values`` are sent as ``None``; ``changed`` lists the
    triggering ``"id.property"`` (default: the first input).
    """

    def fill(items):
        return [
            {
                "id": i["id"],
                "property": i["property"],
                "value": values.get(f"{i['id']}.{i['property']}"),
            }
            for i in items
        ]

    inputs = fill(dep["inputs"])
    outputs = _outputs(dep)
    return {
        "output": dep["output"],
        # a callback with one (non-dict) output gets it alone, as the renderer sends it
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "changedPropIds": changed or [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        "state": fill(dep["state"]),
    }


def post_callback(client, dep: dict, values: Mapping[str, Any], changed: list[str] | None = None):
    """POST the callback request with a Flask test client (or anything with ``.post``)."""
    return client.post("/_dash-update-component", json=make_payload(dep, values, changed))
