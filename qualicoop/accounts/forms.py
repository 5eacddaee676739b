"""Forms of the accounts pages."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class LoginForm(AuthenticationForm):
    """Django's login form, with the username's length actually enforced.

    ``AuthenticationForm`` sets the field's ``max_length`` after the field is
    built, so no validator checks it: an over-long username went on to
    ``authenticate()``, whose recorded failure (django-axes, 255 characters at
    most) then broke on PostgreSQL. It is now refused next to the field.
    """

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))
