"""The comparison workers see: numbers as on the page, and only real moves."""

from manuals.changes import is_empty, item_diff


def _snapshot(*rows):
    """Rows of (code, text) or (code, text, active), in page order."""
    return {
        "fields": {},
        "conditions": [
            {
                "code": row[0],
                "text": row[1],
                "kind": "必备",
                "parameter": "",
                "active": row[2] if len(row) > 2 else True,
            }
            for row in rows
        ],
        "materials": [],
        "steps": [],
        "legal_bases": [],
        "faqs": [],
    }


BEFORE = _snapshot(
    ("c1", "户籍在本区。"), ("c2", "收入低于标准。"), ("c3", "财产合规。")
)


def _moves(diff):
    return [
        (m["code"], m["old_number"], m["number"]) for m in diff["conditions"]["moved"]
    ]


def test_a_condition_inserted_before_others_moves_none_of_them():
    after = _snapshot(
        ("c1", "户籍在本区。"),
        ("c4", "如实申报。"),
        ("c2", "收入低于标准。"),
        ("c3", "财产合规。"),
    )

    diff = item_diff(BEFORE, after)

    assert _moves(diff) == []
    assert [(r["code"], r["number"]) for r in diff["conditions"]["added"]] == [
        ("c4", 2)
    ]


def test_a_removed_or_retired_condition_moves_none_and_keeps_its_old_number():
    removed = item_diff(
        BEFORE, _snapshot(("c2", "收入低于标准。"), ("c3", "财产合规。"))
    )
    retired = item_diff(
        BEFORE,
        _snapshot(
            ("c1", "户籍在本区。", False),
            ("c2", "收入低于标准。"),
            ("c3", "财产合规。"),
        ),
    )

    for diff, was_retired in ((removed, False), (retired, True)):
        assert _moves(diff) == []
        [row] = diff["conditions"]["removed"]
        assert (row["code"], row["number"], row["retired"]) == ("c1", 1, was_retired)


def test_moving_a_condition_to_the_top_reports_only_that_condition():
    after = _snapshot(
        ("c3", "财产合规。"), ("c1", "户籍在本区。"), ("c2", "收入低于标准。")
    )

    diff = item_diff(BEFORE, after)

    assert _moves(diff) == [("c3", 3, 1)]
    assert not is_empty(diff)


def test_a_move_next_to_an_insertion_names_the_row_that_moved():
    after = _snapshot(
        ("c4", "如实申报。"),
        ("c2", "收入低于标准。"),
        ("c1", "户籍在本区。"),
        ("c3", "财产合规。"),
    )

    assert _moves(item_diff(BEFORE, after)) == [("c1", 1, 3)]


def test_a_changed_condition_carries_the_number_it_has_now():
    after = _snapshot(("c2", "收入低于当地低保标准。"), ("c3", "财产合规。"))

    [changed] = item_diff(BEFORE, after)["conditions"]["changed"]

    assert (changed["code"], changed["number"]) == ("c2", 1)
