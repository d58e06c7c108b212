# The expert pool's fixtures: the targets count its committees and studios.
from talentlink.experts.tests.conftest import field_of, make_expert, make_person, seeded  # noqa: F401
