# The demo street the tests seed: the real seed with one worker in each community
# but 衢州路社区's seven (15 instead of 60), so that it builds in a fraction of the
# time with every kind of page, ranking and history still in it.
DEMO_ARGS = ("--seed", "7", "--workers-per-community", "1")
DEMO_WORKERS = 15
