import os

from django.core.wsgi import get_wsgi_application

from qualicoop.lib.gc_freeze import long_lived

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualicoop.settings")
application = long_lived(get_wsgi_application())
