"""The administrative-tree part of the OpenAPI document."""
from portal.core.openapi import STRING, array, obj, operation

_LEVEL = {"type": "string", "enum": ["county", "township", "village", "grid"]}
SCHEMAS = {"Unit": obj(("code", "name", "level", "parent"), code=STRING, name=STRING, level=_LEVEL,
                       parent={"type": ["string", "null"]}, contact_name={"type": ["string", "null"]},
                       contact_phone={"type": ["string", "null"]})}

PATHS = {"/api/v1/units": {
    "get": operation("Every administrative unit, county first", "units",
                     response=obj(("units",), units=array({"$ref": "#/components/schemas/Unit"}))),
    "post": operation("Add a unit (admin)", "units", status="201", auth=True,
                      body=obj(("code", "name", "level"), code=STRING, name=STRING, level=_LEVEL,
                               parent={"type": ["string", "null"]}, contact_name=STRING, contact_phone=STRING),
                      response={"$ref": "#/components/schemas/Unit"}),
}}
