"""Replays the phone app's flows (mobile-contract/flows/*.json) through a Python client that
openapi-python-client generated from openapi.yaml, each flow against a fresh demo server.

Every request goes through the generated function of the operation that the step's method and
path name (found by its operationId), with path parameters, query parameters, headers and body
passed as that function's arguments, the body built with the generated model's from_dict. The
answer must have the flow's status (and code and body, matched as mobile-contract/README.md says),
and the generated client must have parsed it into the model the spec names: an answer the client
cannot read is a failure, as it would be in an app.

Usage: flows.py CLIENT_DIR SERVER_BINARY [FLOW_NAME...]
"""

import datetime as dt
import enum
import importlib
import inspect
import io
import json
import os
import pkgutil
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import typing
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "mobile-contract" / "flows"
SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text())
CST = dt.timezone(dt.timedelta(hours=8))
PASSWORD = "tingke2026"
METHODS = ("get", "post", "put", "patch", "delete")


# ------------------------------------------------------------------------------ the client


def load_client(client_dir):
    """The generated package, and its operation functions by Python module name."""
    sys.path.insert(0, str(Path(client_dir).parent))
    package = importlib.import_module(Path(client_dir).name)
    api = importlib.import_module(package.__name__ + ".api")
    modules = {}
    for info in pkgutil.walk_packages(api.__path__, api.__name__ + "."):
        if not info.ispkg:
            module = importlib.import_module(info.name)
            if hasattr(module, "sync_detailed"):
                modules[info.name.rsplit(".", 1)[1]] = module
    return package, modules


def snake(name):
    """openapi-python-client's Python name of an operationId or parameter."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-zA-Z0-9]+", "_", name).strip("_").lower()


def template_for(path):
    """The spec's template matching a concrete path, literal segments preferred, and the
    values of its parameters."""
    segments = path.split("/")
    best = None
    for template in SPEC["paths"]:
        parts = template.split("/")
        if len(parts) != len(segments):
            continue
        literals, params = 0, {}
        for t, s in zip(parts, segments):
            if t.startswith("{") and t.endswith("}"):
                if not s:
                    break
                params[t[1:-1]] = urllib.parse.unquote(s)
            elif t == s:
                literals += 1
            else:
                break
        else:
            if best is None or literals > best[0]:
                best = (literals, template, params)
    return (best[1], best[2]) if best else (None, {})


class Operation:
    """One generated function, for a method and path of the spec."""

    def __init__(self, modules, method, template):
        op = SPEC["paths"][template][method.lower()]
        self.name = op["operationId"]
        module = modules.get(snake(self.name))
        if module is None:
            raise Failure(f"the generated client has no function for {self.name}")
        self.module = module
        self.function = module.sync_detailed
        self.hints = typing.get_type_hints(self.function)
        self.signature = inspect.signature(self.function)

    def argument(self, name, value):
        """A value as the generated function's parameter `name` takes it."""
        python = snake(name)
        if python not in self.signature.parameters:
            raise Failure(f"{self.name} takes no parameter {name} ({python})")
        return python, convert(self.hints.get(python), value)

    def body(self, value):
        hint = self.hints.get("body")
        if hint is None:
            raise Failure(f"{self.name} takes no body")
        return build(hint, value)


def options(hint):
    """The types a hint allows, Unset and None left out."""
    args = typing.get_args(hint)
    if not args:
        return [hint]
    return [a for a in args if a is not type(None) and getattr(a, "__name__", "") != "Unset"]


def convert(hint, value):
    """A query or path value (text) as the type the generated function wants."""
    for kind in options(hint):
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            try:
                return kind(value)
            except ValueError:
                continue
        if kind is uuid.UUID:
            try:
                return uuid.UUID(value)
            except ValueError:
                continue
        if kind is int and re.fullmatch(r"-?\d+", value):
            return int(value)
        if kind is bool and value in ("true", "false"):
            return value == "true"
        if kind is dt.date:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                continue
    return value


