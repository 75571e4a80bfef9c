import datetime

from points.ranking import Period, Score, competition_ranks

T = datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)


def test_ties_share_a_rank_and_the_next_rank_skips():
    ranked = competition_ranks(
        [Score(1, 30), Score(2, 50), Score(3, 30), Score(4, 10), Score(5, 50)]
    )
    assert [(rank, s.points) for rank, s in ranked] == [
        (1, 50),
        (1, 50),
        (3, 30),
        (3, 30),
        (5, 10),
    ]


def test_within_a_tie_whoever_got_there_first_is_listed_first():
    ranked = competition_ranks(
        [Score(1, 20, T + datetime.timedelta(days=2)), Score(2, 20, T)]
    )
    assert [s.user_id for _, s in ranked] == [2, 1]
    assert [rank for rank, _ in ranked] == [1, 1]


def test_periods_cover_the_right_months():
    assert Period("quarter", 2026, 4).months == [10, 11, 12]
    assert Period("month", 2026, 2).months == [2]
    assert Period("year", 2026).months == list(range(1, 13))
    assert Period.current("quarter", datetime.date(2026, 11, 25)) == Period(
        "quarter", 2026, 4
    )
    assert Period("quarter", 2026, 4).label == "2026年第4季度"
