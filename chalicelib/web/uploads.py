"""An HTML form sent as multipart/form-data (a file upload), read strictly and within bounds.

Python's email parser (policy=default) splits the parts byte for byte; around it the same rules as the
urlencoded form reader (chalicelib/http.py): a bounded body and number of fields, field names of one line,
text values strictly UTF-8 without control characters, no field twice. Anything else is a 4xx.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from ..domain.errors import UnsupportedMediaType, ValidationError
from ..domain.text import one_line, unsafe_reason
from ..http import media_type, raw_body

MULTIPART = "multipart/form-data"
MAX_VALUE_CHARS = 10_000  # a text field's value
MAX_NAME_CHARS = 100


@dataclass
class UploadedFile:
    filename: str  # as the browser named it, made one line of text (for showing only)
    data: bytes


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)


def read_upload(request, limit: int, max_fields: int) -> Upload:
    """The form a page posted with enctype="multipart/form-data"."""
    body = raw_body(request, limit)  # 413 over the limit
    if media_type(request) != MULTIPART:
        raise UnsupportedMediaType(f"send the page's form ({MULTIPART})")
    content_type = request.headers.get("content-type") or ""
    if not content_type.isascii() or unsafe_reason(content_type, single_line=True):
        raise _unreadable("its Content-Type header is not one line of ASCII")
    message = BytesParser(policy=policy.default).parsebytes(
        b"Content-Type: " + content_type.encode("ascii") + b"\r\n\r\n" + body)
    if not message.is_multipart() or message.defects:
        raise _unreadable("its parts or boundary are malformed")
    upload = Upload()
    for count, part in enumerate(message.iter_parts(), start=1):
        if count > max_fields:
            raise ValidationError(f"a form has at most {max_fields} fields", {"body": "too many fields"})
        if not isinstance(part, EmailMessage) or part.is_multipart() or part.defects:
            raise _unreadable("a part is malformed")
        _add(upload, part)
    return upload


def _add(upload: Upload, part: EmailMessage) -> None:
    name = part.get_param("name", header="content-disposition")
    if part.get_content_disposition() != "form-data" or not isinstance(name, str):
        raise _unreadable("a part is not a form field")
    if len(name) > MAX_NAME_CHARS or not name.isascii() or unsafe_reason(name, single_line=True):
        raise ValidationError("a form field name is not one line of text", {"body": "bad field name"})
    if name in upload.fields or name in upload.files:
        raise ValidationError.field(name, "sent more than once")
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        raise _unreadable("a part has no content")
    filename = part.get_filename()
    if filename is not None:
        upload.files[name] = UploadedFile(one_line(filename)[:200], data)
        return
    try:
        value = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError.field(name, "not UTF-8") from None
    if len(value) > MAX_VALUE_CHARS:
        raise ValidationError.field(name, f"at most {MAX_VALUE_CHARS:,} characters")
    if problem := unsafe_reason(value):
        raise ValidationError.field(name, problem)
    upload.fields[name] = value


def _unreadable(why: str) -> ValidationError:
    return ValidationError(f"the form could not be read: {why}", {"body": "not a readable form"})
