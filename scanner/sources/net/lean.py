"""ldap3's SYNC strategy with a lean decoding of search entries, for the directory source's user pages.

ldap3 turns every entry into two case-insensitive dicts, the raw values and the values formatted
one by one (each value looks up four configuration parameters): at 50,000 users that is half of the
directory source's own CPU time. While `lean` is set, an entry is only its raw DN and {lower-case
attribute name: [raw values]}; the source decodes the few values it reads as ldap3 would
(directory.text). Everything else on the connection (the bind, the root DSE, the other searches)
is decoded by ldap3 as before.

Imported only when a directory is read: it imports ldap3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ldap3.strategy.sync import SyncStrategy

SEARCH_ENTRY = 4  # protocolOp of a searchResEntry


class LeanSync(SyncStrategy):  # type: ignore[misc]  # ldap3 ships no type hints
    lean = False

    def decode_response_fast(self, ldap_message: dict[str, Any]) -> dict[str, Any]:
        if not self.lean or ldap_message["protocolOp"] != SEARCH_ENTRY:
            return super().decode_response_fast(ldap_message)  # type: ignore[no-any-return]
        # ldap3's fast decoder gives (class, constructed, tag, value) tuples: [0] the DN, [1] the
        # attributes, each ((..., name), (..., [(..., value), ...])).
        dn, attributes = ldap_message["payload"][0][3], ldap_message["payload"][1][3]
        raw = {str(a[3][0][3], "ascii", "replace").lower(): [v[3] for v in a[3][1][3]] for a in attributes}
        return {"type": "searchResEntry", "raw_dn": dn, "raw": raw}


def use(conn: Any) -> None:
    """Make a SYNC connection's strategy this one (lean off until asked). The instance stays: ldap3's
    connection holds its bound methods (send, open, get_response, ...), which then find this
    class's decode_response_fast."""
    if type(conn.strategy) is not SyncStrategy:
        raise TypeError(f"lean decoding needs ldap3's SYNC strategy, not {type(conn.strategy).__name__}")
    conn.strategy.__class__ = LeanSync


@contextmanager
def entries(conn: Any) -> Iterator[None]:
    """Searches inside are decoded lean, without ldap3's passes over each entry's formatted values
    (empty lists for attributes not returned, range retrieval): the reader takes a missing attribute
    for an empty one, and none of the user attributes is multi-valued."""
    saved = conn.auto_range, conn.empty_attributes
    conn.strategy.lean, conn.auto_range, conn.empty_attributes = True, False, False
    try:
        yield
    finally:
        conn.strategy.lean = False
        conn.auto_range, conn.empty_attributes = saved
