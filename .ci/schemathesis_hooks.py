"""Schemathesis hooks for .ci/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

- A tus chunk (`PATCH /v1/uploads/{id}`, `application/offset+octet-stream`) is raw bytes:
  whatever schemathesis generates for it is sent as bytes.
- `GET /openapi.yaml` answers the spec as YAML text, and the spec says so (a string, which is
  what a generated client reads it as): the answer is checked as that text, not parsed.
"""

import schemathesis


@schemathesis.serializer("application/offset+octet-stream")
def tus_chunk(ctx, value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return str(value).encode()


# Every YAML media type: schemathesis picks the first registered one of the same family.
@schemathesis.deserializer(
    "application/yaml", "text/yaml", "text/x-yaml", "application/x-yaml", "text/vnd.yaml"
)
def yaml_as_text(ctx, response):
    return response.content.decode("utf-8")
