"""The timeline file the tests of dated statements observe: four months of
Poisson flows with fixed rates (15 voyages of 100 containers a month; 20
ballistic missiles a month). A running total at a date, or what a window of
months added, is then Poisson (rate x periods) a priori, so each posterior
the tests check is a one-dimensional sum over that prior's pmf.
"""

BASE = """
[timeline]
start = "2024-01"
end = "2024-04"

[munitions.ballistic_missile]

[channels.rajin]
voyages_per_period = 15
containers_per_voyage = 100

[channels.missiles]
munition = "ballistic_missile"
rounds_per_period = 20
"""
