"""ICD-10 search: `GET /icd10?q=&limit=` for the diagnosis form (doctors only).

The code set is public reference data, not PHI: a search is not audited (a refusal by role is, as on
every route). The query text is never logged.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest
from functions.shared.validation import BOOLEAN, STRING, answer_object, array_of, strict_object

icd10 = Blueprint(__name__)

MAX_RESULTS = 50
SEARCH_QUERY = strict_object(
    {
        # Letters, digits, spaces, dots, hyphens, commas, apostrophes and parentheses: what codes and
        # labels are made of. At least one letter or digit, so a blank query is refused, not a full scan.
        "q": {"type": "string", "minLength": 1, "maxLength": 100,
              "pattern": r"^[A-Za-z0-9 .,'()/-]*[A-Za-z0-9][A-Za-z0-9 .,'()/-]*$"},
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_RESULTS},
    },
    ["q"],
)
# Answer (functions.icd10.service.CodeSearch.search): the code set's name, and the best codes first.
ICD10_CODE = answer_object("Icd10Code", {
    "code": STRING,  # with its dot: L40.0
    "label": STRING,
    "leaf": BOOLEAN,  # no more specific child code
})
SEARCH_RESULT = answer_object("Icd10SearchResult", {"codeSet": STRING, "items": array_of(ICD10_CODE)})


@icd10.route("/icd10", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(icd10, roles=(Role.DOCTOR,), query=SEARCH_QUERY, answer=SEARCH_RESULT)
def search_icd10_codes(request: ApiRequest) -> dict[str, Any]:
    return get_container().icd10.search(request.query["q"], request.query.get("limit", 20))
