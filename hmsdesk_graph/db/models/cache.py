"""Response-cache tag versions: one counter per entity tag, bumped by every write.

Kept in the database because every writer (API workers, ``ingest-feeds``, the review
publisher, CLI jobs) has the database, whether or not it has Redis: a write can never miss
the invalidation because its process was configured differently. Holds no personal data.
"""

from tortoise import fields
from tortoise.models import Model


class CacheTagVersion(Model):
    tag = fields.CharField(max_length=48, primary_key=True)
    version = fields.BigIntField(default=0)

    class Meta:
        table = "cache_tag_version"
