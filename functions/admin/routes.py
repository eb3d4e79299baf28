"""Operations routes for admins: accounts and health, never clinical content."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest

admin = Blueprint(__name__)


@admin.route("/admin/users", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(admin, roles=(Role.ADMIN,))
def list_users(request: ApiRequest) -> dict[str, Any]:
    return {"items": get_container().directory.list_users()}
