"""The CMTrace-format logs: dmpdownloader.log (UTF-16) and SMS_CLOUDCONNECTION.log (a cut head)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from samples.common import BIAS, INSTALL_DIR, Clock, Rng

# --------------------------------------------------------------------------
# CMTrace ("CCM") format
# --------------------------------------------------------------------------


@dataclass
class CcmRec:
    t: datetime
    msg: str
    typ: int = 1
    thread: int = 0
    file: str = ""
    seven: bool = False  # 7-digit fraction, no bias (.NET writer)
    style: str = "normal"  # normal | reordered | upper
    sep: str = "\r\n"  # what follows the record ("" = next record on the same line)


def ccm_time(r: CcmRec, rng: Rng) -> str:
    base = f"{r.t.hour:02d}:{r.t.minute:02d}:{r.t.second:02d}"
    if r.seven:
        return f"{base}.{r.t.microsecond:06d}{rng.between(0, 9)}"
    return f"{base}.{r.t.microsecond // 1000:03d}+{BIAS}"


def ccm_date(t: datetime, short_days: bool) -> str:
    if short_days and t.day < 10:
        return f"{t.month}-{t.day}-{t.year}"
    return f"{t.month:02d}-{t.day:02d}-{t.year:04d}"


def ccm_attrs(r: CcmRec, comp: str, rng: Rng, short_days: bool) -> str:
    a = {
        "time": ccm_time(r, rng),
        "date": ccm_date(r.t, short_days),
        "component": comp,
        "context": "",
        "type": str(r.typ),
        "thread": str(r.thread),
        "file": r.file,
    }
    if r.style == "normal":
        keys = ["time", "date", "component", "context", "type", "thread", "file"]
    elif r.style == "reordered":
        keys = ["date", "time", "type", "component", "thread", "context", "file"]
    elif r.style == "upper":
        keys = ["time", "date", "component", "context", "type", "thread", "file"]
        return " ".join(f'{k.upper()}="{a[k]}"' for k in keys)
    else:
        raise ValueError(r.style)
    return " ".join(f'{k}="{a[k]}"' for k in keys)


def ccm_text(
    recs: list[CcmRec], comp: str, seed: int, short_days: bool = False, head_fragment: str | None = None
) -> str:
    rng = Rng(seed)
    parts = []
    for i, r in enumerate(recs):
        if "]LOG]!>" in r.msg:
            raise ValueError("message contains the record terminator")
        attrs = ccm_attrs(r, comp, rng, short_days)
        if i == 0 and head_fragment is not None:
            parts.append(f"{head_fragment}]LOG]!><{attrs}>{r.sep}")
        else:
            parts.append(f"<![LOG[{r.msg}]LOG]!><{attrs}>{r.sep}")
    return "".join(parts)


# --------------------------------------------------------------------------
# dmpdownloader.log (CCM, UTF-16 LE with BOM)
# --------------------------------------------------------------------------

DMP_COMP = "SMS_DMP_DOWNLOADER"
DMP_BREAK = datetime(2026, 11, 24, 6, 0, 0)
MANIFEST = f"{INSTALL_DIR}\\EasySetupPayload\\ConfigMgr.Update.Manifest.cab"

TLS_STACK = "\r\n".join(
    [
        "ERROR: Failed to download Admin UI content payload with exception: "
        "System.Net.WebException: The underlying connection was closed: Could not establish "
        "trust relationship for the SSL/TLS secure channel. ---> "
        "System.Security.Authentication.AuthenticationException: The remote certificate is "
        "invalid according to the validation procedure.",
        "   at System.Net.TlsStream.EndWrite(IAsyncResult asyncResult)",
        "   at System.Net.ConnectStream.WriteHeadersCallback(IAsyncResult ar)",
        "   --- End of inner exception stack trace ---",
        "   at System.Net.WebClient.DownloadFile(Uri address, String fileName)",
        "   at Microsoft.ConfigurationManager.DmpConnector.Connector.Download"
        ".AdminUIContentDownloader.DownloadPayload(String url, String target)",
        "   at Microsoft.ConfigurationManager.DmpConnector.Connector.Download.AdminUIContentDownloader.Run()",
    ]
)
CHAIN_STACK = "\r\n".join(
    [
        "Failed to check and load service signing certificate. System.ArgumentException: Fail to build chain",
        "   at Microsoft.ConfigurationManager.DmpConnector.Common.CertificateUtility"
        ".VerifyCertificateChain(X509Certificate2 certificate, X509ChainPolicy policy)",
        "   at Microsoft.ConfigurationManager.DmpConnector.Common.CertificateUtility"
        ".LoadServiceSigningCertificate(String storeName)",
        "   at Microsoft.ConfigurationManager.DmpConnector.Connector.Download.DmpDownloader"
        ".CheckAndLoadSigningCertificate()",
    ]
)


def dmpdownloader() -> list[CcmRec]:
    rng = Rng(5505)
    thread = 6044
    recs: list[CcmRec] = []
    clk = Clock(datetime(2026, 11, 24, 0, 14, 7, 311000), rng)

    def add(msg: str, typ: int = 1, file: str = "", lo: int = 3, hi: int = 60, seven: bool = False) -> None:
        t = clk.tick(lo, hi)
        if seven:  # .NET writer: full microsecond precision
            t += timedelta(microseconds=rng.between(0, 999))
            clk.t = t
        recs.append(CcmRec(t, msg, typ, thread, file, seven))

    def cs(msg: str, typ: int = 1, file: str = "DmpDownloader.cs:118", lo: int = 3, hi: int = 60) -> None:
        add(msg, typ, file, lo, hi, seven=True)

    first = clk.t
    cs("SMS_DMP_DOWNLOADER thread started. Polling interval is 3600 seconds.", lo=0, hi=1)
    cs("Tenant display name: Contoso Gesellschaft für Beispiele (contoso.onmicrosoft.com)")
    cs("Payload list: EasySetupPayload|AdminUIContent|ConfigMgr.Update.Manifest", file="DmpDownloader.cs:131")
    chain_logged = 0
    hostile_logged = False
    for hour in range(0, 36):
        if hour:
            clk.jump_to(first + timedelta(hours=hour) + rng.ms(0, 900))
        healthy = clk.t < DMP_BREAK
        cs("Checking for easy setup payload updates...", file="DmpDownloader.cs:204", lo=0, hi=1)
        add("Download manifest.cab", file="EasySetupDownloader.cpp:88")
        if healthy:
            add(
                "Redirected to URL https://go.microsoft.com/fwlink/?LinkID=000001",
                file="EasySetupDownloader.cpp:141",
                lo=120,
                hi=600,
            )
            add(
                f"File '{MANIFEST}' is signed and trusted.",
                file="EasySetupDownloader.cpp:217",
                lo=400,
                hi=1800,
            )
            add("Finished calling verify manifest", file="EasySetupDownloader.cpp:230")
            add(
                "Manifest.cab was successfully moved to the connector outbox",
                file="EasySetupDownloader.cpp:262",
                lo=20,
                hi=200,
            )
        else:
            cs(
                "WARNING: Failed to download easy setup payload with exception: The underlying "
                "connection was closed: Could not establish trust relationship for the SSL/TLS "
                "secure channel.",
                typ=2,
                file="EasySetupDownloader.cs:302",
                lo=800,
                hi=2500,
            )
            if not hostile_logged:
                cs(
                    "Proxy response body (first 64 characters): "
                    "<html><body><script>alert(1)</script></body></html>",
                    typ=2,
                    file="EasySetupDownloader.cs:311",
                )
                hostile_logged = True
            cs("WARNING: Retry in the next polling cycle", typ=2, file="EasySetupDownloader.cs:318")
            if hour % 8 == 6:
                cs(TLS_STACK, typ=3, file="AdminUIContentDownloader.cs:97", lo=200, hi=900)
            if hour % 12 == 6:
                cs(CHAIN_STACK, typ=3, file="CertificateUtility.cs:64", lo=20, hi=200)
                chain_logged += 1
        cs("Sleep 3600 seconds...", file="DmpDownloader.cs:240")
    if chain_logged < 2:
        raise AssertionError("expected the chain error at least twice")
    return recs


# --------------------------------------------------------------------------
# SMS_CLOUDCONNECTION.log (CCM, UTF-8 with BOM)
# --------------------------------------------------------------------------

CC_COMP = "SMS_CLOUDCONNECTION"
CERT_EXPIRY = datetime(2026, 11, 24, 5, 58, 0)
THUMBPRINT = "5E0C3A9D1B7F42E68A0D9C3B71F04E2A6D8B19C5"  # invented


def cloudconnection() -> tuple[list[CcmRec], str]:
    rng = Rng(6606)
    thread = 3372
    recs: list[CcmRec] = []
    first = datetime(2026, 11, 7, 9, 41, 3, 207000)
    clk = Clock(first, rng)

    def add(
        msg: str,
        typ: int = 1,
        file: str = "CloudConnectionManager.cs:212",
        lo: int = 3,
        hi: int = 80,
        style: str = "normal",
        sep: str = "\r\n",
    ) -> None:
        recs.append(CcmRec(clk.tick(lo, hi), msg, typ, thread, file, False, style, sep))

    # First record: only its tail survived the rollover.
    head = "d cloud service endpoints for tenant contoso.onmicrosoft.com; 3 of 3 reachable"
    recs.append(CcmRec(first, "", 1, thread, "CloudConnectionManager.cs:288"))
    add("Cloud connection check completed.", file="CloudConnectionManager.cs:295")
    n = 0
    t = first
    while True:
        t = first + timedelta(hours=3 * (n + 1))
        if t > datetime(2026, 11, 25, 12, 0):
            break
        n += 1
        clk.jump_to(t + rng.ms(0, 2000))
        expired = clk.t >= CERT_EXPIRY
        if n == 5:  # two records on one physical line
            add("Cloud connection check started for service 'Microsoft Intune'.", lo=0, hi=1, sep="")
        else:
            add(
                "Cloud connection check started for service 'Microsoft Intune'.",
                lo=0,
                hi=1,
                style="reordered" if n in (9, 31) else "normal",
            )
        if clk.t.hour < 3 or n == 1:  # certificate details once a day
            add(
                f"Using service certificate {THUMBPRINT} (CN=Contoso Intune Tenant, für EC1), "
                f"valid until 11-24-2026 05:58:00 (bias +{BIAS}).",
                file="CertificateStore.cs:77",
            )
        days_left = (CERT_EXPIRY - clk.t).days
        if not expired and days_left < 7 and clk.t.hour < 3:
            add(
                f"WARNING: The Intune service certificate expires in {days_left} day(s). "
                "Renew the subscription certificate.",
                typ=2,
                file="CertificateStore.cs:91",
                style="upper" if days_left == 3 else "normal",
            )
        if n == 44:
            add("", file="CloudConnectionManager.cs:240")
        if expired:
            add(
                "Connection to https://manage.microsoft.com failed: The remote server "
                "returned an error: (401) Unauthorized.",
                typ=3,
                file="CloudConnectionManager.cs:266",
                lo=200,
                hi=900,
            )
            add(
                "Cloud connection check failed for service 'Microsoft Intune'; "
                "1 of 3 endpoints rejected the service certificate.",
                typ=3,
                file="CloudConnectionManager.cs:288",
            )
        else:
            add(
                "Connection to https://manage.microsoft.com succeeded (HTTP 200).",
                file="CloudConnectionManager.cs:259",
                lo=200,
                hi=900,
            )
            add(
                "Checked cloud service endpoints for tenant contoso.onmicrosoft.com; 3 of 3 reachable",
                file="CloudConnectionManager.cs:288",
            )
        add("Cloud connection check completed.", file="CloudConnectionManager.cs:295")
    return recs, head
