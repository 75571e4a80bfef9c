# The demo street the tests seed: the real seed with three workers in each
# community but 衢州路社区's seven (31 instead of 60), so that it builds in half
# the time with every kind of page, ranking and history still in it.
DEMO_ARGS = ("--seed", "7", "--workers-per-community", "3")
DEMO_WORKERS = 31
