"""The API v4 endpoints of the sandbox, as plain functions from a parsed request to a response.

No sockets here (sandbox.py does the HTTP, auth, rate limit and faults), so each endpoint reads like the
vendor's page: what it takes, what it refuses, what it returns. Shapes follow amocrm.md §2.3–2.4: success
is `application/hal+json`, errors `application/problem+json` with the documented bodies, an empty list or
an unknown id is 204 with no body.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from .account import SandboxAccount
from .rules import Error, choice, invalid_type, is_int
from .setup import SetupRules
from .store import LINKABLE, SandboxStore, matches_filters
from .tasks import TaskBook
from .team import SandboxTeam

T = TypeVar("T")
HAL, PROBLEM, HTML = "application/hal+json", "application/problem+json", "text/html"
MAX_LIMIT, DEFAULT_LIMIT, MAX_BATCH, MAX_COMPLEX = 250, 50, 250, 50
_TITLES = {
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 422: "Unprocessable Entity", 429: "Too Many Requests", 500: "ErrInternalServer",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}  # fmt: skip


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    body: bytes
    base: str  # "http://127.0.0.1:PORT", for `_links`
    headers: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str) -> str | None:
        return next((v for k, v in self.query if k == name), None)

    def filters(self) -> dict[str, list[str]]:
        """`filter[id]=1`, `filter[id][]=1` and PHP's `filter[id][0]=1` all mean the same."""
        out: dict[str, list[str]] = {}
        for k, v in self.query:
            m = re.fullmatch(r"filter\[(\w+)\](?:\[\d*\])?", k)
            if m:
                out.setdefault(m.group(1), []).append(v)
        return out

    def with_(self) -> set[str]:
        return {w.strip() for w in (self.arg("with") or "").split(",") if w.strip()}


@dataclass
class Response:
    status: int
    body: Any = None
    content_type: str = HAL

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body, ensure_ascii=False).encode()


def problem(status: int, detail: str, **extra: Any) -> Response:
    body = {"title": _TITLES.get(status, "Error"), "type": f"https://httpstatus.es/{status}", "status": status,
            "detail": detail, **extra}  # fmt: skip
    return Response(status, body, PROBLEM)


def html_page(status: int) -> Response:
    """What the real gateway (nginx) sends for 429/403/5xx at times: not JSON at all (amocrm.md §2.2)."""
    title = f"{status} {_TITLES.get(status, 'Error')}"
    page = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
    return Response(status, page + "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", HTML)


def rate_limited(retry_after: int) -> Response:
    return problem(429, "You have sent too many requests in a given amount of time.", retry_after=retry_after)


def validation_failed(errors: list[tuple[str, list[Error]]]) -> Response:
    groups = [{"request_id": rid, "errors": errs} for rid, errs in errors if errs]
    return Response(400, {"validation-errors": groups, "title": "Bad Request", "type": "https://httpstatus.es/400",
                          "status": 400, "detail": "Request validation failed"}, PROBLEM)  # fmt: skip


def _request_id(item: Any, i: int) -> str:
    rid = item.get("request_id") if isinstance(item, dict) else None
    return str(i) if rid is None else str(rid)


