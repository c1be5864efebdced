-- The slice of a ConfigMgr site database that the site rules read: reporting views and two base
-- tables, with the documented column names (lower case: PostgreSQL folds the scanner's mixed-case
-- names onto them). Tables stand in for the views; the scanner cannot tell the difference.

CREATE TABLE dbo.v_site (
  sitecode public.citext PRIMARY KEY, sitename public.citext, type integer,
  reportingsitecode public.citext,      -- '' or NULL for a stand-alone primary and for the CAS
  servername public.citext, status integer, version public.citext, buildnumber integer
);

CREATE TABLE dbo.v_systemresourcelist (
  servername public.citext, sitecode public.citext, rolename public.citext, nalpath public.citext,
  resourcetype public.citext DEFAULT 'System Resource Usage'
);

-- Base tables: a reporting account may not be allowed to read them (the role cmreport cannot).
CREATE TABLE dbo.sc_sysresuse (
  id integer PRIMARY KEY, nalpath public.citext, roletypeid integer, sitenumber integer
);
CREATE TABLE dbo.sc_sysresuse_property (
  sysresuseid integer REFERENCES dbo.sc_sysresuse (id), name public.citext,
  value1 public.citext, value2 public.citext, value3 integer
);

CREATE TABLE dbo.v_componentsummarizer (
  sitecode public.citext, machinename public.citext, componentname public.citext,
  tallyinterval public.citext, status integer, state integer, type integer DEFAULT 0,
  availabilitystate integer DEFAULT 0, errors integer DEFAULT 0, warnings integer DEFAULT 0,
  infos integer DEFAULT 0, laststarted timestamp, lastcontacted timestamp, lastheartbeat timestamp,
  heartbeatinterval integer DEFAULT 0, nextscheduledtime timestamp, componenttype public.citext
);

-- v_StatusMessage: Time is UTC; Severity a signed int (0xC0000000 error = -1073741824).
CREATE TABLE dbo.v_statusmessage (
  recordid bigint PRIMARY KEY, modulename public.citext DEFAULT 'SMS Server', messageid integer,
  severity integer, messagetype integer DEFAULT 256, component public.citext,
  machinename public.citext, time timestamp, sitecode public.citext, toplevelsitecode public.citext,
  win32error integer DEFAULT 0, perclient integer DEFAULT 0, processid integer, threadid integer
);
CREATE INDEX ON dbo.v_statusmessage (time);

CREATE TABLE dbo.v_statmsgwithinsstrings (
  recordid bigint PRIMARY KEY, messageid integer, severity integer, component public.citext,
  machinename public.citext, time timestamp,
  insstring1 public.citext, insstring2 public.citext, insstring3 public.citext, insstring4 public.citext,
  insstring5 public.citext, insstring6 public.citext, insstring7 public.citext, insstring8 public.citext,
  insstring9 public.citext, insstring10 public.citext
);

-- CollectionType 1 user, 2 device.
CREATE TABLE dbo.v_collection (
  collectionid public.citext PRIMARY KEY, name public.citext, collectiontype integer,
  membercount integer DEFAULT 0, limittocollectionid public.citext
);
CREATE TABLE dbo.v_fullcollectionmembership (
  collectionid public.citext, resourceid integer, name public.citext, domain public.citext,
  sitecode public.citext, isobsolete integer DEFAULT 0
);
CREATE INDEX ON dbo.v_fullcollectionmembership (collectionid);
