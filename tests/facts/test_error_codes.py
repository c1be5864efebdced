"""Windows error codes in log lines, in plain words, from the one data file (scanner/error_codes.toml)."""

from __future__ import annotations

import time

from scanner.facts import error_codes
from scanner.facts.error_codes import describe, explain


def test_win32_codes_wrapped_in_an_hresult_are_read_from_their_number() -> None:
    assert describe(0x8007041D).endswith("in a timely fashion (Windows error 1053)")
    assert describe(0x80070005).startswith("Access is denied")
    # WinHTTP/WinINet numbers (12xxx) come the same way: the classic SCP certificate failure.
    assert "TLS-inspecting proxy" in describe(0x80072F8F) and "12175" in describe(0x80072F8F)


def test_whole_hresults_and_unknown_codes() -> None:
    assert "CERT_E_UNTRUSTEDROOT" in describe(0x800B0109)
    assert describe(0x87D00215) == ""  # not in the table and not Windows here: nothing invented
    assert describe(0x8007FFFE) == ""


def test_codes_are_found_in_messages_but_thread_ids_and_other_numbers_are_not() -> None:
    line = (
        "Failed to install component SMS_CLOUD_USERSYNC: the service failed to start (0x8007041D). "
        "$$<SMS_SITE_COMPONENT_MANAGER><11-25-2026 12:25:18.254+300><thread=4888 (0x1318)>"
    )
    assert explain([line]) == [
        "0x8007041D: The service did not respond to the start or control request in a timely fashion "
        "(Windows error 1053)"
    ]
    assert explain(["id 0x8007041D0 and x0x80070005 and 0x12345678"]) == []  # not whole codes
    assert explain(["0X80070005 twice 0x80070005"]) == [
        "0x80070005: Access is denied: the account lacks a permission (Windows error 5)"
    ]


def test_at_most_five_distinct_codes_in_first_seen_order() -> None:
    codes = ["0x80070002", "0x80070003", "0x80070005", "0x8007041D", "0x80072EE7", "0x80072EFD"]
    got = explain([" ".join(codes)])
    assert [g.split(":")[0] for g in got] == codes[:5]


def test_the_table_loads_and_every_entry_reads_as_words() -> None:
    hresults, win32 = error_codes._table()
    assert len(hresults) >= 20 and len(win32) >= 35
    assert all(code >> 31 == 1 for code in hresults)  # failure codes only
    assert all(text[0].isupper() and "  " not in text for text in [*hresults.values(), *win32.values()])


def test_hostile_text_costs_linear_time() -> None:
    text = "0x8" * 200_000 + "0x" + "F" * 200_000
    t0 = time.perf_counter()
    assert explain([text]) == []
    assert time.perf_counter() - t0 < 1.0
