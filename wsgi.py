"""The WSGI entry point (`flask --app wsgi`, gunicorn `wsgi:app`)."""

from referral_service import create_app

app = create_app()
