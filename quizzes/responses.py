"""Answers as the page sends them, and as grading expects them (pure).

The page never names an option by its letter in the bank: each option of each
attempt gets an opaque id, so neither the field names nor their values hint at
the key (an 排序 question listed in its right order would otherwise be A, B, C…).
Whatever arrives is checked against the question's type and options before it
is stored; anything else is refused.
"""

import hashlib
import hmac

from django.conf import settings

from quizzes import grading

MAX_CONDITION_CODE = 8


class BadResponse(ValueError):
    """An answer that is not of the question's shape."""


def option_id(token, position: int, key: str) -> str:
    """The option's id on this attempt's page: stable, and meaningless."""
    message = f"{token}:{position}:{key}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256)
    return "o" + digest.hexdigest()[:10]


def option_ids(token, position: int, keys) -> dict[str, str]:
    """id → bank key for the options of one question of one attempt."""
    return {option_id(token, position, key): key for key in keys}


def response_from_form(qtype: str, position: int, data) -> object:
    """Read question `position`'s answer, as the page names it, from a
    QueryDict-like mapping (the form posted without JavaScript)."""
    name = f"q{position}"
    if qtype == grading.SINGLE:
        value = data.get(name)
        return [value] if value else None
    if qtype == grading.MULTI:
        return data.getlist(name) or None
    if qtype == grading.JUDGE:
        value = data.get(name)
        return {"true": True, "false": False}.get(value)
    if qtype == grading.SCENARIO:
        eligible = {"true": True, "false": False}.get(data.get(f"{name}_eligible"))
        condition = data.get(f"{name}_condition") or None
        if eligible is None and condition is None:
            return None
        return {"eligible": eligible, "condition": condition}
    if qtype == grading.ORDERING:
        ranks = {}
        for key, value in data.items():
            if key.startswith(f"{name}_rank_") and str(value).isdigit():
                ranks[key[len(f"{name}_rank_") :]] = int(value)
        if not ranks:
            return None
        return [k for k, _ in sorted(ranks.items(), key=lambda kv: (kv[1], kv[0]))]
    return None


def response_clean(qtype: str, response, *, ids: dict[str, str], conditions) -> object:
    """The answer in bank keys, or BadResponse. `ids` maps the page's option ids
    to bank keys; `conditions` are the codes a 情景 answer may name."""
    if response is None:
        return None
    if qtype in (grading.SINGLE, grading.MULTI, grading.ORDERING):
        if not isinstance(response, list) or not all(
            isinstance(v, str) for v in response
        ):
            raise BadResponse(qtype)
        if len(set(response)) != len(response) or len(response) > len(ids):
            raise BadResponse(qtype)
        try:
            keys = [ids[v] for v in response]
        except KeyError as exc:
            raise BadResponse(qtype) from exc
        if not keys:
            return None
        if qtype == grading.SINGLE:
            if len(keys) != 1:
                raise BadResponse(qtype)
            return keys
        return sorted(keys) if qtype == grading.MULTI else keys
    if qtype == grading.JUDGE:
        if not isinstance(response, bool):
            raise BadResponse(qtype)
        return response
    if qtype == grading.SCENARIO:
        if not isinstance(response, dict) or set(response) - {"eligible", "condition"}:
            raise BadResponse(qtype)
        eligible = response.get("eligible")
        condition = response.get("condition")
        if eligible is not None and not isinstance(eligible, bool):
            raise BadResponse(qtype)
        if condition is not None and (
            not isinstance(condition, str)
            or len(condition) > MAX_CONDITION_CODE
            or condition not in conditions
        ):
            raise BadResponse(qtype)
        if eligible is None and condition is None:
            return None
        return {"eligible": eligible, "condition": condition}
    raise BadResponse(qtype)