class Api:
    """Routes and endpoint handlers over one account and one store."""

    def __init__(self, account: SandboxAccount, store: SandboxStore, *, tag_filter: bool = True) -> None:
        self.account, self.store, self.tag_filter = account, store, tag_filter
        http = SimpleNamespace(page=self._page, write=self._write, respond=Response, problem=problem)
        self.team = SandboxTeam(account, http)  # users and roles: team.py
        self.tasks = TaskBook(store)
        e = "(?P<entity>leads|contacts|companies)"
        table: list[tuple[str, dict[str, Callable[..., Response]]]] = [
            (r"/api/v4/account", {"GET": self.get_account}),
            (r"/api/v4/users", {"GET": self.get_users, "POST": self.team.post_users}),
            (r"/api/v4/users/(?P<id>\d+)", {"GET": self.get_user}),
            (r"/api/v4/roles", {"GET": self.team.get_roles, "POST": self.team.post_roles}),
            (r"/api/v4/roles/(?P<id>\d+)", {"GET": self.team.get_role}),
            (r"/api/v4/leads/pipelines", {"GET": self.get_pipelines}),
            (r"/api/v4/leads/pipelines/(?P<id>\d+)", {"GET": self.get_pipeline}),
            (r"/api/v4/leads/pipelines/(?P<id>\d+)/statuses", {"POST": self.post_statuses}),
            (
                rf"/api/v4/{e}/custom_fields",
                {"GET": self.get_fields, "POST": self.post_fields, "PATCH": self.patch_fields},
            ),
            (rf"/api/v4/{e}/custom_fields/(?P<id>\d+)", {"GET": self.get_field, "PATCH": self.patch_fields}),
            (r"/api/v4/leads/complex", {"POST": self.post_complex}),
            (r"/api/v4/tasks", {"GET": self.get_tasks, "POST": self.post_tasks}),
            (r"/api/v4/tasks/(?P<id>\d+)", {"GET": self.get_task}),
            (rf"/api/v4/{e}/tags", {"GET": self.get_tags, "POST": self.post_tags}),
            (rf"/api/v4/{e}(?:/(?P<id>\d+))?/notes", {"GET": self.get_notes, "POST": self.post_notes}),
            (rf"/api/v4/{e}(?:/(?P<id>\d+))?/(?P<action>link|unlink)", {"POST": self.post_links}),
            (rf"/api/v4/{e}", {"GET": self.get_entities, "POST": self.post_entities, "PATCH": self.patch_entities}),
            (rf"/api/v4/{e}/(?P<id>\d+)", {"GET": self.get_entity, "PATCH": self.patch_entities}),
        ]
        self.routes = [(re.compile(pattern), handlers) for pattern, handlers in table]

    def route(self, req: Request) -> Response:
        for pattern, handlers in self.routes:
            m = pattern.fullmatch(req.path.rstrip("/") or "/")
            if m:
                if req.method not in handlers:
                    return problem(405, "Method Not Allowed")
                args = {k: int(v) if k == "id" else v for k, v in m.groupdict().items() if v is not None}
                return handlers[req.method](req, **args)
        return problem(404, f"Cannot {req.method} {req.path}")

    # paging -------------------------------------------------------------------------------------------------

    def _page(self, req: Request, items: list[Any], key: str, render: Callable[[Any], dict[str, Any]],
              *, counted: bool = False) -> Response:  # fmt: skip
        """One HAL page: `_page`, `_links.self/next/prev/first`, `_embedded.<key>`; counts where the real
        endpoint gives them (users, custom fields); an empty page is 204."""
        try:
            page, limit = int(req.arg("page") or 1), int(req.arg("limit") or DEFAULT_LIMIT)
        except ValueError:
            return problem(400, "page and limit must be integers")
        if limit > MAX_LIMIT:
            return problem(422, "Limit 250 per page")
        if page < 1 or limit < 1:
            return problem(400, "page and limit must be positive")
        chunk = items[(page - 1) * limit : page * limit]
        if not chunk:
            return Response(204)
        links = {"self": self._href(req, page), "first": self._href(req, 1)}
        if page * limit < len(items):
            links["next"] = self._href(req, page + 1)
        if page > 1:
            links["prev"] = self._href(req, page - 1)
        body: dict[str, Any] = {"_page": page, "_links": links, "_embedded": {key: [render(x) for x in chunk]}}
        if counted:
            body = {"_total_items": len(items), "_page_count": -(-len(items) // limit), **body}
        return Response(200, body)

    @staticmethod
    def _href(req: Request, page: int) -> dict[str, str]:
        query = [(k, v) for k, v in req.query if k != "page"] + [("page", str(page))]
        return {"href": f"{req.base}{req.path}?{urlencode(query)}"}

    # account --------------------------------------------------------------------------------------------------

    def get_account(self, req: Request) -> Response:
        return Response(200, self.account.account_json(req.base, req.with_()))

    def get_users(self, req: Request) -> Response:
        return self.team.get_users(req)  # type: ignore[no-any-return]

    def get_user(self, req: Request, id: int) -> Response:
        return self.team.get_user(req, id)  # type: ignore[no-any-return]

    def get_pipelines(self, req: Request) -> Response:
        pipelines = [self.account.pipeline_json(p, req.base) for p in self.account.pipelines]
        return Response(200, {"_total_items": len(pipelines), "_links": {"self": self._href(req, 1)},
                              "_embedded": {"pipelines": pipelines}})  # fmt: skip

    def get_pipeline(self, req: Request, id: int) -> Response:
        p = self.account.pipeline(id)
        return Response(200, self.account.pipeline_json(p, req.base)) if p else problem(404, "Pipeline not found")

    def get_fields(self, req: Request, entity: str) -> Response:
        fields = self.account.fields[entity]
        types = set(req.filters().get("type", []))
        fields = [f for f in fields if not types or f.type in types]
        return self._page(req, fields, "custom_fields", lambda f: self.account.field_json(f, req.base), counted=True)

    def get_field(self, req: Request, entity: str, id: int) -> Response:
        f = self.account.field(entity, field_id=id)
        return Response(200, self.account.field_json(f, req.base)) if f else Response(204)

    # account setup: new fields and stages (setup.py says what is refused) -----------------------------

    def post_fields(self, req: Request, entity: str) -> Response:
        rules = SetupRules(self.account)
        done = self._write(req, lambda it: rules.new_field(entity, it), lambda it: self.account.add_field(entity, it))
        if isinstance(done, Response):
            return done
        made = [{**self.account.field_json(f, req.base), "request_id": rid} for f, rid in done]
        return Response(201, {"_total_items": len(made), "_embedded": {"custom_fields": made}})

    def patch_fields(self, req: Request, entity: str, id: int | None = None) -> Response:
        """Batch PATCH (array, each with `id`) or `/custom_fields/{id}` (one object, answered with the field)."""
        rules = SetupRules(self.account)

        def apply(item: dict[str, Any]) -> Any:
            return self.account.update_field(entity, {**item, "id": id} if id is not None else item)

        done = self._write(req, lambda it: rules.edit_field(entity, it, id), apply, single=id is not None)
        if isinstance(done, Response):
            return done
        made = [{**self.account.field_json(f, req.base), "request_id": rid} for f, rid in done]
        return Response(200, made[0] if id is not None else {"_total_items": len(made),
                                                              "_embedded": {"custom_fields": made}})  # fmt: skip

    def post_statuses(self, req: Request, id: int) -> Response:
        pipeline = self.account.pipeline(id)
        if pipeline is None:
            return problem(404, "Pipeline not found")
        rules, position = SetupRules(self.account), itertools.count()
        done = self._write(req, lambda it: rules.new_status(pipeline, it, next(position)),
                           lambda it: self.account.add_status(pipeline, it))  # fmt: skip
        if isinstance(done, Response):
            return done
        made = [{**self.account.status_json(id, s, req.base), "request_id": rid} for s, rid in done]
        return Response(200, {"_total_items": len(made), "_embedded": {"statuses": made}})

    # entities -------------------------------------------------------------------------------------------------

    def get_entities(self, req: Request, entity: str) -> Response:
        filters = req.filters()
        if not self.tag_filter:
            filters.pop("tags", None)  # ignored, as the real API may do (amocrm-api-php#474)
        ids = self.store.select(entity, req.arg("query"), filters)
        with_ = req.with_()
        return self._page(req, ids, entity, lambda rid: self.store.render(entity, rid, req.base, with_))

    def get_entity(self, req: Request, entity: str, id: int) -> Response:
        if not self.store.exists(entity, id):
            return Response(204)
        return Response(200, self.store.render(entity, id, req.base, req.with_()))

    def _write(self, req: Request, check: Callable[[Any], list[Error]], apply: Callable[[Any], T],
               limit: int = MAX_BATCH, *, single: bool = False) -> list[tuple[T, str]] | Response:  # fmt: skip
        """Parse a write, validate every item, then apply them all under the store lock — or none: the
        real service rejects the whole request when one entity fails (amocrm.md §2.3). Returns each
        item's result with its `request_id` (a string; the position when the item gave none)."""
        items = _items(req, limit, single=single)
        if isinstance(items, Response):
            return items
        with self.store.lock:
            checked = [(_request_id(it, i), check(it)) for i, it in enumerate(items)]
            if any(errors for _, errors in checked):
                return validation_failed(checked)
            return [(apply(it), rid) for it, (rid, _) in zip(items, checked, strict=True)]

    def post_entities(self, req: Request, entity: str) -> Response:
        done = self._write(req, lambda it: self.store.rules.check(entity, it), lambda it: self.store.create(entity, it))
        if isinstance(done, Response):
            return done
        extra = {"is_deleted": False, "is_unsorted": False} if entity == "contacts" else {}
        made = [{"id": i, **extra, "request_id": rid, "_links": _self(req, entity, i)} for i, rid in done]
        return Response(200, {"_links": _self(req, entity), "_embedded": {entity: made}})

    def patch_entities(self, req: Request, entity: str, id: int | None = None) -> Response:
        """Batch PATCH (array, each with `id`) or single PATCH `/{entity}/{id}` (one object)."""

        def apply(item: dict[str, Any]) -> dict[str, Any]:
            return self.store.update(entity, {**item, "id": id} if id is not None else item)

        done = self._write(req, lambda it: self._check_patch(entity, it, id), apply, single=id is not None)
        if isinstance(done, Response):
            return done
        made = [{"id": r["id"], "updated_at": r["updated_at"], "request_id": rid, "_links": _self(req, entity, r["id"])}
                for r, rid in done]  # fmt: skip
        return Response(200, made[0] if id is not None else {"_links": _self(req, entity), "_embedded": {entity: made}})

    def _check_patch(self, entity: str, item: Any, id: int | None) -> list[Error]:
        if isinstance(item, dict) and id is not None:
            item = {**item, "id": id}
        if not isinstance(item, dict) or not is_int(item.get("id")):
            return [invalid_type("id", int)]
        if not self.store.exists(entity, item["id"]):
            return [choice("id")]
        return self.store.rules.check(entity, item, base=self.store.records(entity)[item["id"]])

    def post_complex(self, req: Request) -> Response:
        """A plain JSON array back, `request_id` as an array, `merged` always false (no duplicate control)."""
        done = self._write(req, self.store.rules.check_complex, self.store.create_complex, MAX_COMPLEX)
        if isinstance(done, Response):
            return done
        return Response(200, [{**made, "request_id": [rid], "merged": False} for made, rid in done])

    # tasks (the rules live in tasks.py) ------------------------------------------------------------------------

    def get_tasks(self, req: Request) -> Response:
        tasks = self.tasks.select(req.filters())
        return self._page(req, tasks, "tasks", lambda t: {**t, "_links": _self(req, "tasks", t["id"])})

    def get_task(self, req: Request, id: int) -> Response:
        found = self.tasks.select({"id": [str(id)]})
        return Response(200, {**found[0], "_links": _self(req, "tasks", id)}) if found else Response(204)

    def post_tasks(self, req: Request) -> Response:
        done = self._write(req, self.tasks.check, self.tasks.add)
        if isinstance(done, Response):
            return done
        made = [{"id": i, "request_id": rid, "_links": _self(req, "tasks", i)} for i, rid in done]
        return Response(200, {"_links": _self(req, "tasks"), "_embedded": {"tasks": made}})

    # notes, tags, links ---------------------------------------------------------------------------------------

    def get_notes(self, req: Request, entity: str, id: int | None = None) -> Response:
        filters = req.filters()
        with self.store.lock:
            notes = [n for _, n in sorted(self.store.notes.items()) if n["entity_type"] == entity]
        notes = [n for n in notes if (id is None or n["entity_id"] == id) and matches_filters(n, filters)]
        return self._page(req, notes, "notes", lambda n: {**n, "_links": _self(req, f"{entity}/notes", n["id"])})

    def post_notes(self, req: Request, entity: str, id: int | None = None) -> Response:
        done = self._write(req, lambda it: self.store.rules.check_note(entity, it, id),
                           lambda it: self.store.add_note(entity, it, id))  # fmt: skip
        if isinstance(done, Response):
            return done
        made = [{"id": n["id"], "entity_id": n["entity_id"], "request_id": rid,
                 "_links": _self(req, f"{entity}/notes", n["id"])} for n, rid in done]  # fmt: skip
        return Response(200, {"_links": _self(req, f"{entity}/notes"), "_embedded": {"notes": made}})

    def get_tags(self, req: Request, entity: str) -> Response:
        q, names = (req.arg("query") or "").casefold(), req.filters().get("name")
        with self.store.lock:
            tags = [t for _, t in sorted(self.store.tags.items()) if t["entity_type"] == entity]
        tags = [t for t in tags if q in t["name"].casefold() and (not names or t["name"] in names)]
        return self._page(req, tags, "tags", lambda t: {k: v for k, v in t.items() if k != "entity_type"})

    def post_tags(self, req: Request, entity: str) -> Response:
        done = self._write(req, lambda it: self.store.rules.check_tag(entity, it),
                           lambda it: self.store.ensure_tag(entity, it))  # fmt: skip
        if isinstance(done, Response):
            return done
        made = [{"id": t["id"], "name": t["name"], "color": t["color"], "request_id": rid} for t, rid in done]
        return Response(200, {"_links": _self(req, f"{entity}/tags"), "_embedded": {"tags": made}})

    def post_links(self, req: Request, entity: str, action: str, id: int | None = None) -> Response:
        """`/{entity}/{id}/link` or mass `/{entity}/link` (entity_id per item); unlink answers 204."""

        def apply(it: dict[str, Any]) -> dict[str, Any] | None:
            ends = (entity, id or it["entity_id"], it["to_entity_type"], it["to_entity_id"])
            if action == "unlink":
                self.store.unlink(*ends)
                return None
            return self.store.link(*ends, it.get("metadata"))

        done = self._write(req, lambda it: self._check_link(entity, it, id), apply)
        if isinstance(done, Response) or action == "unlink":
            return done if isinstance(done, Response) else Response(204)
        links = [link for link, _ in done]
        return Response(200, {"_links": _self(req, f"{entity}/link"), "_embedded": {"links": links}})

    def _check_link(self, entity: str, item: Any, entity_id: int | None) -> list[Error]:
        if not isinstance(item, dict):
            return [invalid_type("0", dict)]
        errors: list[Error] = []
        eid = entity_id if entity_id is not None else item.get("entity_id")
        if not (is_int(eid) and self.store.exists(entity, eid)):
            errors.append(choice("entity_id"))
        target = item.get("to_entity_type")
        if target not in LINKABLE[entity]:  # catalog_elements and customers are not emulated
            return errors + [choice("to_entity_type")]
        if not (is_int(item.get("to_entity_id")) and self.store.exists(target, item["to_entity_id"])):
            errors.append(choice("to_entity_id"))
        if item.get("metadata") is not None and not isinstance(item["metadata"], dict):
            errors.append(invalid_type("metadata", dict))
        return errors


def _self(req: Request, path: str, rid: int | None = None) -> dict[str, Any]:
    return {"self": {"href": f"{req.base}/api/v4/{path}" + (f"/{rid}" if rid is not None else "")}}


def _items(req: Request, limit: int, *, single: bool = False) -> list[Any] | Response:
    """The JSON array a write carries (or, for a single PATCH, one object), or the documented refusal."""
    if not req.body.strip():
        return problem(400, "Request data can not be empty")
    try:
        data = json.loads(req.body)
    except (ValueError, UnicodeDecodeError):
        return problem(400, "Request body is not valid JSON")
    if single:
        data = [data]
    if not isinstance(data, list):
        return problem(400, "Request data must be an array of entities")
    if not data:
        return problem(400, "Request data can not be empty")
    if len(data) > limit:
        return problem(422, f"Limit {limit} per page" if limit == MAX_BATCH else f"Limit {limit} per request")
    return data


def parse_form(req: Request) -> dict[str, Any]:
    """The OAuth body: JSON (as the docs show) or a form, as OAuth clients often send it."""
    if req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(req.body.decode("utf-8", "replace")))
    try:
        data = json.loads(req.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
