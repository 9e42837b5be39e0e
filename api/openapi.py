"""The OpenAPI 3.0 description of the Open311 endpoints, served at /open311/v2/openapi.json."""

from __future__ import annotations

CHANGESET = "2026-11-28 00:00"

_REQUEST_FIELDS = {
    "service_request_id": {"type": "string", "description": "受理编号 tracking number"},
    "status": {"type": "string", "enum": ["open", "closed"]},
    "status_notes": {"type": "string", "description": "七步闭环中的环节与状态 step and state of the loop"},
    "service_name": {"type": "string"}, "service_code": {"type": "string"},
    "description": {"type": "string", "nullable": True,
                    "description": "脱敏标题（仅已办结）；可信政务系统查询本渠道诉求时为完整内容"},
    "agency_responsible": {"type": "string", "nullable": True, "description": "承办单位 handling unit"},
    "service_notice": {"type": "string", "nullable": True},
    "requested_datetime": {"type": "string", "format": "date-time"},
    "updated_datetime": {"type": "string", "format": "date-time"},
    "expected_datetime": {"type": "string", "format": "date-time", "nullable": True},
    "address": {"type": "string", "description": "乡镇/街道（可信政务系统查询本渠道诉求时为详细地址）"},
    "address_id": {"type": "string", "description": "行政区划代码 division code"},
    "zipcode": {"type": "string", "nullable": True},
    "lat": {"type": "number", "nullable": True}, "long": {"type": "number", "nullable": True},
    "media_url": {"type": "string", "nullable": True},
}


def _fmt_param():
    return {"name": "format", "in": "path", "required": True, "schema": {"type": "string", "enum": ["json", "xml"]}}


def _q(name, description, required=False):
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": {"type": "string"}}


def _ok(schema, description="OK"):
    return {"description": description, "content": {
        "application/json": {"schema": schema}, "text/xml": {"schema": {"type": "string"}}}}


_ERRORS = {str(code): {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}
           for code, text in ((400, "参数错误 bad or missing argument"), (403, "api_key缺失、无效或越权"),
                              (404, "服务、诉求、令牌或辖区不存在"), (429, "超过该密钥每分钟请求上限"))}


def document(server_url: str) -> dict:
    jurisdiction = _q("jurisdiction_id", "辖区（行政区划代码）；为空视同未提供")
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "综治中心 Open311 GeoReport v2",
            "version": "2",
            "description": "Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) with the mySociety "
                           "servicerequestupdates extension. Every path exists as .json and .xml. "
                           "See docs/open311.md.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"api_key": {"type": "apiKey", "in": "query", "name": "api_key"}},
            "schemas": {
                "Errors": {"type": "array", "items": {"type": "object", "properties": {
                    "code": {"type": "integer"}, "description": {"type": "string"}}}},
                "Service": {"type": "object", "properties": {
                    k: {"type": t} for k, t in (("service_code", "string"), ("service_name", "string"),
                                                ("description", "string"), ("metadata", "boolean"),
                                                ("type", "string"), ("keywords", "string"), ("group", "string"))}},
                "ServiceRequest": {"type": "object", "properties": _REQUEST_FIELDS},
                "Created": {"type": "object", "properties": {
                    "service_request_id": {"type": "string"}, "token": {"type": "string"},
                    "service_notice": {"type": "string"}, "account_id": {"type": "string", "nullable": True}}},
                "Update": {"type": "object", "properties": {
                    k: {"type": "string"} for k in ("update_id", "service_request_id", "status", "updated_datetime",
                                                    "description", "media_url")}},
            },
        },
        "paths": {
            "/discovery.{format}": {"get": {"summary": "Service discovery", "parameters": [_fmt_param()],
                                            "responses": {"200": _ok({"type": "object"})}}},
            "/services.{format}": {"get": {
                "summary": "诉求类型与纠纷类别 service list", "parameters": [_fmt_param(), jurisdiction],
                "responses": {"200": _ok({"type": "array", "items": {"$ref": "#/components/schemas/Service"}}),
                              **_ERRORS}}},
            "/services/{service_code}.{format}": {"get": {
                "summary": "Service definition (attributes: title, ticket_no, severity, hide_identity, tags)",
                "parameters": [{"name": "service_code", "in": "path", "required": True, "schema": {"type": "string"}},
                               _fmt_param(), jurisdiction],
                "responses": {"200": _ok({"type": "object"}), **_ERRORS}}},
            "/requests.{format}": {
                "get": {"summary": "诉求列表（脱敏）", "parameters": [
                    _fmt_param(), jurisdiction, _q("service_request_id", "逗号分隔，优先于其他条件"),
                    _q("service_code", "逗号分隔"), _q("start_date", "W3C，如2026-01-01T00:00:00+08:00"),
                    _q("end_date", "W3C；与start_date相距不超过90天"), _q("status", "open,closed"),
                    _q("api_key", "可选；可信政务系统查看本渠道诉求全文")],
                    "responses": {"200": _ok({"type": "array", "items": {"$ref": "#/components/schemas/ServiceRequest"}}),
                                  **_ERRORS}},
                "post": {"summary": "提交诉求 create a request", "security": [{"api_key": []}],
                         "parameters": [_fmt_param()],
                         "requestBody": {"required": True, "content": {
                             k: {"schema": {"type": "object", "required": ["service_code", "description", "phone"],
                                            "properties": {n: {"type": "string"} for n in (
                                                "api_key", "jurisdiction_id", "service_code", "lat", "long",
                                                "address_string", "address_id", "first_name", "last_name", "phone",
                                                "email", "device_id", "account_id", "description", "media_url",
                                                "attribute[ticket_no]", "attribute[title]", "attribute[severity]",
                                                "attribute[hide_identity]", "attribute[tags][]")}
                                            | {"media": {"type": "array", "items": {"type": "string",
                                                                                     "format": "binary"}}}}}
                             for k in ("application/x-www-form-urlencoded", "multipart/form-data")}},
                         "responses": {"201": _ok({"type": "array", "items": {"$ref": "#/components/schemas/Created"}},
                                                  "已受理 created"),
                                       "200": _ok({"type": "array", "items": {"$ref": "#/components/schemas/Created"}},
                                                  "该工单号已提交过，返回首次受理的诉求 ticket seen before"),
                                       **_ERRORS}},
            },
            "/requests/{service_request_id}.{format}": {"get": {
                "summary": "单件诉求", "parameters": [
                    {"name": "service_request_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    _fmt_param(), jurisdiction, _q("api_key", "可选")],
                "responses": {"200": _ok({"type": "array", "items": {"$ref": "#/components/schemas/ServiceRequest"}}),
                              **_ERRORS}}},
            "/tokens/{token}.{format}": {"get": {
                "summary": "由令牌查受理编号", "parameters": [
                    {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}, _fmt_param()],
                "responses": {"200": _ok({"type": "array", "items": {"type": "object"}}), **_ERRORS}}},
            "/servicerequestupdates.{format}": {"get": {
                "summary": "本渠道诉求的办理进展（mySociety扩展）", "security": [{"api_key": []}],
                "parameters": [_fmt_param(), _q("api_key", "必填", True), _q("start_date", "W3C"),
                               _q("end_date", "W3C")],
                "responses": {"200": _ok({"type": "array", "items": {"$ref": "#/components/schemas/Update"}}),
                              **_ERRORS}}},
        },
    }
