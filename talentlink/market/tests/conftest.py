# Talents with registry persons, an approved employer and the province's certificate list come
# from credentials' fixtures: the market ranks recognised credentials above declared ones.
from talentlink.credentials.tests.conftest import employer, in_registry, talent  # noqa: F401
