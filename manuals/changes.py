"""What changed between two published versions of a service item (pure functions).

A snapshot is a plain dict: scalar fields with display values, and ordered lists
of rows. Conditions and materials are matched by their stable code, so editing a
row reads as "changed", never as remove-and-add; a condition reads as "moved" only
when its order relative to the other conditions changed.
"""

FIELD_LABELS = {
    "title": "事项名称",
    "official_name": "事项全称",
    "legal_nature": "事项类型",
    "handling_type": "处理方式",
    "accepted_at": "受理层级",
    "decided_at": "决定层级",
    "applicant": "办理对象",
    "promised_days": "承诺时限",
    "legal_days": "法定期限",
    "time_limit_unit": "时限单位",
    "time_limit_note": "时限说明",
    "is_free": "不收费",
    "fee_note": "收费说明",
    "location": "办理地点",
    "phone": "咨询电话",
    "can_apply_online": "可网办",
    "can_proxy": "可代办",
    "home_visit": "上门服务",
    "discontinued": "已取消",
    "notes": "其他说明",
}

# Changes to these make a 实质性变更 (together with conditions, materials, basis).
MATERIAL_FIELDS = {
    "handling_type",
    "accepted_at",
    "decided_at",
    "applicant",
    "promised_days",
    "legal_days",
    "time_limit_unit",
    "is_free",
    "discontinued",
}

CONDITION_FIELDS = {"text": "内容", "kind": "类型", "parameter": "参数"}
MATERIAL_ROW_FIELDS = {
    "name": "名称",
    "form": "形式",
    "copies": "份数",
    "necessity": "必要性",
    "note": "填报须知",
}


def _numbered(rows: list[dict]) -> dict[str, dict]:
    """Active rows by code, each with the number workers see (第1条, 第2条…)."""
    active = [r for r in rows if r.get("active", True)]
    return {r["code"]: {**r, "number": n} for n, r in enumerate(active, start=1)}


def _coded_diff(old_rows: list[dict], new_rows: list[dict], fields: dict) -> dict:
    """Rows added, removed and changed, matched by code.

    Added and changed rows carry their number now, removed rows the number they
    had; a removed row still in the item but no longer active is `retired`.
    """
    old = _numbered(old_rows)
    new = _numbered(new_rows)
    still_there = {r["code"] for r in new_rows}
    added = [new[c] for c in new if c not in old]
    removed = [{**old[c], "retired": c in still_there} for c in old if c not in new]
    changed = []
    for code in new:
        if code not in old:
            continue
        differences = [
            {
                "field": name,
                "label": label,
                "old": old[code][name],
                "new": new[code][name],
            }
            for name, label in fields.items()
            if old[code].get(name) != new[code].get(name)
        ]
        if differences:
            changed.append(
                {
                    "code": code,
                    "number": new[code]["number"],
                    "old": old[code],
                    "new": new[code],
                    "differences": differences,
                }
            )
    return {"added": added, "removed": removed, "changed": changed}


def _moved(old_rows: list[dict], new_rows: list[dict]) -> list[dict]:
    """Active rows whose place among the other rows changed.

    A row shifted only because another was added or removed before it keeps
    its place. The rows that kept their relative order are the longest run in
    the old order; of equally long runs, the one whose numbers changed least,
    so that moving one row to the top reports that row, not all the others.
    """
    old = _numbered(old_rows)
    new = _numbered(new_rows)
    common = [new[c] for c in new if c in old]
    shift = [abs(old[r["code"]]["number"] - r["number"]) for r in common]
    best = [(1, -s) for s in shift]
    previous: list[int | None] = [None] * len(common)
    for i, row in enumerate(common):
        for j in range(i):
            if old[common[j]["code"]]["number"] < old[row["code"]]["number"]:
                candidate = (best[j][0] + 1, best[j][1] - shift[i])
                if candidate > best[i]:
                    best[i], previous[i] = candidate, j
    kept = set()
    at = max(range(len(common)), key=best.__getitem__, default=None)
    while at is not None:
        kept.add(common[at]["code"])
        at = previous[at]
    return [
        {
            "code": r["code"],
            "text": r["text"],
            "number": r["number"],
            "old_number": old[r["code"]]["number"],
        }
        for r in common
        if r["code"] not in kept
    ]


def _list_diff(old_rows: list[dict], new_rows: list[dict]) -> dict | None:
    if old_rows == new_rows:
        return None
    return {"old": old_rows, "new": new_rows}


def item_diff(old: dict, new: dict) -> dict:
    """Field by field and row by row differences between two snapshots."""
    fields = [
        {
            "field": name,
            "label": label,
            "old": old["fields"].get(name),
            "new": new["fields"].get(name),
            "material": name in MATERIAL_FIELDS,
        }
        for name, label in FIELD_LABELS.items()
        if old["fields"].get(name) != new["fields"].get(name)
    ]
    return {
        "fields": fields,
        "conditions": {
            **_coded_diff(old["conditions"], new["conditions"], CONDITION_FIELDS),
            "moved": _moved(old["conditions"], new["conditions"]),
        },
        "materials": _coded_diff(
            old["materials"], new["materials"], MATERIAL_ROW_FIELDS
        ),
        "steps": _list_diff(old["steps"], new["steps"]),
        "legal_bases": _list_diff(old["legal_bases"], new["legal_bases"]),
        "faqs": _list_diff(old["faqs"], new["faqs"]),
    }


def _rows_changed(section: dict) -> bool:
    return bool(section["added"] or section["removed"] or section["changed"])


def is_material(diff: dict) -> bool:
    """Conditions, materials, limits, handling, levels or legal basis changed."""
    return (
        any(f["material"] for f in diff["fields"])
        or _rows_changed(diff["conditions"])
        or _rows_changed(diff["materials"])
        or diff["legal_bases"] is not None
    )


def is_empty(diff: dict) -> bool:
    return not (
        diff["fields"]
        or _rows_changed(diff["conditions"])
        or diff["conditions"]["moved"]
        or _rows_changed(diff["materials"])
        or diff["steps"]
        or diff["legal_bases"]
        or diff["faqs"]
    )


def changed_condition_codes(diff: dict) -> set[str]:
    section = diff["conditions"]
    return (
        {r["code"] for r in section["added"]}
        | {r["code"] for r in section["removed"]}
        | {c["code"] for c in section["changed"]}
    )


def changed_keys(diff: dict) -> set[str]:
    """Condition codes and field names a change touched (questions cite these)."""
    keys = changed_condition_codes(diff) | {f["field"] for f in diff["fields"]}
    if _rows_changed(diff["materials"]):
        keys.add("materials")
    for section in ("steps", "legal_bases", "faqs"):
        if diff[section]:
            keys.add(section)
    return keys
