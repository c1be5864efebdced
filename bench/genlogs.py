"""Generate large, realistic ConfigMgr logs for benchmarks.

    python bench/genlogs.py --format sms|ccm --size 100M|1G --out FILE [--seed N]

The content is modelled on sample_logs/ (all names invented: contoso, CM01, site EC1):

- sms: the server `$$<` format. Cloudusersync delta-sync cycles every five minutes (user adds,
  `Failed to add user ...; reason UserNotFound`, cycles broken by a 401), interleaved with Sitecomp
  polling chatter (`already installed` lists, `SQL>>>>> ...~` continuations, STATMSG lines,
  component installs that succeed or fail), a rare multi-line SQL statement.
- ccm: the CMTrace format. dmpdownloader-like polling cycles (C++ records with 3-digit fractions
  and a `+300` bias, .NET records with 7-digit fractions and no bias), uploader, service connector
  and cloud connection chatter (non-padded dates, non-ASCII text); about 5% of the records are
  multi-line .NET exceptions; now and then two records share one physical line.

Errors and warnings are a few percent of the entries. Output is UTF-8 without BOM with CRLF line
endings, deterministic for a given seed and size, and written in ~1 MiB batches (constant memory).
Sizes: 1K = 2**10, 1M = 2**20, 1G = 2**30 bytes; the file ends at the first record past the size.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from samples.common import OTHER_COMPONENTS, SCP_COMPONENTS

UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
BATCH_BYTES = 1 << 20
START = date(2026, 11, 1)
BIAS = "+300"  # US Eastern standard time, as in the sample logs
SERVER = "CM01.corp.contoso.com"
USERS = ("ann.lee", "bob.marsh", "chen.wu", "dave.ortiz", "eva.novak", "farid.haddad", "greta.lund")
# The same component names as the bundled samples (make_samples.py lives in this folder).
INSTALLED, SCP = OTHER_COMPONENTS, SCP_COMPONENTS
EXCEPTIONS = (
    "ERROR: Failed to download Admin UI content payload with exception: System.Net.WebException: The "
    "underlying connection was closed: Could not establish trust relationship for the SSL/TLS secure "
    "channel. ---> System.Security.Authentication.AuthenticationException: The remote certificate is "
    "invalid according to the validation procedure.\r\n"
    "   at System.Net.TlsStream.EndWrite(IAsyncResult asyncResult)\r\n"
    "   at System.Net.ConnectStream.WriteHeadersCallback(IAsyncResult ar)\r\n"
    "   --- End of inner exception stack trace ---\r\n"
    "   at System.Net.WebClient.DownloadFile(Uri address, String fileName)\r\n"
    "   at Microsoft.ConfigurationManager.DmpConnector.Connector.Download.AdminUIContentDownloader."
    "DownloadPayload(String url, String target)\r\n"
    "   at Microsoft.ConfigurationManager.DmpConnector.Connector.Download.AdminUIContentDownloader.Run()",
    "Failed to check and load service signing certificate. System.ArgumentException: Fail to build chain\r\n"
    "   at Microsoft.ConfigurationManager.DmpConnector.Common.CertificateUtility.VerifyCertificateChain("
    "X509Certificate2 certificate, X509ChainPolicy policy)\r\n"
    "   at Microsoft.ConfigurationManager.DmpConnector.Common.CertificateUtility."
    "LoadServiceSigningCertificate(String storeName)\r\n"
    "   at Microsoft.ConfigurationManager.DmpConnector.Connector.Download.DmpDownloader."
    "CheckAndLoadSigningCertificate()",
    "Upload attempt {n} of 3 did not complete, retrying: System.Net.WebException: The remote server "
    "returned an error: (407) Proxy Authentication Required.\r\n"
    "   at System.Net.HttpWebRequest.GetResponse()\r\n"
    "   at Microsoft.ConfigurationManager.DmpConnector.Connector.Upload.DmpUploader.UploadFile(String path)",
    "Handled exception while reading the connector outbox, continuing: System.IO.IOException: The process "
    "cannot access the file 'C:\\Program Files\\Microsoft Configuration Manager\\inboxes\\dmpconnector.box"
    "\\outbox\\{n}.dat' because it is being used by another process.\r\n"
    "   at System.IO.__Error.WinIOError(Int32 errorCode, String maybeFullPath)\r\n"
    "   at System.IO.FileStream.Init(String path, FileMode mode, FileAccess access)\r\n"
    "   at Microsoft.ConfigurationManager.DmpConnector.Connector.Upload.OutboxReader.Next()",
)
EXCEPTION_TYPES = (3, 3, 2, 1)  # severity of each template above


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B")
    if text and text[-1] in UNITS:
        return int(float(text[:-1]) * UNITS[text[-1]])
    return int(text)


class Clock:
    """Local time as milliseconds since START, formatted without datetime on the hot path."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.ms, self._day, self._dates = rng, 9 * 3_600_000 + 5_123, -1, ("", "")

    def step(self, lo: int, hi: int) -> None:
        self.ms += self.rng.randint(lo, hi)

    def next_slot(self, period_s: int, jitter_ms: int = 3000) -> None:
        """Jump to the next multiple of period_s seconds (plus jitter), as a polling thread does."""
        period = period_s * 1000
        self.ms = (self.ms // period + 1) * period + self.rng.randint(0, jitter_ms)

    def now(self) -> tuple[str, str, str, int]:
        """(padded date, non-padded date, HH:MM:SS, milliseconds)."""
        day, rest = divmod(self.ms, 86_400_000)
        if day != self._day:
            d = START + timedelta(days=day)
            self._day, self._dates = day, (f"{d:%m-%d-%Y}", f"{d.month}-{d.day}-{d.year}")
        secs, ms = divmod(rest, 1000)
        h, secs = divmod(secs, 3600)
        m, s = divmod(secs, 60)
        return self._dates[0], self._dates[1], f"{h:02d}:{m:02d}:{s:02d}", ms


# ---------------------------------------------------------------- sms: $$< server format


def sms_records(rng: random.Random, clock: Clock) -> Iterator[str]:
    def line(msg: str, comp: str = "SMS_SITE_COMPONENT_MANAGER", thread: int = 4888) -> str:
        clock.step(0, 4)
        d, _, hms, ms = clock.now()
        return f"{msg}  $$<{comp}><{d} {hms}.{ms:03d}{BIAS}><thread={thread} (0x{thread:X})>\r\n"

    def sync(msg: str) -> str:
        return line(msg, "SMS_CLOUD_USERSYNC", 5236)

    def usersync() -> Iterator[str]:
        clock.next_slot(300)
        yield sync("Starting user delta sync, raise failure status messages = True")
        if rng.random() < 0.04:  # the service rejects the connector: the cycle never completes
            clock.step(300, 2500)
            yield sync(
                "ERROR: Failed to sync users with exception: System.Net.WebException: "
                "The remote server returned an error: (401) Unauthorized."
            )
            return
        received, added = rng.choice((0, 0, 0, 0, 0, 0, 1, 2, 3)), 0
        for _ in range(received):
            user = f"{rng.choice(USERS)}@contoso.com"
            clock.step(5, 60)
            yield sync(f"NotifyAccountAddition - SCCM user to add = {user}")
            if rng.random() < 0.2:
                clock.step(100, 900)
                yield sync(f"Failed to add user {user}; reason UserNotFound")
            else:
                added += 1
        removed = 1 if rng.random() < 0.03 else 0
        clock.step(20, 80)
        yield sync(
            f"Total received users to add from SCCM = {received}, "
            f"Total Successfully added users to Cloud = {added}"
        )
        yield sync(f"Total received users from SCCM to be removed from cloud = {removed}")
        yield sync(f"Successfully removed users from cloud {removed}")
        yield sync(f"UserDeltaSync:- Users Added = {added}, Users Removed = {removed}")

    def sitecomp() -> Iterator[str]:
        clock.step(1000, 60_000)
        yield line("Polling interval elapsed; starting component maintenance.")
        yield line("Reading the site control file...")
        clock.step(10, 40)
        yield line(
            "SQL>>>>> select ItemName, ItemType, SiteCode, SiteServer from SC_SysResUse "
            "where SiteCode = 'EC1' order by ItemName~"
        )
        clock.step(20, 150)
        yield line("SQL>>>>> Done.")
        yield line(f"Site Component Manager is checking the site system \\\\{SERVER}...")
        if rng.random() < 0.3:
            yield line(
                "SQL Server failover partner for database CM_EC1 is not configured; "
                "site database connections use the primary instance only."
            )
        for name in INSTALLED[: rng.randint(4, len(INSTALLED))]:
            yield line(f"Component {name} is already installed on {SERVER}, no action needed.")
        if rng.random() < 0.1:
            yield line(
                "Warning: component SMS_STATE_SYSTEM did not respond to a stop request within "
                "60 seconds; it will be restarted by SMS_EXECUTIVE."
            )
        if rng.random() < 0.4:
            yield line(
                f"Warning: component SMS_WSUS_CONTROL_MANAGER on {SERVER} has not reported a heartbeat "
                "yet; its status will be checked again in the next polling cycle."
            )
        if rng.random() < 0.05:
            yield line(
                "Error: Failed to query the service status of component SMS_NOTIFICATION_SERVER "
                f"on {SERVER}; win32 error = 1060."
            )
        if rng.random() < 0.03:  # a statement logged with real line breaks
            yield line(
                "SQL>>>>> update SC_Component_Property\r\n   set Value3 = N'Running'\r\n"
                "   where ComponentID = 42 and Name = N'Current State'"
            )
        yield line(f"Site Component Manager is finished checking the site system \\\\{SERVER}.")
        yield line(
            'Waiting for changes to the "C:\\Program Files\\Microsoft Configuration Manager\\inboxes'
            '\\sitecomp.box" directory, updates will be polled every 3600 seconds...'
        )

    def install() -> Iterator[str]:
        name = rng.choice(SCP)
        clock.step(1000, 20_000)
        yield line(f"Component {name} flagged for installation.")
        clock.step(2000, 9000)
        yield line(f"Installing component {name}...")
        yield line("Installing the component as a thread of SMS_EXECUTIVE...")
        yield line(
            'Executing "C:\\Program Files\\Microsoft Configuration Manager\\bin\\x64\\rolesetup.exe" '
            f"/install /siteserver:{SERVER} {name} 0"
        )
        clock.step(2500, 9000)
        yield line(f"Registering component {name} with SMS_EXECUTIVE...")
        yield line(f"Starting the component {name}...")
        ok = rng.random() < 0.6
        if not ok:
            yield line(f"Failed to install component {name}: the service failed to start (0x8007041D).")
            yield line("Installation failed and will be retried in the next polling cycle.")
        utc = START + timedelta(milliseconds=clock.ms + 5 * 3_600_000)
        yield line(
            f'STATMSG: ID={1015 if ok else 1016} SEV={"I" if ok else "E"} LEV=M SOURCE="SMS Server" '
            f'COMP="SMS_SITE_COMPONENT_MANAGER" SYS={SERVER} SITE=EC1 PID=2168 TID=4888 '
            f'GMTDATE={utc:%a %b %d %H:%M:%S}.{clock.ms % 1000:03d} {utc.year} ISTR0="{name}" '
            f'ISTR1="{SERVER}" ISTR2="" ISTR3="" ISTR4="" ISTR5="" ISTR6="" ISTR7="" ISTR8="" '
            'ISTR9="" NUMATTRS=0'
        )

    blocks = [usersync] * 12 + [sitecomp] * 2 + [install]
    while True:
        yield from rng.choice(blocks)()


# ---------------------------------------------------------------- ccm: CMTrace format


def ccm_records(rng: random.Random, clock: Clock) -> Iterator[str]:
    comp, thread = "", 0  # of the block being written

    def rec(msg: str, src: str, typ: int = 1, dotnet: bool = True) -> str:
        head = ""
        if "\n" not in msg and rng.random() < 0.05:  # a multi-line .NET exception comes first
            i = rng.randrange(len(EXCEPTIONS))
            text = EXCEPTIONS[i].replace("{n}", str(rng.randint(1, 99_999)))
            head = rec(text, "Connector.cs:412", EXCEPTION_TYPES[i])
        clock.step(0, 30)
        d, short, hms, ms = clock.now()
        # .NET components write a 7-digit fraction and no bias; C++ ones 3 digits and the bias.
        time = f"{hms}.{ms:03d}{rng.randrange(10_000):04d}" if dotnet else f"{hms}.{ms:03d}{BIAS}"
        day = short if comp == "SMS_CLOUDCONNECTION" else d
        sep = "" if rng.random() < 0.002 else "\r\n"  # now and then two records on one line
        return (
            f'{head}<![LOG[{msg}]LOG]!><time="{time}" date="{day}" component="{comp}" context="" '
            f'type="{typ}" thread="{thread}" file="{src}">{sep}'
        )

    def downloader() -> Iterator[str]:
        clock.next_slot(3600, 9000)
        yield rec("Checking for easy setup payload updates...", "DmpDownloader.cs:204")
        yield rec("Download manifest.cab", "EasySetupDownloader.cpp:88", dotnet=False)
        if rng.random() < 0.15:
            clock.step(800, 2500)
            yield rec(
                "WARNING: Failed to download easy setup payload with exception: The underlying connection "
                "was closed: Could not establish trust relationship for the SSL/TLS secure channel.",
                "EasySetupDownloader.cs:302",
                2,
            )
            yield rec("WARNING: Retry in the next polling cycle", "EasySetupDownloader.cs:318", 2)
        else:
            clock.step(120, 600)
            url = "https://go.microsoft.com/fwlink/?LinkID=000001"
            yield rec(f"Redirected to URL {url}", "EasySetupDownloader.cpp:141", dotnet=False)
            clock.step(400, 1800)
            yield rec(
                "File 'C:\\Program Files\\Microsoft Configuration Manager\\EasySetupPayload\\"
                "ConfigMgr.Update.Manifest.cab' is signed and trusted.",
                "EasySetupDownloader.cpp:217",
                dotnet=False,
            )
            thumb = f"{rng.getrandbits(160):040X}"
            yield rec(f"Signing root cert's thumbprint: {thumb}", "EasySetupDownloader.cpp:224", dotnet=False)
            yield rec("Finished calling verify manifest", "EasySetupDownloader.cpp:230", dotnet=False)
            clock.step(20, 200)
            moved = "Manifest.cab was successfully moved to the connector outbox"
            yield rec(moved, "EasySetupDownloader.cpp:262", dotnet=False)
        yield rec("Sleep 3600 seconds...", "DmpDownloader.cs:240")

    def uploader() -> Iterator[str]:
        clock.step(20_000, 300_000)
        files = rng.choice((0, 0, 1, 2, 5))
        yield rec(f"Looking for files in outbox, found {files}", "DmpUploader.cs:87")
        for i in range(files):
            clock.step(50, 900)
            name, kb = f"{rng.getrandbits(64):016x}.dat", rng.randint(2, 900)
            yield rec(f"Uploading file {name} ({i + 1} of {files}), {kb} KB", "DmpUploader.cs:133")
        if files and rng.random() < 0.1:
            failed = "Upload did not complete; 9605 DMP_UPLOADER_UPLOAD_FAILED will be raised"
            yield rec(failed, "DmpUploader.cs:190", 2)
        yield rec("Sleep 300 seconds...", "DmpUploader.cs:240")

    def connection() -> Iterator[str]:
        clock.step(30_000, 600_000)
        src = "CloudConnectionManager.cs"
        yield rec("Cloud connection check started for service 'Microsoft Intune'.", f"{src}:212")
        yield rec(
            f"Using service certificate {rng.getrandbits(160):040X} (CN=Contoso Intune Tenant, für EC1), "
            "valid until 11-24-2027 05:58:00 (bias +300).",
            "CertificateStore.cs:77",
        )
        for host in ("manage.microsoft.com", "login.microsoftonline.com", "bspmts.mp.microsoft.com/V"):
            clock.step(30, 400)
            if rng.random() < 0.02:
                yield rec(
                    f"Connection to https://{host} failed: The operation has timed out.", f"{src}:266", 3
                )
            else:
                yield rec(f"Connection to https://{host} succeeded (HTTP 200).", f"{src}:259")
        yield rec("Cloud connection check completed.", f"{src}:295")

    blocks = {
        downloader: ("SMS_DMP_DOWNLOADER", 6044),
        uploader: ("SMS_DMP_UPLOADER", 6112),
        connection: ("SMS_CLOUDCONNECTION", 3372),
    }
    weighted = [downloader, uploader, uploader, connection, connection]
    while True:
        block = rng.choice(weighted)
        comp, thread = blocks[block]
        yield from block()


def generate(fmt: str, size: int, out: Path, seed: int = 1) -> int:
    """Write at least `size` bytes of `fmt` records to `out`; return the bytes written."""
    rng = random.Random(f"{fmt}:{seed}")
    records = (sms_records if fmt == "sms" else ccm_records)(rng, Clock(rng))
    written = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with tmp.open("wb") as fh:
        while written < size:
            batch, n = [], 0
            while n < BATCH_BYTES and written + n < size:
                rec = next(records)
                batch.append(rec)
                n += len(rec)  # characters: close enough for batching, bytes counted below
            data = "".join(batch).encode("utf-8")
            fh.write(data)
            written += len(data)
    tmp.replace(out)  # a half-written file never looks complete
    return written


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--format", choices=("sms", "ccm"), required=True)
    ap.add_argument("--size", required=True, help="e.g. 100M, 1G, 512K or a byte count")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    n = generate(args.format, parse_size(args.size), args.out, args.seed)
    print(f"{args.out}: {n:,} bytes")


if __name__ == "__main__":
    main()
