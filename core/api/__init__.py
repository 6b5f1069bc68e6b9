"""The public API: iDoneThis v2 (``/api/v2/``) and the legacy v0.1 (``/api/v0.1/``), on Django REST framework."""
