"""The severity of untyped records (server format, plain lines): words, not substrings.

Measured against 73,838 real typed records by bench/severity_bench.py (bench/README.md); here, one
case for each clause of the rule, from lines ConfigMgr and its clients write.
"""

from __future__ import annotations

import pytest

from scanner.sources.parse.severity import ERROR, INFO, WARNING, text_severity


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        # Errors: the word, anywhere, as a statement.
        ("ERROR: Failed to sync users with exception: (401) Unauthorized.", ERROR),
        ("The remote server returned an error: (401) Unauthorized.", ERROR),
        ("Failed to persist execution state. Error 0x(80070057)", ERROR),
        ("    + FullyQualifiedErrorId : LdapException", ERROR),  # PowerShell's error record
        ("Cannot read the registry key; error = 5.", ERROR),
        # A failed step is a warning: the checks that need ConfigMgr's failure lines match them.
        ("Failed to add user ann.lee@contoso.com; reason UserNotFound", WARNING),
        ("Installation failed and will be retried in the next polling cycle.", WARNING),
        ("TCP probe Phase 2 SD5: FAILED (IPs attempted: 3)", WARNING),
        # An explicit leading tag decides, whatever else the line says.
        ("WARNING: Failed to download easy setup payload with exception: ...", WARNING),
        ("Warning: component SMS_WSUS_CONTROL_MANAGER has not reported a heartbeat yet", WARNING),
        ("Error: connection failed", ERROR),
        ("[Error] the WMI namespace is missing", ERROR),
        # Words inside names are no statement.
        ("[IsWebExceptionRetryable] web exception status = ProtocolError", INFO),
        ("C:\\Windows\\IMECache\\HealthScripts\\a63d_PreDetectScript.error", INFO),
        ("DetectionScripts\\05d1_1.ps1quotedErrorFilePath.txt", INFO),
        ("Cluster failover completed", INFO),
        # Zero, empty and negated values, counters, settings.
        ("0 errors, 0 warnings", INFO),
        ("Uploaded 12 files, 0 failed uploads pending", INFO),
        ("No errors found", INFO),
        ("error = 0", INFO),
        ("write output done. output = Detected | , error =  | ", INFO),
        ("error from script = ", INFO),
        ("length of error=2", INFO),
        ("Starting user delta sync, raise failure status messages = True", INFO),
        ("Sending warning status message", INFO),
        ("Succeeded: 5, Failed: 0", INFO),
        # But a zero does not hide a later real statement.
        ("0 errors in the first pass; then an error: disk full", ERROR),
        # An HTTP error status is a warning.
        ("statuscode is 401", WARNING),
        ("all good", INFO),
    ],
)
def test_untyped_severity(text: str, severity: int) -> None:
    assert text_severity(text) == severity