def build(hint, value):
    """A JSON body as the generated model (or list of models) of the hint."""
    errors = []
    for kind in options(hint):
        try:
            if hasattr(kind, "from_dict"):
                return kind.from_dict(value)
            origin = typing.get_origin(kind)
            if origin is list:
                (item,) = typing.get_args(kind)
                return [build(item, v) for v in value]
        except Exception as e:  # noqa: BLE001 - try the next alternative of the union
            errors.append(f"{kind}: {e!r}")
    raise Failure(f"the body fits no generated model of {hint}: {'; '.join(errors)}")


# ------------------------------------------------------------------------------ photos


def page_image(seed, width, height):
    """A handwritten-looking page: lines of wavy ink on paper, drawn from the seed."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), (250, 249, 243))
    draw = ImageDraw.Draw(image)
    unit = min(width, height) / 100
    left, right = width * rng.uniform(0.08, 0.14), width * rng.uniform(0.86, 0.92)
    y = height * rng.uniform(0.1, 0.14)
    while y < height * 0.9:
        x = left + (unit * rng.uniform(3, 8) if rng.random() < 0.2 else 0)
        end = right - (right - left) * rng.uniform(0, 0.5)
        while x < end:
            word = x + unit * rng.uniform(3, 12)
            points = []
            while x < min(word, end):
                points.append((x, y + unit * rng.uniform(-1.2, 1.2)))
                x += unit * rng.uniform(0.4, 1.0)
            if len(points) > 1:
                draw.line(points, fill=(25, 30, 80), width=max(1, int(unit * 0.3)))
            x += unit * rng.uniform(1.5, 3)
        y += unit * rng.uniform(4.5, 6.5)
    return image


def photo(upload):
    """The bytes, file name and type of a flow's generated photo."""
    from PIL import Image

    seed, width, height = upload["seed"], upload["width"], upload["height"]
    out = io.BytesIO()
    if upload["photo"] == "portrait_with_exif":
        # Stored sideways as the sensor saw it, EXIF Orientation 6: upright it is height×width.
        upright = page_image(seed, height, width)
        stored = upright.transpose(Image.Transpose.ROTATE_90)
        exif = Image.Exif()
        exif[0x0112] = 6
        exif[0x010F] = "TingkePhone"
        stored.save(out, "JPEG", quality=90, exif=exif)
        return out.getvalue(), "photo.jpg", "image/jpeg"
    fmt = upload.get("format", "jpeg")
    image = page_image(seed, width, height)
    if fmt == "jpeg":
        image.save(out, "JPEG", quality=85)
    elif fmt == "png":
        image.save(out, "PNG")
    else:
        image.save(out, "WEBP", lossless=True)
    return out.getvalue(), f"page.{fmt}", f"image/{fmt}"


# ------------------------------------------------------------------------------ placeholders


class Failure(Exception):
    pass


