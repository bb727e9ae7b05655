"""Text we did not write, made safe to print or store: terminal escapes stripped, secrets in URLs redacted."""

from __future__ import annotations

import json
import re
from typing import TextIO
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# This package imports nothing from the project, so that every layer (ingestion, warehouse, analytics,
# orchestration) may use the same two functions: `terminal_safe` and `redact_url`/`redact_text`.

# ECMA-48 sequences a terminal acts on, removed whole: CSI (ESC [ or 0x9B, parameters, final byte); OSC, DCS,
# SOS, PM and APC strings up to their terminator (BEL, ESC \ or 0x9C); any other ESC sequence (intermediates,
# final byte). The string body stops at the next ESC, so a text of many unterminated openers stays linear.
TERMINAL_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL, C1: whatever a sequence above left behind
CONTROL_KEEP_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # the same, but newline and tab stay

# Query parameters whose value is a secret (compared case-insensitively, `-` read as `_`).
SECRET_PARAMS = frozenset({"token", "key", "secret", "password", "passwd", "pwd", "sig", "signature",
                           "access_token", "api_key", "apikey", "auth", "client_secret", "refresh_token",
                           "id_token", "x-amz-signature", "x_amz_signature", "x-goog-signature"})
MASK = "***"
_URL = re.compile(r"""[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'<>`]+""")
_PARAM_IN_TEXT = re.compile(r"(?<=[?&;])([A-Za-z0-9_.\-]+)=([^&\s\"'<>`#]*)")
_USERINFO_IN_TEXT = re.compile(r"(?<=://)[^/\s@\"'<>`]+@")
_SIGNATURE_IN_JSON = re.compile(r'("signature"\s*:\s*")[^"]*(")')


def terminal_safe(text: str, keep_lines: bool = False) -> str:
    """`text` without escape sequences and C0/C1 control characters (newline and tab kept if `keep_lines`)."""
    text = TERMINAL_SEQUENCE.sub("", str(text))
    return (CONTROL_KEEP_LINES if keep_lines else CONTROL).sub("", text)


def _is_secret(name: str) -> bool:
    return name.lower().replace("-", "_") in SECRET_PARAMS or name.lower() in SECRET_PARAMS


def _redact_policy(value: str) -> str:
    """Airtable's `accessPolicy` query value: a JSON object whose `signature` is the secret part."""
    try:
        policy = json.loads(value)
    except ValueError:
        return _SIGNATURE_IN_JSON.sub(rf"\g<1>{MASK}\g<2>", value)
    if isinstance(policy, dict) and "signature" in policy:
        policy["signature"] = MASK
        return json.dumps(policy, separators=(",", ":"))
    return value


def redact_url(url: str) -> str:
    """`url` with its userinfo and secret-named query parameters (and Airtable's policy signature) as ***."""
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return redact_text_fallback(text)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        changed = False
        out = []
        for name, value in pairs:
            if _is_secret(name):
                value, changed = MASK, True
            elif name == "accessPolicy":
                new = _redact_policy(value)
                value, changed = new, changed or new != value
            out.append((name, value))
        if changed:
            query = urlencode(out, quote_via=quote, safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text_fallback(text: str) -> str:
    text = _USERINFO_IN_TEXT.sub(f"{MASK}@", text)
    text = _PARAM_IN_TEXT.sub(lambda m: f"{m.group(1)}={MASK}" if _is_secret(m.group(1)) else m.group(0), text)
    return _SIGNATURE_IN_JSON.sub(rf"\g<1>{MASK}\g<2>", text)


def redact_text(text: str) -> str:
    """Free text (an error line, a log line) with every URL in it redacted as `redact_url` does, and secret
    query parameters of path-only URLs (`/x?token=...`) and `user:pass@` fragments masked too."""
    text = _URL.sub(lambda m: redact_url(m.group(0)), str(text))
    return redact_text_fallback(text)


def origin_only(url: str) -> str:
    """How a webhook is shown: scheme and host (and port) only, never its path, query or userinfo."""
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unparsable URL)"
    return f"{parts.scheme or '?'}://{host}{port}"


def safe_line(text: str) -> str:
    """One printable line: secrets redacted, escape sequences and control characters removed, spaces collapsed."""
    return " ".join(terminal_safe(redact_text(text), keep_lines=True).split())


class CleanWriter:
    """A text stream whose writes are redacted and stripped of terminal escapes (newline and tab kept): what the
    CLI prints and what goes to logs/ passes through it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal_safe(redact_text(text), keep_lines=True))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):  # flush, fileno, isatty, encoding, close ...
        return getattr(self._stream, name)
