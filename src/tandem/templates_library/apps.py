from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TemplatesLibraryConfig(AppConfig):
    name = "tandem.templates_library"
    label = "templates_library"
    verbose_name = _("Templates")
