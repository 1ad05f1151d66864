"""Test settings: the real settings with fast hashing, immediate tasks, plain static storage."""

import os
import tempfile

os.environ.setdefault("TONGBAN_VAR_DIR", os.path.join(tempfile.gettempdir(), "tongban-test-var"))
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("TONGBAN_SECURE_COOKIES", "0")
os.environ.setdefault("TONGBAN_TASKS_BACKEND", "immediate")
os.environ.setdefault("TONGBAN_STATIC_STORAGE", "django.contrib.staticfiles.storage.StaticFilesStorage")

from tongban.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = os.path.join(os.environ["TONGBAN_VAR_DIR"], "media")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_tongban_{os.getpid()}"}  # noqa: F405
    # A test database is thrown away: its commits need not wait for the disk (the live server's and the
    # concurrency tests' transactions commit for real).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405
