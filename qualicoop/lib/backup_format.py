"""The backup's JSON: Django's, except that times keep their microseconds.

Django's encoder rounds datetimes to the millisecond (ECMA-262 format), so a
restored database would differ from the saved one by up to 999 µs on every
timestamp — enough to change which of two moves of the same second came first.
Registered as the "json-exact" format in settings; the files it writes are plain
JSON that `loaddata` reads with Django's own deserializer.
"""

import datetime

from django.core.serializers.json import Deserializer, DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer

__all__ = ["Deserializer", "Serializer"]


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            value = o.isoformat()
            return value.removesuffix("+00:00") + "Z" if value.endswith("+00:00") else value
        return super().default(o)


class Serializer(JSONSerializer):
    def _init_options(self):
        self.options.setdefault("cls", ExactJSONEncoder)
        super()._init_options()
