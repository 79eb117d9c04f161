"""What the schema expects at a dotted path of the raw data: the model, a named
collection, a distribution. Both the ``--set`` overrides and the error messages ask.
"""

from __future__ import annotations

from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel


def _is_dist(cls: Any) -> bool:
    """A distribution class: a model with a ``dist`` tag (see :mod:`sim.dists`)."""
    return isinstance(cls, type) and issubclass(cls, BaseModel) and "dist" in cls.model_fields


def unwrap(ann: Any, node: Any) -> Any:
    """Resolve ``Annotated``/``Optional``/``Union`` to the member that matches the raw
    value ``node`` (for a distribution: the member named by its ``dist`` key)."""
    while True:
        origin = get_origin(ann)
        if origin is not None and getattr(ann, "__metadata__", None) is not None:
            ann = get_args(ann)[0]
            continue
        if origin is Union or origin is UnionType:
            members = [a for a in get_args(ann) if a is not type(None)]
            if isinstance(node, dict):
                tag = node.get("dist")
                for m in members:
                    if isinstance(m, type) and issubclass(m, BaseModel):
                        f = m.model_fields.get("dist")
                        if tag is None or (f is not None and f.default == tag) or (
                            f is not None and tag in get_args(f.annotation)
                        ):
                            ann = m
                            break
                else:
                    dicts = [m for m in members if get_origin(m) is dict]
                    ann = dicts[0] if dicts else members[0]
                continue
            ann = members[0]
            continue
        return ann


def _field(model: type[BaseModel], key: str):
    return model.model_fields.get(key) or next(
        (f for f in model.model_fields.values() if f.alias == key), None)


def annotation_at(model: type, keys: list[str], data: Any) -> Any:
    """The type annotation the schema gives the value at ``keys`` below ``model``
    (still wrapped: Annotated, Optional, unions), or None where the schema has no such
    place."""
    node = data
    ann: Any = model
    for key in keys:
        ann = unwrap(ann, node)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            field = _field(ann, key)
            if field is None:
                return None
            ann = field.annotation
        elif get_origin(ann) is dict:
            ann = get_args(ann)[1]
        elif get_origin(ann) is list:
            ann = get_args(ann)[0]
        else:
            return None
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            node = None
    return ann


def model_at(model: type, keys: list[str], data: Any) -> type[BaseModel] | None:
    """The pydantic model class found at ``keys`` below ``model`` (None if not a model)."""
    ann = unwrap(annotation_at(model, keys, data), node_at(data, keys))
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def is_named_collection(model: type, keys: list[str], data: Any) -> bool:
    """True where the schema has a mapping of named things at ``keys`` (sites, channels,
    carriers, shifts): ``dict[str, SomeModel]``."""
    ann = unwrap(annotation_at(model, keys, data), None)
    if get_origin(ann) is not dict:
        return False
    value = unwrap(get_args(ann)[1], None)
    return isinstance(value, type) and issubclass(value, BaseModel)


def accepts_mapping(model: type, keys: list[str], data: Any) -> bool:
    """Whether the schema allows a mapping at ``keys`` (a model or a dict, alone or as
    one member of a union)."""
    ann = annotation_at(model, keys, data)
    while get_origin(ann) is not None and getattr(ann, "__metadata__", None) is not None:
        ann = get_args(ann)[0]
    members = get_args(ann) if get_origin(ann) in (Union, UnionType) else (ann,)
    return any(get_origin(m) is dict or (isinstance(m, type) and issubclass(m, BaseModel))
               for m in members)


def dist_members(model: type, keys: list[str], data: Any) -> list[type[BaseModel]]:
    """The distribution classes allowed at ``keys`` (empty if it is not a distribution)."""
    ann = annotation_at(model, keys, data)
    while get_origin(ann) is not None and getattr(ann, "__metadata__", None) is not None:
        ann = get_args(ann)[0]
    if get_origin(ann) not in (Union, UnionType):
        return []
    members = [a for a in get_args(ann) if a is not type(None)]
    if members and all(_is_dist(m) for m in members):
        return members
    return []


def dist_names(members: list[type[BaseModel]]) -> list[str]:
    """The ``dist`` names of distribution classes, in the schema's order."""
    names: list[str] = []
    for m in members:
        for name in get_args(m.model_fields["dist"].annotation):
            if name not in names:
                names.append(name)
    return names


def node_at(data: Any, path: list[str]) -> Any:
    """The raw value at ``path`` (None where there is none)."""
    node = data
    for key in path:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node
