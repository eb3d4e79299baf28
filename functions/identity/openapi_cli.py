"""`python -m functions.identity.openapi_cli`: the served OpenAPI document as JSON on stdout, which the
web app's types are generated from (web/src/api/openapi.json, `npm run api:types`). Tooling only: the
one place that loads the whole app for it (shared/ stands on nothing above it, so this lives with the
route that serves the document)."""

from __future__ import annotations

import json


def main() -> None:
    from app import app
    from functions.identity.routes import API_TITLE, API_VERSION
    from functions.shared.openapi import document

    print(json.dumps(document(app.routes, title=API_TITLE, version=API_VERSION), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
