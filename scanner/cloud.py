"""The configuration of the cloud side: realm discovery ([tenant]) and Microsoft Graph ([graph])."""

from __future__ import annotations

from dataclasses import dataclass

AUTHORITY = "https://login.microsoftonline.com"  # login.microsoftonline.us for US Government clouds
GRAPH = "https://graph.microsoft.com"


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantConfig:
    lookup: bool = True  # ask Microsoft's public sign-in endpoints about each domain (no credentials)
    authority: str = AUTHORITY
    ca_file: str = ""  # trust anchors instead of the system store
    tenant_id: str = ""  # the expected tenant; default: the SCP's azureADId, else most domains' tenant
    max_sync_age_hours: float = 3.0  # directory synchronization older than this is a finding (Graph)
    rate: float = 5.0  # requests per second, faster only as needed to finish within [scan] timeout
    evidence: str = ""  # offline instead: an evidence.json from `mdm-preflight collect` elsewhere


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphConfig:
    endpoint: str = GRAPH
    client_id: str = ""  # the app registration's application (client) ID
    tenant_id: str = ""  # the directory (tenant) ID it is registered in
    certificate: str = ""  # PEM with the private key, or PKCS#12 (.pfx / .p12)
    certificate_password_env: str = ""  # the name of an environment variable, never the password
    evidence: str = ""  # offline instead: an evidence.json from `mdm-preflight collect` elsewhere
