"""What of a URL may be shown: never a password, a token in a query string, or a user name
that could be a token.

Settings errors quote the value a person gave, `doctor` and `migrate` name the ledger and the
APIs they reach, and an exception message may carry a URL. Any of those values can hold a
secret: `postgresql://u:PASSWORD@db/x`, `https://api.runpod.io/graphql?api_key=rpa_…`,
`https://TOKEN@host/`. Every place that shows a URL-valued setting passes it (or the whole
message quoting it) through `redact_urls` first, so a secret planted anywhere in a URL never
reaches a terminal or a log. Stdlib only: the adapters, the settings and the CLI all use it.
"""

from __future__ import annotations

import re

MASK = "***"

# scheme://userinfo@ ; the userinfo runs to the last "@" before whitespace or a quote, so a
# password holding an unescaped "@" or "/" is masked whole.
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<info>[^\s'\"<>]*)@(?=[^\s'\"<>@]*(?:[\s'\"<>]|$))")
_QUERY_PAIR = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&;#\s'\"<>]*)=(?P<value>[^&;#\s'\"<>]*)")
# scheme://…#fragment: a fragment is never needed to reach an API, and a token pasted after "#"
# is as secret as one in the query string: everything after "#" is masked.
_FRAGMENT = re.compile(r"(?P<url>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>#]*)#[^\s'\"<>]+")
_HTTP = ("http://", "https://")
# Slack's and RunPod's token shapes: a token pasted into the wrong setting is quoted masked too.
_TOKEN = re.compile(r"\b(?P<kind>xox[abeoprs]-|xapp-|rpa_)[A-Za-z0-9-]+")


def redact_urls(text: str) -> str:
    """`text` with every URL's password (and, for http(s), its whole user info) and every
    query-string value replaced by `***`: `postgres://u:***@db/x`, `https://h/graphql?api_key=***`.

    Query values are all masked, whatever their name: a key passed as `?k=` is as secret as
    one passed as `?api_key=`; so is everything after a `#`."""
    text = _USERINFO.sub(_userinfo, text)
    text = _FRAGMENT.sub(lambda m: f"{m['url']}#{MASK}", text)
    return _QUERY_PAIR.sub(lambda m: f"{m['lead']}{m['name']}={MASK}" if m["value"] else m[0], text)


def redact_tokens(text: str) -> str:
    """`text` with anything shaped like a Slack or RunPod token cut to its kind: `xoxb-***`."""
    return _TOKEN.sub(lambda m: f"{m['kind']}{MASK}", text)


def _userinfo(match: re.Match[str]) -> str:
    scheme, info = match["scheme"], match["info"]
    if scheme.lower() in _HTTP or ":" not in info:
        # an http(s) user name is as often a token as a name; a database user alone is shown
        return f"{scheme}{MASK}@" if scheme.lower() in _HTTP else f"{scheme}{info}@"
    user = info.split(":", 1)[0]
    return f"{scheme}{user}:{MASK}@"