class Vars:
    def __init__(self):
        self.start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        self.saved = {}
        self.uuids = {}

    def value(self, inner):
        if inner.startswith("uuid:"):
            name = inner[5:]
            if name not in self.uuids:
                self.uuids[name] = uuid7()
            return self.uuids[name]
        if inner.startswith("date:"):
            rel = inner[5:]
            days = 0 if rel == "today" else offset(rel, {"d": 1})
            return (self.start.astimezone(CST) + dt.timedelta(days=days)).date().isoformat()
        if inner.startswith("time:"):
            rel = inner[5:]
            secs = 0 if rel == "now" else offset(rel, {"s": 1, "m": 60, "h": 3600, "d": 86400})
            t = self.start + dt.timedelta(seconds=secs)
            return t.strftime("%Y-%m-%dT%H:%M:%SZ")
        m = re.fullmatch(r"([A-Za-z0-9_.]+)(?:([+-])(\d+))?", inner)
        if not m or m.group(1) not in self.saved:
            raise Failure(f"{{{{{inner}}}}} is not set")
        value = self.saved[m.group(1)]
        if m.group(2):
            if not isinstance(value, int):
                raise Failure(f"{{{{{inner}}}}}: offsets need an integer")
            value += int(m.group(3)) * (1 if m.group(2) == "+" else -1)
        return value

    def text(self, s):
        whole = re.fullmatch(r"\{\{([^{}]+)\}\}", s)
        if whole:
            return self.value(whole.group(1))
        return re.sub(r"\{\{([^{}]+)\}\}", lambda m: text_of(self.value(m.group(1))), s)

    def json(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        return value


def text_of(value):
    return value if isinstance(value, str) else json.dumps(value)


def offset(rel, units):
    m = re.fullmatch(r"([+-])(\d+)([a-z])", rel)
    if not m or m.group(3) not in units:
        raise Failure(f"bad offset {rel}")
    return (1 if m.group(1) == "+" else -1) * int(m.group(2)) * units[m.group(3)]


def uuid7():
    ms = int(time.time() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms << 80) | (0x7 << 76) | ((rand >> 68) & 0xFFF) << 64 | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


# ------------------------------------------------------------------------------ matching


def resolve(body, pointer):
    if pointer == "":
        return body
    node = body
    for raw in pointer.split("/")[1:]:
        segment = raw.replace("~1", "/").replace("~0", "~")
        m = re.fullmatch(r"\[([^=\]]+)=([^\]]*)\]", segment)
        if m and isinstance(node, list):
            key, want = m.groups()
            node = next((e for e in node if isinstance(e, dict) and text_of(e.get(key)) == want), None)
            if node is None:
                return None
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        elif isinstance(node, dict) and segment in node:
            node = node[segment]
        else:
            return None
    return node


def matches(want, got, at=""):
    """None when `got` holds `want` as the README's matching rules say, else why not."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{at}: expected an object, got {json.dumps(got)}"
        for k, v in want.items():
            if k not in got:
                if v is None or v == []:
                    continue  # sync leaves nulls and empty lists out; the app reads them so
                return f"{at}/{k}: missing"
            why = matches(v, got[k], f"{at}/{k}")
            if why:
                return why
        return None
    if isinstance(want, list):
        if not isinstance(got, list):
            return f"{at}: expected an array, got {json.dumps(got)}"
        if not want:
            return None if not got else f"{at}: expected [], got {len(got)} elements"
        for i, w in enumerate(want):
            if not any(matches(w, g, at) is None for g in got):
                return f"{at}: no element matches {json.dumps(w, ensure_ascii=False)}"
        return None
    if isinstance(want, (int, float)) and not isinstance(want, bool) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return None if float(want) == float(got) else f"{at}: expected {want}, got {got}"
    return None if want == got else f"{at}: expected {json.dumps(want, ensure_ascii=False)}, got {json.dumps(got, ensure_ascii=False)}"


# ------------------------------------------------------------------------------ replaying


class Replay:
    def __init__(self, package, modules, base_url):
        self.package = package
        self.modules = modules
        self.base_url = base_url
        self.vars = Vars()
        self.calls = 0
        self.files = 0

    def client(self, as_user):
        if as_user is None:
            return self.package.Client(base_url=self.base_url, timeout=60.0)
        token = self.vars.saved.get(f"{as_user}.access_token")
        if token is None:
            raise Failure(f"{{{{{as_user}.access_token}}}} is not set")
        return self.package.AuthenticatedClient(base_url=self.base_url, token=token, timeout=60.0)

    def send(self, request):
        method = request["method"]
        raw_path = self.vars.text(request["path"])
        path, _, query = raw_path.partition("?")
        template, path_params = template_for(path)
        if template is None or method.lower() not in SPEC["paths"][template]:
            raise Failure(f"{method} {path} is not an operation of openapi.yaml")
        op = Operation(self.modules, method, template)
        kwargs = {}
        for name, value in path_params.items():
            key, arg = op.argument(name, value)
            kwargs[key] = arg
        for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
            key, arg = op.argument(name, value)
            kwargs[key] = arg
        for name, value in request.get("headers", {}).items():
            key, arg = op.argument(name, self.vars.text(value))
            kwargs[key] = arg
        if "body" in request:
            kwargs["body"] = op.body(self.vars.json(request["body"]))
        if "upload" in request:
            kwargs["body"] = self.upload(op, request["upload"])
        self.calls += 1
        return op, op.function(client=self.client(request.get("as")), **kwargs)

    def upload(self, op, upload):
        types = importlib.import_module(self.package.__name__ + ".types")
        data, name, mime = photo(upload)
        form = {"file": types.File(payload=io.BytesIO(data), file_name=name, mime_type=mime)}
        if "index" in upload:
            form["index"] = upload["index"]
        (kind,) = options(op.hints["body"])
        return kind(**form)

    def fetch_a_page(self, body):
        """The first page image an answer names, through the generated getFile with the parts
        the page gives (`image_file`): the signed URL needs no taking apart."""
        page = next(pages_in(body), None)
        if page is None or self.files:
            return
        parts = page["image_file"]
        res = self.modules["get_file"].sync_detailed(
            parts["token"], client=self.client(None), expires=parts["expires"], sig=parts["sig"]
        )
        self.calls += 1
        payload = res.parsed.payload.read() if res.status_code == 200 and res.parsed else b""
        if not payload.startswith(b"\xff\xd8"):
            raise Failure(f"getFile with a page's image_file answered {res.status_code}, not a JPEG")
        if page["image_url"] != f"{self.base_url}/v1/files/{parts['token']}?expires={parts['expires']}&sig={parts['sig']}":
            raise Failure(f"image_file {parts} are not the parts of image_url {page['image_url']}")
        self.files += 1

    def step(self, step):
        if "login" in step:
            name = step["login"]
            request = {
                "method": "POST",
                "path": "/v1/auth/login",
                "body": {"phone": step["phone"], "password": step.get("password", PASSWORD)},
            }
            expect = {"status": 200}
            save = {f"{name}.access_token": "/access_token", f"{name}.refresh_token": "/refresh_token", f"{name}.id": "/user/id"}
            body = self.check(request, expect, save)
            for field in ("district_id", "school_id"):
                for m in body["user"]["memberships"]:
                    if m.get(field):
                        self.vars.saved[f"{name}.{field}"] = m[field]
                        break
            return
        self.check(step["request"], step["expect"], step.get("save", {}))

    def check(self, request, expect, save):
        op, res = self.send(request)
        status = res.status_code
        content_type = res.headers.get("content-type", "")
        body = json.loads(res.content) if "json" in content_type and res.content else None
        if status != expect["status"]:
            raise Failure(f"{op.name} answered {status}, expected {expect['status']}: {res.content[:400]!r}")
        if res.content and res.parsed is None:
            raise Failure(f"{op.name}: the generated client could not read the {status} answer ({content_type})")
        if "code" in expect:
            got = body.get("code") if isinstance(body, dict) else None
            if got != expect["code"]:
                raise Failure(f"{op.name}: code {got!r}, expected {expect['code']!r}")
            if type(res.parsed).__name__ != "Problem":
                raise Failure(f"{op.name}: the client read the {status} answer as {type(res.parsed).__name__}, not a Problem")
        self.fetch_a_page(body)
        if "body" in expect:
            why = matches(self.vars.json(expect["body"]), body)
            if why:
                raise Failure(f"{op.name}: body {why}")
        for var, pointer in save.items():
            if pointer.startswith("header:"):
                value = res.headers.get(pointer[7:])
                if value is None:
                    raise Failure(f"{op.name}: no header {pointer[7:]} to save as {var}")
            else:
                value = resolve(body, self.vars.text(pointer))
                if value is None:
                    raise Failure(f"{op.name}: nothing at {pointer} to save as {var}")
            self.vars.saved[var] = value
        return body


def pages_in(value):
    """Every page (an object with `image_file`) in an answer."""
    if isinstance(value, dict):
        if value.get("image_file"):
            yield value
        for v in value.values():
            yield from pages_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from pages_in(v)


# ------------------------------------------------------------------------------ the server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A fresh `tingke serve --demo` on SQLite in a temporary folder."""

    def __init__(self, binary, settings):
        self.dir = tempfile.mkdtemp(prefix="tingke-client-")
        self.port = free_port()
        env = dict(os.environ, TINGKE_DATA_DIR=self.dir, TINGKE_BIND=f"127.0.0.1:{self.port}", RUST_LOG="warn")
        env.pop("DATABASE_URL", None)
        if "access_token_ttl_seconds" in settings:
            env["TINGKE_ACCESS_TOKEN_TTL"] = str(settings["access_token_ttl_seconds"])
        if "refresh_grace_seconds" in settings:
            env["TINGKE_REFRESH_GRACE_SECONDS"] = str(settings["refresh_grace_seconds"])
        self.log = open(Path(self.dir) / "server.log", "wb")
        self.process = subprocess.Popen([binary, "serve", "--demo"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        raise Failure("the server did not start: " + (Path(self.dir) / "server.log").read_text())

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_flow(package, modules, binary, path):
    flow = json.loads(path.read_text())
    server = Server(binary, flow.get("server", {}))
    replay = Replay(package, modules, server.url)
    try:
        for n, step in enumerate(flow["steps"], 1):
            if step.get("wait_seconds"):
                time.sleep(step["wait_seconds"])
            try:
                replay.step(step)
            except Failure as e:
                raise Failure(f"flow {flow['name']}, step {n}: {e}") from None
    finally:
        server.stop()
    return replay.calls, replay.files


def non_json_answers(package, modules, binary):
    """What no flow reads: the answers that are not JSON (a report as CSV, the spec as YAML, the
    import template), each through its generated function, read as the type the client gives."""
    server = Server(binary, {})
    try:
        replay = Replay(package, modules, server.url)
        replay.step({"login": "principal", "phone": "13800000001"})
        saved = replay.vars.saved
        client = replay.client("principal")
        terms = modules["list_terms"].sync_detailed(saved["principal.district_id"], client=client)
        term = json.loads(terms.content)["items"][0]["id"] if terms.status_code == 200 else None
        checks = [
            ("get_school_compliance_csv", (saved["principal.school_id"],), {"term_id": term}, str, "\ufeff"),
            ("get_mentorship_compliance_csv", (saved["principal.school_id"],), {"term_id": term}, str, "\ufeff"),
            ("get_open_api", (), {}, str, "openapi: 3.1"),
        ]
        for name, args, kwargs, kind, start in checks:
            res = modules[name].sync_detailed(*args, client=client, **kwargs)
            if res.status_code != 200 or not isinstance(res.parsed, kind) or not res.parsed.startswith(start):
                raise Failure(f"{name} answered {res.status_code}, read as {type(res.parsed).__name__}: {res.content[:200]!r}")
        res = modules["get_import_template"].sync_detailed(client=client)
        if res.status_code != 200 or not res.parsed.payload.read().startswith(b"PK"):
            raise Failure(f"get_import_template answered {res.status_code}, not a workbook")
        return len(checks) + 3
    finally:
        server.stop()


def main():
    client_dir, binary, *only = sys.argv[1:]
    package, modules = load_client(client_dir)
    failures, ran = [], 0
    for path in sorted(FLOWS.glob("*.json")):
        if only and path.stem not in only:
            continue
        started = time.monotonic()
        try:
            calls, files = run_flow(package, modules, binary, path)
            ran += 1
            pages = f", a page image by getFile" if files else ""
            print(f"ok   {path.stem}: {calls} calls through the generated client{pages}, {time.monotonic() - started:.1f}s")
        except Failure as e:
            failures.append(str(e))
            print(f"FAIL {e}")
    if not only:
        try:
            calls = non_json_answers(package, modules, binary)
            print(f"ok   CSV reports, the spec and the import template: {calls} calls through the generated client")
        except Failure as e:
            failures.append(str(e))
            print(f"FAIL {e}")
    if not ran and not failures:
        sys.exit("no flow replayed")
    if failures:
        sys.exit(f"{len(failures)} flow(s) failed through the generated client")


if __name__ == "__main__":
    main()
