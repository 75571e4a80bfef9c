"""Turning a submitted form into the response values grading expects (pure)."""

from quizzes import grading


def response_from_form(qtype: str, position: int, data) -> object:
    """Read question `position`'s answer from a QueryDict-like mapping."""
    name = f"q{position}"
    if qtype == grading.SINGLE:
        value = data.get(name)
        return [value] if value else None
    if qtype == grading.MULTI:
        values = data.getlist(name)
        return sorted(values) or None
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
