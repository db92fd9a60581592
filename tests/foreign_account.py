"""A Kommo account in Portuguese as the API v4 answers it: the fixture for "profiles fit any account".

Written by hand in the shape of real answers (amocrm.md §2; the public Kommo dumps it cites): statuses
142/143 with `type: 0` and names of the account's language, an unsorted stage with `type: 1`, a regular
stage named like the won one in another pipeline, two custom fields with one name (a select and a
multiselect), a custom field named like the predefined POSITION field, text fields with `enums: null`,
more lead fields than one page of `/custom_fields`, an inactive user. `pull(tmp)` replays the answers
through the real client and `schema pull`, and returns the written account schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from migrate.amocrm.auth import StaticToken
from migrate.amocrm.client import AmoClient
from migrate.amocrm.pull import pull_schema

MAIN, WEBINAR = 7001001, 7001002
WON_CLASH = 7100205  # a regular stage of WEBNÁRIO called "Venda ganha", like stage 142
PRODUCT_SELECT, PRODUCT_MULTI = 1883521, 1883523
POSITION_TWIN = 1883600


def _status(sid: int, name: str, sort: int, pipeline: int, type_: int = 0) -> dict[str, Any]:
    return {"id": sid, "name": name, "sort": sort, "is_editable": sid not in (142, 143), "pipeline_id": pipeline,
            "color": "#99ccff", "type": type_, "account_id": 31234567}  # fmt: skip


def _pipeline(pid: int, name: str, main: bool, statuses: list[dict[str, Any]], sort: int) -> dict[str, Any]:
    return {"id": pid, "name": name, "sort": sort, "is_main": main, "is_unsorted_on": True, "is_archive": False,
            "account_id": 31234567, "_embedded": {"statuses": statuses}}  # fmt: skip


def _field(fid: int, name: str, type_: str, sort: int, code: str | None = None,
           enums: list[str] | None = None, entity: str = "leads") -> dict[str, Any]:  # fmt: skip
    return {
        "id": fid, "name": name, "type": type_, "code": code, "sort": sort, "is_api_only": False,
        "enums": [{"id": fid * 10 + n, "value": v, "sort": n * 10} for n, v in enumerate(enums)] if enums else None,
        "group_id": None, "required_statuses": [], "is_deletable": code is None, "is_predefined": code is not None,
        "entity_type": entity, "remind": None, "settings": None,
    }  # fmt: skip


def answers() -> dict[str, Any]:
    """path → JSON body, as the account answers each GET."""
    main = [_status(61000001, "Leads de entrada", 0, MAIN, 1), _status(61000002, "Contato inicial", 10, MAIN),
            _status(61000003, "Discussões", 20, MAIN), _status(61000004, "Tomada de decisão", 30, MAIN),
            _status(142, "Venda ganha", 10000, MAIN), _status(143, "Venda perdida", 11000, MAIN)]  # fmt: skip
    webinar = [_status(71000001, "Etapa de leads de entrada", 0, WEBINAR, 1),
               _status(71000002, "Inscrito", 10, WEBINAR), _status(WON_CLASH, "Venda ganha", 20, WEBINAR),
               _status(142, "Venda ganha", 10000, WEBINAR), _status(143, "Venda perdida", 11000, WEBINAR)]  # fmt: skip
    leads = [_field(PRODUCT_SELECT, "Produto Adquirido", "select", 1, enums=["Curso A", "Curso B"]),
             _field(PRODUCT_MULTI, "Produto Adquirido", "multiselect", 2, enums=["Curso A", "Curso B", "Mentoria"]),
             _field(1883530, "utm_source", "text", 3), _field(1883531, "Origem", "select", 4,
                                                               enums=["Site", "Instagram", "Indicação"])]  # fmt: skip
    leads += [_field(1884000 + i, f"Campo {i}", "text", 10 + i) for i in range(57)]  # 61 fields: two pages of 50
    contacts = [_field(1500001, "Cargo", "text", 1, code="POSITION", entity="contacts"),
                _field(1500002, "Telefone", "multitext", 2, code="PHONE", entity="contacts",
                       enums=["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"]),
                _field(1500003, "E-mail", "multitext", 3, code="EMAIL", entity="contacts",
                       enums=["WORK", "PRIV", "OTHER"]),
                _field(POSITION_TWIN, "Cargo", "text", 4, entity="contacts"),
                _field(1883601, "CPF", "text", 5, entity="contacts")]  # fmt: skip
    companies = [_field(1600001, "Telefone", "multitext", 1, code="PHONE", entity="companies",
                        enums=["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"]),
                 _field(1600002, "E-mail", "multitext", 2, code="EMAIL", entity="companies",
                        enums=["WORK", "PRIV", "OTHER"]),
                 _field(1600003, "Site", "url", 3, code="WEB", entity="companies"),
                 _field(1600004, "Endereço", "textarea", 4, code="ADDRESS", entity="companies"),
                 _field(1883700, "CNPJ", "text", 5, entity="companies")]  # fmt: skip
    users = [{"id": 9100001, "name": "Ana Souza", "email": "ana@escola.com.br", "lang": "pt",
              "rights": {"is_active": True, "is_admin": True}},
             {"id": 9100002, "name": "João Pereira", "email": "joao@escola.com.br", "lang": "pt",
              "rights": {"is_active": True, "is_admin": False}},
             {"id": 9100003, "name": "Carla Dias", "email": "carla@escola.com.br", "lang": "pt",
              "rights": {"is_active": False, "is_admin": False}}]  # fmt: skip
    return {
        "/api/v4/account": {"id": 31234567, "name": "Escola Digital", "subdomain": "escoladigital",
                            "currency": "BRL", "country": "BR",
                            "_embedded": {"datetime_settings": {"timezone": "America/Sao_Paulo"}}},
        "/api/v4/users": {"_page": 1, "_embedded": {"users": users}},
        "/api/v4/leads/pipelines": {"_total_items": 2, "_embedded": {"pipelines": [
            _pipeline(MAIN, "Funil de vendas", True, main, 1), _pipeline(WEBINAR, "WEBNÁRIO", False, webinar, 2)]}},
        "/api/v4/leads/custom_fields": leads,
        "/api/v4/contacts/custom_fields": contacts,
        "/api/v4/companies/custom_fields": companies,
    }  # fmt: skip


def _handler(request: httpx.Request) -> httpx.Response:
    data = answers()[request.url.path]
    if isinstance(data, list):  # a paginated /custom_fields list
        page, limit = int(request.url.params.get("page", 1)), int(request.url.params.get("limit", 50))
        chunk = data[(page - 1) * limit : page * limit]
        if not chunk:
            return httpx.Response(204)
        body: dict[str, Any] = {"_page": page, "_embedded": {"custom_fields": chunk}, "_links": {}}
        if page * limit < len(data):
            body["_links"]["next"] = {"href": f"{request.url.path}?page={page + 1}&limit={limit}"}
        return httpx.Response(200, json=body)
    return httpx.Response(200, json=data)


def pull(tmp: Path, warn: Any = None) -> Path:
    """The account pulled through the real client (recorded answers, no network) and written as JSON."""
    client = AmoClient("https://escoladigital.kommo.com", StaticToken("recorded"),
                       transport=httpx.MockTransport(_handler))  # fmt: skip
    with client:
        data = pull_schema(client, warn=warn)
    out = Path(tmp) / "kommo.json"
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return out
