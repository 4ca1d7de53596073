-- impex schema: the single source of truth for every table.
--
-- Table and column names mirror Intershop Order Management (IOM): double-quoted camelCase.
-- SQLite table names are case-insensitive; IOM's schema prefixes (oms., customer.) are
-- stripped by `impex sql`, so all tables live in one namespace.
--
-- Conventions
--   * ids are INTEGER PRIMARY KEY; sequences ("X_id_seq") are emulated by impex (see
--     "impexSequence") and start at 10000 like IOM's.
--   * booleans are INTEGER 0/1 (TRUE/FALSE in scripts).
--   * timestamps are TEXT 'YYYY-MM-DD HH:MM:SS.SSS' in UTC (now(), current_timestamp and
--     every column default produce this format).
--   * money is INTEGER minor units where the file formats use minor units.
--
-- This file is idempotent (IF NOT EXISTS everywhere): `impex init` runs it on new and old
-- databases alike; column changes to existing tables are explicit steps in src/db/migrate.rs.

-- ===================================================================================
-- impex bookkeeping
-- ===================================================================================

CREATE TABLE IF NOT EXISTS "impexSequence" (
    "name"  TEXT PRIMARY KEY,          -- e.g. ShopDO_id_seq
    "value" INTEGER NOT NULL           -- last value handed out by nextval()
);

-- ===================================================================================
-- Reference data (*DefDO): loaded by `impex init` from seed/reference.sql
-- ===================================================================================

CREATE TABLE IF NOT EXISTS "DocumentFormatDefDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

CREATE TABLE IF NOT EXISTS "DocumentTypeDefDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

CREATE TABLE IF NOT EXISTS "TransmissionTypeDefDO" (
    "id"              INTEGER PRIMARY KEY,
    "name"            TEXT NOT NULL UNIQUE,
    "description"     TEXT,
    "roleDefRef"      INTEGER,
    "messageTypeName" TEXT
);

CREATE TABLE IF NOT EXISTS "ExecutionBeanDefDO" (
    "id"                 INTEGER PRIMARY KEY,
    -- real configurations insert (id, "decisionBeanDefRef", description) only
    "name"               TEXT UNIQUE,
    "description"        TEXT,
    "decisionBeanDefRef" INTEGER REFERENCES "DecisionBeanDefDO"("id")
);

CREATE TABLE IF NOT EXISTS "ExecutionBeanKeyDefDO" (
    "id"                  INTEGER PRIMARY KEY,
    "executionBeanDefRef" INTEGER NOT NULL REFERENCES "ExecutionBeanDefDO"("id"),
    "parameterKey"        TEXT NOT NULL,
    "description"         TEXT,
    "parameterTypeDefRef" INTEGER,
    "mandatory"           INTEGER CHECK ("mandatory" IN (0,1)),
    "defaultValue"        TEXT,
    "activeOMT"           INTEGER CHECK ("activeOMT" IN (0,1)),
    UNIQUE ("executionBeanDefRef", "parameterKey")
);

CREATE TABLE IF NOT EXISTS "DecisionBeanDefDO" (
    "id"          INTEGER PRIMARY KEY,
    -- real configurations insert (id, description) only
    "name"        TEXT UNIQUE,
    "description" TEXT
);

CREATE TABLE IF NOT EXISTS "MergeTypeDefDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

CREATE TABLE IF NOT EXISTS "JobDefDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

CREATE TABLE IF NOT EXISTS "TransformerBeanDefDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

CREATE TABLE IF NOT EXISTS "TransformerProcessParameterKeyDefDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

CREATE TABLE IF NOT EXISTS "PaymentDefDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

CREATE TABLE IF NOT EXISTS "TaxTypeDefDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

CREATE TABLE IF NOT EXISTS "DunningLevelDefDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

-- ===================================================================================
-- Partners
-- ===================================================================================

CREATE TABLE IF NOT EXISTS "PlatformConfigDO" (
    "id"               INTEGER PRIMARY KEY,
    "omtBasePath"      TEXT NOT NULL CHECK ("omtBasePath" <> ''),
    "housekeepingRetentionDays" INTEGER NOT NULL DEFAULT 28 CHECK ("housekeepingRetentionDays" > 0),
    "creationDate"     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now'))
);

-- IOM's columns as its configuration scripts write them (create_or_update_shop); impex reads
-- "name", "parentRef", "active", the defaults, "shopName", "returnDeadline" and the RMA number
-- sequence columns; the others are kept for the scripts and the operator.
CREATE TABLE IF NOT EXISTS "ShopDO" (
    "id"               INTEGER PRIMARY KEY,
    "name"             TEXT NOT NULL,
    "parentRef"        INTEGER REFERENCES "ShopDO"("id"),
    "active"           INTEGER NOT NULL DEFAULT 1 CHECK ("active" IN (0,1)),
    "defaultCurrency"  TEXT NOT NULL DEFAULT 'EUR',
    "defaultLanguage"  TEXT NOT NULL DEFAULT 'de',
    "creationDate"     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "shopName"                            TEXT,
    "internalShopName"                    TEXT,
    "isB2B"                               INTEGER NOT NULL DEFAULT 0 CHECK ("isB2B" IN (0,1)),
    "returnDeadline"                      INTEGER,  -- days
    "returnCharge"                        NUMERIC,
    "shopRMANumberSequenceName"           TEXT,
    "shopRMANumberSequenceFormatString"   TEXT,     -- e.g. 'rma-number-{0}'
    "shopOrderSequenceName"               TEXT,
    "shopOrderSequenceNumberFormatString" TEXT,
    "shopCustomerSequenceName"            TEXT,
    "availabilityTolerance"               INTEGER,
    "countryDefRef"                       INTEGER,
    "mapArticleId"                        INTEGER CHECK ("mapArticleId" IN (0,1)),
    "orderOptimizeDefRef"                 INTEGER,
    "overwriteSelectedSupplierAllowed"    INTEGER CHECK ("overwriteSelectedSupplierAllowed" IN (0,1)),
    "singleArticleInfo"                   INTEGER CHECK ("singleArticleInfo" IN (0,1)),
    "shopAddressRef"                      INTEGER,
    "shopOrderValidationRef"              INTEGER,
    "hasSupplierPrefix"                   INTEGER CHECK ("hasSupplierPrefix" IN (0,1)),
    "hasInformShopReturn"                 INTEGER CHECK ("hasInformShopReturn" IN (0,1)),
    "shopUsesOMT"                         INTEGER CHECK ("shopUsesOMT" IN (0,1)),
    "preferredSupplierOnly"               INTEGER CHECK ("preferredSupplierOnly" IN (0,1)),
    "orderProcessingDelay"                TEXT,
    "orderTokenValidityDuration"          TEXT,
    "amountDaysForPaymentReminderMailOfPrepaidOrders" INTEGER,
    "amountDaysForAutoCancellationOfPrepaidOrders"    INTEGER,
    "isReservationWithDOSE"               INTEGER CHECK ("isReservationWithDOSE" IN (0,1)),
    "version"                             INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS "SupplierDO" (
    "id"               INTEGER PRIMARY KEY,
    "name"             TEXT NOT NULL,
    "active"           INTEGER NOT NULL DEFAULT 1 CHECK ("active" IN (0,1)),
    "creationDate"     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now'))
);

CREATE TABLE IF NOT EXISTS "CarrierDO" (
    "id"               INTEGER PRIMARY KEY,
    "name"             TEXT NOT NULL,
    "active"           INTEGER NOT NULL DEFAULT 1 CHECK ("active" IN (0,1)),
    "trackingUrl"      TEXT,  -- the tracking number is appended, e.g. https://www.dhl.com/en-us/home/tracking.html?AWB=
    "modificationDate" TEXT,
    "version"          INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS "PaymentProviderDO" (
    "id"     INTEGER PRIMARY KEY,
    "name"   TEXT NOT NULL,
    "active" INTEGER NOT NULL DEFAULT 1 CHECK ("active" IN (0,1))
);

CREATE TABLE IF NOT EXISTS "FinanceControllerDO" (
    "id"   INTEGER PRIMARY KEY,
    "name" TEXT NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS "BonusPartnerDO" (
    "id"   INTEGER PRIMARY KEY,
    "name" TEXT NOT NULL
);

-- One row per partner; exactly one partner column is set.
CREATE TABLE IF NOT EXISTS "PartnerReferrerDO" (
    "id"                   INTEGER PRIMARY KEY,
    "version"              INTEGER NOT NULL DEFAULT 1,
    "shopRef"              INTEGER UNIQUE REFERENCES "ShopDO"("id"),
    "supplierRef"          INTEGER UNIQUE REFERENCES "SupplierDO"("id"),
    "paymentProviderRef"   INTEGER UNIQUE REFERENCES "PaymentProviderDO"("id"),
    "financeControllerRef" INTEGER UNIQUE REFERENCES "FinanceControllerDO"("id"),
    "carrierRef"           INTEGER UNIQUE REFERENCES "CarrierDO"("id"),
    "bonusPartnerRef"      INTEGER UNIQUE REFERENCES "BonusPartnerDO"("id"),
    CONSTRAINT "exactly_one_partner" CHECK (
        ("shopRef" IS NOT NULL) + ("supplierRef" IS NOT NULL) + ("paymentProviderRef" IS NOT NULL)
      + ("financeControllerRef" IS NOT NULL) + ("carrierRef" IS NOT NULL) + ("bonusPartnerRef" IS NOT NULL) = 1)
);

-- ===================================================================================
-- Which suppliers and carriers serve a shop, and the names they know each other by
-- (IOM's tables, written by its configuration scripts; read by impex check and the RMA
-- and inventory services)
-- ===================================================================================

CREATE TABLE IF NOT EXISTS "Shop2SupplierDO" (
    "id"                                  INTEGER PRIMARY KEY,
    "shopRef"                             INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "supplierRef"                         INTEGER NOT NULL REFERENCES "SupplierDO"("id"),
    "shopSupplierName"                    TEXT,   -- the supplier's name as the shop knows it (ATP location)
    "supplierShopName"                    TEXT,   -- the shop's name as the supplier knows it
    "active"                              INTEGER NOT NULL DEFAULT 1 CHECK ("active" IN (0,1)),
    "splitShipmentAllowed"                INTEGER NOT NULL DEFAULT 0 CHECK ("splitShipmentAllowed" IN (0,1)),
    "useSupplierArticleNoAsShopArticleNo" INTEGER CHECK ("useSupplierArticleNoAsShopArticleNo" IN (0,1)),
    "shopArticleNoPrefix"                 TEXT,
    "stockReduceModel"                    INTEGER,
    "supplierSupportsCOD"                 INTEGER CHECK ("supplierSupportsCOD" IN (0,1)),
    "returnCarrierRef"                    INTEGER REFERENCES "CarrierDO"("id"),
    "reservationTimeInDays"               INTEGER NOT NULL DEFAULT 0,
    -- accounts of IOM's supplier web services; impex never shows them
    "shopAccount"                         TEXT,
    "shopPassword"                        TEXT,
    "supplierAccount"                     TEXT,
    "supplierPassword"                    TEXT,
    "creationDate"                        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate"                    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    UNIQUE ("shopRef", "supplierRef")
);

CREATE TABLE IF NOT EXISTS "Shop2CarrierDO" (
    "id"              INTEGER PRIMARY KEY,
    "shopRef"         INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "carrierRef"      INTEGER NOT NULL REFERENCES "CarrierDO"("id"),
    "shopCarrierName" TEXT NOT NULL,
    UNIQUE ("shopRef", "shopCarrierName")
);

CREATE TABLE IF NOT EXISTS "Supplier2CarrierDO" (
    "id"                  INTEGER PRIMARY KEY,
    "supplierRef"         INTEGER NOT NULL REFERENCES "SupplierDO"("id"),
    "carrierRef"          INTEGER NOT NULL REFERENCES "CarrierDO"("id"),
    "supplierCarrierName" TEXT NOT NULL,
    UNIQUE ("supplierRef", "supplierCarrierName")
);

-- Return types (1 CAN ... 5 DEF) and reasons (codes CAN010 ... DEF990): seed/reference.sql.
CREATE TABLE IF NOT EXISTS "ReturnTypeDefDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

CREATE TABLE IF NOT EXISTS "ReturnReasonDefDO" (
    "id"               INTEGER PRIMARY KEY,
    "name"             TEXT NOT NULL UNIQUE,
    "returnTypeDefRef" INTEGER NOT NULL REFERENCES "ReturnTypeDefDO"("id"),
    "description"      TEXT
);

CREATE TABLE IF NOT EXISTS "Shop2ReturnTypeDefDO" (
    "id"                 INTEGER PRIMARY KEY,
    "returnTypeDefRef"   INTEGER NOT NULL REFERENCES "ReturnTypeDefDO"("id"),
    "shopReturnTypeName" TEXT NOT NULL,
    "shopRef"            INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    UNIQUE ("shopRef", "returnTypeDefRef")
);

CREATE TABLE IF NOT EXISTS "Shop2ReturnReasonDefDO" (
    "id"                   INTEGER PRIMARY KEY,
    "returnReasonDefRef"   INTEGER NOT NULL REFERENCES "ReturnReasonDefDO"("id"),
    "shopReturnReasonName" TEXT NOT NULL,
    "shopRef"              INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    UNIQUE ("shopRef", "returnReasonDefRef")
);

CREATE TABLE IF NOT EXISTS "Supplier2ReturnTypeDefDO" (
    "id"                     INTEGER PRIMARY KEY,
    "returnTypeDefRef"       INTEGER NOT NULL REFERENCES "ReturnTypeDefDO"("id"),
    "supplierReturnTypeName" TEXT NOT NULL,
    "supplierRef"            INTEGER NOT NULL REFERENCES "SupplierDO"("id"),
    "rmaNo"                  TEXT,
    "preselected"            INTEGER NOT NULL DEFAULT 0 CHECK ("preselected" IN (0,1)),
    UNIQUE ("supplierRef", "returnTypeDefRef")
);

CREATE TABLE IF NOT EXISTS "Supplier2ReturnReasonDefDO" (
    "id"                       INTEGER PRIMARY KEY,
    "returnReasonDefRef"       INTEGER NOT NULL REFERENCES "ReturnReasonDefDO"("id"),
    "supplierReturnReasonName" TEXT NOT NULL,
    "supplierRef"              INTEGER NOT NULL REFERENCES "SupplierDO"("id"),
    "preselected"              INTEGER NOT NULL DEFAULT 0 CHECK ("preselected" IN (0,1)),
    UNIQUE ("supplierRef", "returnReasonDefRef")
);

-- Where a shop's customers send returns of a supplier, per return type.
CREATE TABLE IF NOT EXISTS "SupplierReturnAddressDO" (
    "id"                        INTEGER PRIMARY KEY,
    "addressLine1"              TEXT,
    "addressLine2"              TEXT,
    "addressLine3"              TEXT,
    "addressLine4"              TEXT,
    "addressLine5"              TEXT,
    "supplier2ReturnTypeDefRef" INTEGER NOT NULL REFERENCES "Supplier2ReturnTypeDefDO"("id"),
    "shop2SupplierRef"          INTEGER NOT NULL REFERENCES "Shop2SupplierDO"("id"),
    UNIQUE ("supplier2ReturnTypeDefRef", "shop2SupplierRef")
);

-- ===================================================================================
-- Communication
-- ===================================================================================

-- key = <format>###<execution bean>###<transmission type>
CREATE TABLE IF NOT EXISTS "CommunicationDO" (
    "id"                     INTEGER PRIMARY KEY,
    -- free text in IOM (e.g. `shopMessageTransmitterOrder`); the ImpEx reference's keys are
    -- `<format>###<bean>###<type>`, which the file senders and the FTP job look for
    "key"                    TEXT NOT NULL UNIQUE,
    "documentFormatDefRef"   INTEGER REFERENCES "DocumentFormatDefDO"("id"),
    "executionBeanDefRef"    INTEGER REFERENCES "ExecutionBeanDefDO"("id"),
    "transmissionTypeDefRef" INTEGER REFERENCES "TransmissionTypeDefDO"("id"),
    "active"                 INTEGER NOT NULL DEFAULT 1 CHECK ("active" IN (0,1)),
    "description"            TEXT,
    "communicationVersionDefRef" INTEGER,
    "transmissionFormDefRef"     INTEGER
);

-- receivingPartnerReferrerRef NULL = all partners of that kind (the business object's own partner).
CREATE TABLE IF NOT EXISTS "CommunicationPartnerDO" (
    "id"                          INTEGER PRIMARY KEY,
    "decisionBeanDefRef"          INTEGER REFERENCES "DecisionBeanDefDO"("id"),
    "splitTransmission"           INTEGER NOT NULL DEFAULT 0 CHECK ("splitTransmission" IN (0,1)),
    "communicationRef"            INTEGER NOT NULL REFERENCES "CommunicationDO"("id"),
    "sendingPartnerReferrerRef"   INTEGER NOT NULL REFERENCES "PartnerReferrerDO"("id"),
    "receivingPartnerReferrerRef" INTEGER REFERENCES "PartnerReferrerDO"("id"),
    "maxNoOfRetries"              INTEGER NOT NULL DEFAULT 12 CHECK ("maxNoOfRetries" >= 0),
    "retryDelay"                  TEXT NOT NULL DEFAULT '30m',
    "mergeTypeDefRef"             INTEGER REFERENCES "MergeTypeDefDO"("id"),
    "splitTransmissionPerSupplier" INTEGER NOT NULL DEFAULT 0 CHECK ("splitTransmissionPerSupplier" IN (0,1))
);
CREATE UNIQUE INDEX IF NOT EXISTS "CommunicationPartnerDO_unique"
    ON "CommunicationPartnerDO" ("communicationRef", "sendingPartnerReferrerRef", IFNULL("receivingPartnerReferrerRef", -1));
-- The same three columns as IOM's unique constraint, so that scripts' `ON CONFLICT
-- ("communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef")` has its
-- target (schema version 3). A NULL receiver still counts as one value (the index above); `impex
-- sql` turns that clause with DO NOTHING into a plain `ON CONFLICT DO NOTHING`, so a script run
-- twice adds a NULL-receiver row once (see docs/configuration.md).
CREATE UNIQUE INDEX IF NOT EXISTS "CommunicationPartnerDO_partners"
    ON "CommunicationPartnerDO" ("communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef");

CREATE TABLE IF NOT EXISTS "ExecutionBeanValueDO" (
    "id"                      INTEGER PRIMARY KEY,
    "executionBeanKeyDefRef"  INTEGER NOT NULL REFERENCES "ExecutionBeanKeyDefDO"("id"),
    "parameterValue"          TEXT,
    "communicationPartnerRef" INTEGER NOT NULL REFERENCES "CommunicationPartnerDO"("id"),
    UNIQUE ("communicationPartnerRef", "executionBeanKeyDefRef")
);

-- ===================================================================================
-- Finance controller mappings
-- ===================================================================================

CREATE TABLE IF NOT EXISTS "FinanceController2PaymentDefDO" (
    "id"                                 INTEGER PRIMARY KEY,
    "financeControllerRef"               INTEGER NOT NULL REFERENCES "FinanceControllerDO"("id"),
    "financeControllerPaymentExportName" TEXT,
    "financeControllerPaymentImportName" TEXT,
    "paymentDefRef"                      INTEGER NOT NULL REFERENCES "PaymentDefDO"("id"),
    UNIQUE ("financeControllerRef", "paymentDefRef"),
    UNIQUE ("financeControllerRef", "financeControllerPaymentImportName")
);

CREATE TABLE IF NOT EXISTS "FinanceController2TaxTypeDefDO" (
    "id"                                 INTEGER PRIMARY KEY,
    "financeControllerRef"               INTEGER NOT NULL REFERENCES "FinanceControllerDO"("id"),
    "financeControllerTaxTypeExportName" TEXT,
    "financeControllerTaxTypeImportName" TEXT,
    "taxTypeDefRef"                      INTEGER NOT NULL REFERENCES "TaxTypeDefDO"("id"),
    UNIQUE ("financeControllerRef", "taxTypeDefRef")
);

CREATE TABLE IF NOT EXISTS "Shop2FinanceControllerDO" (
    "id"                        INTEGER PRIMARY KEY,
    "financeControllerRef"      INTEGER NOT NULL REFERENCES "FinanceControllerDO"("id"),
    "shopRef"                   INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "financeControllerShopName" TEXT NOT NULL,
    "description"               TEXT,
    UNIQUE ("shopRef", "financeControllerShopName")
);

CREATE TABLE IF NOT EXISTS "Shop2DunningLevelDO" (
    "id"                            INTEGER PRIMARY KEY,
    "description"                   TEXT,
    "dunningLevelDefRef"            INTEGER NOT NULL REFERENCES "DunningLevelDefDO"("id"),
    "financeControllerDunningLevel" TEXT NOT NULL,
    "financeControllerRef"          INTEGER NOT NULL REFERENCES "FinanceControllerDO"("id"),
    "shopRef"                       INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    UNIQUE ("shopRef", "financeControllerRef", "financeControllerDunningLevel")
);

-- ===================================================================================
-- Transformers (import pipeline configuration)
-- ===================================================================================

CREATE TABLE IF NOT EXISTS "TransformerProcessGroupDO" (
    "id"   INTEGER PRIMARY KEY,
    "name" TEXT NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS "TransformerProcessDO" (
    "id"                         INTEGER PRIMARY KEY,
    "index"                      INTEGER NOT NULL,
    "transformerBeanDefRef"      INTEGER NOT NULL REFERENCES "TransformerBeanDefDO"("id"),
    "transformerProcessGroupRef" INTEGER NOT NULL REFERENCES "TransformerProcessGroupDO"("id"),
    -- NULL: the regex is the process's parameter 4 (SOURCE_FILENAME) alone
    "filenameRegex"              TEXT,
    "moveObsoleteFiles"          INTEGER NOT NULL DEFAULT 0 CHECK ("moveObsoleteFiles" IN (0,1))
);

CREATE TABLE IF NOT EXISTS "TransformerProcessParameterDO" (
    "id"                                     INTEGER PRIMARY KEY,
    "parameterValue"                         TEXT,
    "transformerProcessesParameterKeyDefRef" INTEGER NOT NULL REFERENCES "TransformerProcessParameterKeyDefDO"("id"),
    "transformerProcessesRef"                INTEGER NOT NULL REFERENCES "TransformerProcessDO"("id")
);

-- ===================================================================================
-- Jobs: schedules and file transfer configuration
-- ===================================================================================

-- typeDefRef (IOM's FileTransferJobTypeDefDO): 10 = pull, 30 = pull and push (pull into the
-- local pushDirectory, then the transformer group). Delivering local files to the partner is
-- the impex option deliverRemoteDirectory, for any type (docs/transfer.md).
-- basePath NULL = <omtBasePath>/share/<ScheduleDO.key>.
CREATE TABLE IF NOT EXISTS "FileTransferConfigurationDO" (
    "id"                         INTEGER PRIMARY KEY,
    "basePath"                   TEXT,
    "transmissionTypeDefRef"     INTEGER REFERENCES "TransmissionTypeDefDO"("id"),
    "typeDefRef"                 INTEGER NOT NULL DEFAULT 10 CHECK ("typeDefRef" IN (10, 20, 30)),
    "creationDate"               TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate"           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "partnerReferrerRef"         INTEGER NOT NULL REFERENCES "PartnerReferrerDO"("id"),
    "description"                TEXT,
    "transformerProcessGroupRef" INTEGER REFERENCES "TransformerProcessGroupDO"("id"),
    -- impex addition: the FTP "CommunicationPartnerDO" whose "ExecutionBeanValueDO" rows hold the
    -- connection; NULL = found by partnerReferrerRef (README, "File transfer")
    "communicationPartnerRef"    INTEGER REFERENCES "CommunicationPartnerDO"("id")
);

-- == schedule (owned by src/schedule) ==
CREATE TABLE IF NOT EXISTS "ScheduleDO" (
    "id"                INTEGER PRIMARY KEY,
    "creationDate"      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate"  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "active"            INTEGER NOT NULL DEFAULT 0 CHECK ("active" IN (0,1)),
    "configId"          INTEGER,
    "cron"              TEXT NOT NULL,
    "expectedRuntime"   INTEGER CHECK ("expectedRuntime" IS NULL OR "expectedRuntime" >= 0),
    "jobDefRef"         INTEGER NOT NULL REFERENCES "JobDefDO"("id"),
    "lastRun"           TEXT,
    "lockedSince"       TEXT,
    "key"               TEXT NOT NULL UNIQUE,
    "maxNoOfRetries"    INTEGER NOT NULL DEFAULT 0 CHECK ("maxNoOfRetries" >= 0),
    "retryDelay"        TEXT,
    "countRetry"        INTEGER NOT NULL DEFAULT 0 CHECK ("countRetry" >= 0),
    "reactivateOnStart" INTEGER NOT NULL DEFAULT 0 CHECK ("reactivateOnStart" IN (0,1)),
    -- impex additions
    "lockedBy"          TEXT,              -- holder of the lock: host:pid:process-start
    "nextRetry"         TEXT,              -- when a failed run is tried again
    "stoppedSince"      TEXT,              -- set when maxNoOfRetries is reached or a permanent error
    "lastOutcome"       TEXT CHECK ("lastOutcome" IS NULL OR "lastOutcome" IN ('OK','WARN','ERROR','RETRY')),
    "lastMessage"       TEXT
);
CREATE INDEX IF NOT EXISTS "ScheduleDO_active" ON "ScheduleDO" ("active", "stoppedSince", "lockedSince");

-- Runtime values of a schedule (IOM's Schedule REST API 1.0: `activeRuntime`, `cronRuntime`,
-- ...; impex addition). A NULL column means "use the configured value of "ScheduleDO""; a row
-- with every column NULL is the same as no row. Written only by src/db/state/schedule.rs
-- (`set_runtime`, and `claim` which clears "fixedNextRun" when the schedule is attempted).
-- The scheduler reads the effective values (runtime, else configured) every tick.
CREATE TABLE IF NOT EXISTS "ScheduleRuntimeDO" (
    "scheduleRef"              INTEGER PRIMARY KEY REFERENCES "ScheduleDO"("id") ON DELETE CASCADE,
    "activeRuntime"            INTEGER CHECK ("activeRuntime" IS NULL OR "activeRuntime" IN (0,1)),
    "cronRuntime"              TEXT,
    "reactivateOnStartRuntime" INTEGER CHECK ("reactivateOnStartRuntime" IS NULL OR "reactivateOnStartRuntime" IN (0,1)),
    "maxNoOfRetriesRuntime"    INTEGER CHECK ("maxNoOfRetriesRuntime" IS NULL OR "maxNoOfRetriesRuntime" >= 0),
    "retryDelayRuntime"        TEXT,
    -- the next attempt, regardless of cron, nextRetry and maxNoOfRetries (active is respected);
    -- cleared when the schedule is claimed
    "fixedNextRun"             TEXT,
    "modificationDate"         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now'))
);

-- Every impex process using this database (impex addition; IOM's cluster status): `impex run`
-- beats every few seconds, the HTTP server too. "nodeId" is the process's lock holder text
-- host:pid:start. A process is alive while "lastSeen" is at most 3 x "intervalMs" old; a clean
-- exit deletes its row, a crashed process's row stays (not alive) until pruned after a day.
CREATE TABLE IF NOT EXISTS "ProcessHeartbeatDO" (
    "nodeId"     TEXT PRIMARY KEY,
    "host"       TEXT NOT NULL,
    "pid"        INTEGER NOT NULL,
    "kind"       TEXT NOT NULL CHECK ("kind" IN ('run','serve')),
    "started"    TEXT NOT NULL,
    "lastSeen"   TEXT NOT NULL,
    "intervalMs" INTEGER NOT NULL CHECK ("intervalMs" > 0)
);

-- Job history: one row per run, written by the scheduler (impex run / run --once / trigger).
-- A row is inserted as RUNNING when the schedule is claimed and finished when the job ends.
-- dueTime is the fire (or retry) time that made the schedule due; startTime - dueTime is the
-- scheduling latency. Rows older than `impex run --history-days` are pruned.
CREATE TABLE IF NOT EXISTS "JobRunDO" (
    "id"          INTEGER PRIMARY KEY,
    "scheduleRef" INTEGER REFERENCES "ScheduleDO"("id") ON DELETE SET NULL,
    "scheduleKey" TEXT NOT NULL,
    "jobDefRef"   INTEGER NOT NULL,
    "dueTime"     TEXT,
    "startTime"   TEXT NOT NULL,
    "endTime"     TEXT,
    "outcome"     TEXT NOT NULL CHECK ("outcome" IN ('OK','WARN','ERROR','RETRY','RUNNING')),
    "okCount"     INTEGER NOT NULL DEFAULT 0,
    "failedCount" INTEGER NOT NULL DEFAULT 0,
    "message"     TEXT,
    "runBy"       TEXT NOT NULL            -- host:pid:process-start of the impex process
);
CREATE INDEX IF NOT EXISTS "JobRunDO_start" ON "JobRunDO" ("startTime");
CREATE INDEX IF NOT EXISTS "JobRunDO_schedule" ON "JobRunDO" ("scheduleRef", "startTime");
-- == end schedule ==

-- == transfer (owned by src/transfer) ==
-- The file ledger of the file transfer job (JobDefDO 3): one row per remote file pulled and per
-- local file delivered. States (src/transfer/state.rs):
--   PULL: LISTED -> DOWNLOADING -> DOWNLOADED (in the target dir) -> DONE (remote deleted or archived)
--         DOWNLOADING -> DUPLICATE (same content hash already pulled; remote removed)
--   PUSH: LISTED -> UPLOADING -> UPLOADED (renamed into place remotely) -> DONE (local moved to sent/)
--   any active state -> FAILED (reason in "error"; the next run tries the file again);
--   REJECTED: unsafe file name, never transferred.
CREATE TABLE IF NOT EXISTS "TransferFileDO" (
    "id"               INTEGER PRIMARY KEY,
    "configRef"        INTEGER NOT NULL REFERENCES "FileTransferConfigurationDO"("id"),
    "scheduleRef"      INTEGER,
    "partnerRef"       INTEGER REFERENCES "CommunicationPartnerDO"("id"),
    "direction"        TEXT NOT NULL CHECK ("direction" IN ('PULL','PUSH')),
    "remotePath"       TEXT NOT NULL,
    "fileName"         TEXT NOT NULL,
    "size"             INTEGER,
    "mtime"            TEXT,
    "contentHash"      TEXT,
    "state"            TEXT NOT NULL CHECK ("state" IN ('LISTED','DOWNLOADING','DOWNLOADED','UPLOADING','UPLOADED','DONE','DUPLICATE','REJECTED','FAILED')),
    "localPath"        TEXT,
    "error"            TEXT,
    "attempts"         INTEGER NOT NULL DEFAULT 0,
    "creationDate"     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "doneDate"         TEXT
);
-- At most one unfinished row per file and direction.
CREATE UNIQUE INDEX IF NOT EXISTS "TransferFileDO_active"
    ON "TransferFileDO" ("configRef", "direction", "remotePath")
    WHERE "state" IN ('LISTED','DOWNLOADING','DOWNLOADED','UPLOADING','UPLOADED');
-- A content is pulled at most once per configuration ("never twice").
CREATE UNIQUE INDEX IF NOT EXISTS "TransferFileDO_pulled_once"
    ON "TransferFileDO" ("configRef", "contentHash")
    WHERE "direction" = 'PULL' AND "state" IN ('DOWNLOADED','DONE');
-- An unsafe name is recorded once, not on every run.
CREATE UNIQUE INDEX IF NOT EXISTS "TransferFileDO_rejected_once"
    ON "TransferFileDO" ("configRef", "direction", "remotePath")
    WHERE "state" = 'REJECTED';
CREATE INDEX IF NOT EXISTS "TransferFileDO_config_state" ON "TransferFileDO" ("configRef", "state");
-- == end transfer ==

-- == import (owned by src/transform) ==
-- One row per file a transformer group handled. A file is imported in one transaction; the row
-- is inserted as IMPORTING and set to DONE in that same transaction, so only DONE, ERROR and
-- OBSOLETE rows are ever visible. ERROR rows say which record (n-th), line and field failed.
CREATE TABLE IF NOT EXISTS "ImportFileDO" (
    "id"                         INTEGER PRIMARY KEY,
    "fileName"                   TEXT NOT NULL,
    "directory"                  TEXT NOT NULL,          -- the transform (in/) directory
    "transformerProcessGroupRef" INTEGER REFERENCES "TransformerProcessGroupDO"("id"),
    "transformerProcessRef"      INTEGER REFERENCES "TransformerProcessDO"("id"),
    "transformerBeanDefRef"      INTEGER REFERENCES "TransformerBeanDefDO"("id"),
    "state"                      TEXT NOT NULL CHECK ("state" IN ('IMPORTING','DONE','ERROR','OBSOLETE')),
    "fileSize"                   INTEGER,
    "fileModified"               TEXT,                   -- mtime of the file, impex timestamp format
    "records"                    INTEGER NOT NULL DEFAULT 0,
    "errorRecord"                INTEGER,                -- n-th record of the file (1 = first)
    "errorLine"                  INTEGER,
    "errorField"                 TEXT,
    "errorText"                  TEXT,
    "movedTo"                    TEXT,                   -- done/, error/ or obsolete/ path
    "startDate"                  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "endDate"                    TEXT
);
CREATE INDEX IF NOT EXISTS "ImportFileDO_name" ON "ImportFileDO" ("fileName", "state");

-- Open positions (OpenPositions files, ImportXmlOpenpositionsBean): the current position per
-- invoice. Columns are the file's elements in lowerCamelCase; *Ref columns are the mapped ids.
CREATE TABLE IF NOT EXISTS "OpenPositionDO" (
    "id"                   INTEGER PRIMARY KEY,
    "shopRef"              INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "financeControllerRef" INTEGER NOT NULL REFERENCES "FinanceControllerDO"("id"),
    "invoicingRef"         INTEGER NOT NULL UNIQUE REFERENCES "InvoicingDO"("id"),
    "merchantId"           TEXT NOT NULL,
    "transId"              TEXT NOT NULL,
    "refNr"                TEXT NOT NULL,
    "debitorRef"           INTEGER NOT NULL REFERENCES "DebitorDO"("id"),
    "creationDate"         TEXT NOT NULL,          -- YYYY-MM-DD
    "voucherNo"            TEXT NOT NULL,
    "voucherDate"          TEXT NOT NULL,          -- YYYY-MM-DD
    "entryText"            TEXT,
    "entryTextExt"         TEXT,
    "currency"             TEXT NOT NULL,
    "payType"              TEXT NOT NULL,          -- as in the file
    "paymentDefRef"        INTEGER NOT NULL REFERENCES "PaymentDefDO"("id"),
    "payTerm"              TEXT,
    "opAmount"             INTEGER NOT NULL,       -- minor units
    "sumAmount"            INTEGER NOT NULL,
    "openAmount"           INTEGER NOT NULL,
    "dunningLevel"         TEXT,
    "dunningLevelDefRef"   INTEGER REFERENCES "DunningLevelDefDO"("id"),
    "lastDunningDate"      TEXT,
    "contraAccount"        TEXT,
    "entryRange"           TEXT,
    "modificationDate"     TEXT,                   -- ModificationDate of the file, YYYY-MM-DD
    "importFileRef"        INTEGER NOT NULL REFERENCES "ImportFileDO"("id"),
    "importDate"           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "version"              INTEGER NOT NULL DEFAULT 1
);
-- No index on "debitorRef" (schema version 2 dropped it): no query of impex uses it, and
-- keeping it up to date was a seventh of the writer's work in a bulk import. A debtor's
-- positions: WHERE "debitorRef" = ? (a scan), or through its invoices ("invoicingRef" is unique).

-- Superseded versions of open positions: a later file's position for the same invoice
-- replaces the current row; the trigger below keeps the old one here.
CREATE TABLE IF NOT EXISTS "OpenPositionVersionDO" (
    "id"                   INTEGER PRIMARY KEY,
    "openPositionRef"      INTEGER NOT NULL REFERENCES "OpenPositionDO"("id") ON DELETE CASCADE,
    "version"              INTEGER NOT NULL,
    "supersededDate"       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "shopRef"              INTEGER NOT NULL,
    "financeControllerRef" INTEGER NOT NULL,
    "invoicingRef"         INTEGER NOT NULL,
    "merchantId"           TEXT NOT NULL,
    "transId"              TEXT NOT NULL,
    "refNr"                TEXT NOT NULL,
    "debitorRef"           INTEGER NOT NULL,
    "creationDate"         TEXT NOT NULL,
    "voucherNo"            TEXT NOT NULL,
    "voucherDate"          TEXT NOT NULL,
    "entryText"            TEXT,
    "entryTextExt"         TEXT,
    "currency"             TEXT NOT NULL,
    "payType"              TEXT NOT NULL,
    "paymentDefRef"        INTEGER NOT NULL,
    "payTerm"              TEXT,
    "opAmount"             INTEGER NOT NULL,
    "sumAmount"            INTEGER NOT NULL,
    "openAmount"           INTEGER NOT NULL,
    "dunningLevel"         TEXT,
    "dunningLevelDefRef"   INTEGER,
    "lastDunningDate"      TEXT,
    "contraAccount"        TEXT,
    "entryRange"           TEXT,
    "modificationDate"     TEXT,
    "importFileRef"        INTEGER NOT NULL REFERENCES "ImportFileDO"("id"),
    "importDate"           TEXT NOT NULL,
    UNIQUE ("openPositionRef", "version")
);
CREATE TRIGGER IF NOT EXISTS "OpenPositionDO_keep_version" BEFORE UPDATE ON "OpenPositionDO"
BEGIN
    INSERT INTO "OpenPositionVersionDO" ("openPositionRef", "version", "shopRef", "financeControllerRef",
        "invoicingRef", "merchantId", "transId", "refNr", "debitorRef", "creationDate", "voucherNo",
        "voucherDate", "entryText", "entryTextExt", "currency", "payType", "paymentDefRef", "payTerm",
        "opAmount", "sumAmount", "openAmount", "dunningLevel", "dunningLevelDefRef", "lastDunningDate",
        "contraAccount", "entryRange", "modificationDate", "importFileRef", "importDate")
    VALUES (OLD."id", OLD."version", OLD."shopRef", OLD."financeControllerRef", OLD."invoicingRef",
        OLD."merchantId", OLD."transId", OLD."refNr", OLD."debitorRef", OLD."creationDate", OLD."voucherNo",
        OLD."voucherDate", OLD."entryText", OLD."entryTextExt", OLD."currency", OLD."payType",
        OLD."paymentDefRef", OLD."payTerm", OLD."opAmount", OLD."sumAmount", OLD."openAmount",
        OLD."dunningLevel", OLD."dunningLevelDefRef", OLD."lastDunningDate", OLD."contraAccount",
        OLD."entryRange", OLD."modificationDate", OLD."importFileRef", OLD."importDate");
END;

-- Payment histories (PaymentHistories files, ImportXmlPaymenthistoriesBean): one row per
-- booking, keyed by invoice, voucher and position type; a later file's booking with the same
-- key replaces the row and the old one is kept in "PaymentHistoryVersionDO".
-- kind: R >= 0 INVOICE, R < 0 CREDIT_NOTE, Z >= 0 PAYMENT, Z < 0 REFUND, RU / ZU REBOOKING.
CREATE TABLE IF NOT EXISTS "PaymentHistoryDO" (
    "id"                   INTEGER PRIMARY KEY,
    "shopRef"              INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "financeControllerRef" INTEGER NOT NULL REFERENCES "FinanceControllerDO"("id"),
    "invoicingRef"         INTEGER NOT NULL REFERENCES "InvoicingDO"("id"),
    "merchantId"           TEXT NOT NULL,
    "transId"              TEXT NOT NULL,
    "refNr"                TEXT NOT NULL,
    "debitorRef"           INTEGER NOT NULL REFERENCES "DebitorDO"("id"),
    "entryDate"            TEXT NOT NULL,          -- YYYY-MM-DD (DDMMYYYY in the file)
    "voucherNo"            TEXT NOT NULL,
    "voucherDate"          TEXT NOT NULL,          -- YYYY-MM-DD (DDMMYYYY in the file)
    "contraAccount"        TEXT,
    "positionType"         TEXT NOT NULL CHECK ("positionType" IN ('R','Z','RU','ZU')),
    "kind"                 TEXT NOT NULL CHECK ("kind" IN ('INVOICE','CREDIT_NOTE','PAYMENT','REFUND','REBOOKING')),
    "positionDetails"      TEXT,
    "positionDetailsExt"   TEXT,
    "amount"               INTEGER NOT NULL,       -- minor units, signed as in the file
    "entryRange"           TEXT,
    "importFileRef"        INTEGER NOT NULL REFERENCES "ImportFileDO"("id"),
    "importDate"           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "version"              INTEGER NOT NULL DEFAULT 1,
    UNIQUE ("invoicingRef", "voucherNo", "positionType")
);

CREATE TABLE IF NOT EXISTS "PaymentHistoryVersionDO" (
    "id"                 INTEGER PRIMARY KEY,
    "paymentHistoryRef"  INTEGER NOT NULL REFERENCES "PaymentHistoryDO"("id") ON DELETE CASCADE,
    "version"            INTEGER NOT NULL,
    "supersededDate"     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "debitorRef"         INTEGER NOT NULL,
    "entryDate"          TEXT NOT NULL,
    "voucherDate"        TEXT NOT NULL,
    "contraAccount"      TEXT,
    "kind"               TEXT NOT NULL,
    "positionDetails"    TEXT,
    "positionDetailsExt" TEXT,
    "amount"             INTEGER NOT NULL,
    "entryRange"         TEXT,
    "transId"            TEXT NOT NULL,
    "importFileRef"      INTEGER NOT NULL REFERENCES "ImportFileDO"("id"),
    "importDate"         TEXT NOT NULL,
    UNIQUE ("paymentHistoryRef", "version")
);
CREATE TRIGGER IF NOT EXISTS "PaymentHistoryDO_keep_version" BEFORE UPDATE ON "PaymentHistoryDO"
BEGIN
    INSERT INTO "PaymentHistoryVersionDO" ("paymentHistoryRef", "version", "debitorRef", "entryDate",
        "voucherDate", "contraAccount", "kind", "positionDetails", "positionDetailsExt", "amount",
        "entryRange", "transId", "importFileRef", "importDate")
    VALUES (OLD."id", OLD."version", OLD."debitorRef", OLD."entryDate", OLD."voucherDate",
        OLD."contraAccount", OLD."kind", OLD."positionDetails", OLD."positionDetailsExt", OLD."amount",
        OLD."entryRange", OLD."transId", OLD."importFileRef", OLD."importDate");
END;

-- Payment status per invoice: from the current open position when there is one (invoiced =
-- opAmount, open = openAmount), else from the payment histories (invoiced = R bookings or the
-- invoice's gross amount, paid = Z bookings), else not paid (open = gross amount).
CREATE VIEW IF NOT EXISTS "InvoicePaymentStatusView" AS
SELECT i."id" AS "invoicingRef", i."invoiceNo", i."orderRef", i."shopRef", i."currency",
       i."grossAmount",
       CASE WHEN op."id" IS NOT NULL THEN 'OPEN_POSITION'
            WHEN ph."n" IS NOT NULL THEN 'PAYMENT_HISTORY'
            ELSE 'NONE' END AS "source",
       CASE WHEN op."id" IS NOT NULL THEN op."opAmount"
            WHEN ph."n" IS NOT NULL AND ph."invoiced" <> 0 THEN ph."invoiced"
            ELSE i."grossAmount" END AS "invoicedAmount",
       CASE WHEN op."id" IS NOT NULL THEN op."openAmount"
            WHEN ph."n" IS NOT NULL THEN (CASE WHEN ph."invoiced" <> 0 THEN ph."invoiced" ELSE i."grossAmount" END) - ph."paid"
            ELSE i."grossAmount" END AS "openAmount"
FROM "InvoicingDO" i
LEFT JOIN "OpenPositionDO" op ON op."invoicingRef" = i."id"
LEFT JOIN (SELECT "invoicingRef", count(*) AS "n",
                  sum(CASE WHEN "positionType" = 'R' THEN "amount" ELSE 0 END) AS "invoiced",
                  sum(CASE WHEN "positionType" = 'Z' THEN "amount" ELSE 0 END) AS "paid"
           FROM "PaymentHistoryDO" GROUP BY "invoicingRef") ph ON ph."invoicingRef" = i."id";

-- Payment status per order (the IOM Connector's Paid / Part Paid / Not Paid with the paid
-- percentage and the open invoiced amount).
CREATE VIEW IF NOT EXISTS "OrderPaymentStatusView" AS
SELECT o."id" AS "orderRef", o."shopRef", o."shopOrderNo", o."currency",
       count(s."invoicingRef") AS "invoices",
       coalesce(sum(s."invoicedAmount"), 0) AS "invoicedAmount",
       coalesce(sum(max(s."openAmount", 0)), 0) AS "openAmount",
       CASE WHEN coalesce(sum(s."invoicedAmount"), 0) > 0 AND coalesce(sum(max(s."openAmount", 0)), 0) = 0 THEN 'Paid'
            WHEN coalesce(sum(s."invoicedAmount"), 0) > 0 AND coalesce(sum(max(s."openAmount", 0)), 0) < sum(s."invoicedAmount") THEN 'Part Paid'
            ELSE 'Not Paid' END AS "paymentStatus",
       CASE WHEN coalesce(sum(s."invoicedAmount"), 0) > 0
            THEN round(100.0 * max(0, min(sum(s."invoicedAmount"), sum(s."invoicedAmount") - sum(max(s."openAmount", 0)))) / sum(s."invoicedAmount"), 2)
            ELSE 0 END AS "paidPercent"
FROM "OrderDO" o
LEFT JOIN "InvoicePaymentStatusView" s ON s."orderRef" = o."id"
GROUP BY o."id";
-- == end import ==

-- == export (owned by src/send) ==
-- One transmission per business event and communication partner (IOM: *TransmissionDO). Created
-- by the triggers at the end of this file; written by the sending job (src/send/job.rs); state
-- changes only in src/send/state.rs.
--   INITIAL          created, not yet tried                  -> PUSHED / DO_PUSH / DO_MANUAL_CHECK / CANCELED
--   DO_PUSH          a try failed; tried again at nextRetryDate -> PUSHED / DO_PUSH / DO_MANUAL_CHECK / CANCELED
--   PUSHED           its file "fileName" is in the outbox (terminal; `impex resend` -> INITIAL)
--   DO_MANUAL_CHECK  retries exhausted: waits for a person (`impex resend` / `impex cancel`)
--   CANCELED         nothing to send (reason in errorText) or canceled by `impex cancel`
CREATE TABLE IF NOT EXISTS "TransmissionDO" (
    "id"                          INTEGER PRIMARY KEY,
    "transmissionTypeDefRef"      INTEGER NOT NULL REFERENCES "TransmissionTypeDefDO"("id"),
    "communicationPartnerRef"     INTEGER NOT NULL REFERENCES "CommunicationPartnerDO"("id"),
    "sendingPartnerReferrerRef"   INTEGER NOT NULL REFERENCES "PartnerReferrerDO"("id"),
    "receivingPartnerReferrerRef" INTEGER NOT NULL REFERENCES "PartnerReferrerDO"("id"),
    -- the business object (exactly one is set). No foreign keys on purpose: a transmission must
    -- never block deleting or replacing (INSERT OR REPLACE by an import) its business row; a
    -- transmission whose object is gone is CANCELED ("... no longer exists").
    "dispatchRef"                 INTEGER,   -- "DispatchDO"
    "returnRef"                   INTEGER,   -- "ReturnDO"
    "invoicingRef"                INTEGER,   -- "InvoicingDO"
    "debitorRef"                  INTEGER,   -- "DebitorDO"
    "orderRef"                    INTEGER,   -- "OrderDO"
    "returnAnnouncementRef"       INTEGER,   -- "ReturnAnnouncementDO"
    "event"                       TEXT CHECK ("event" IS NULL OR "event" IN ('CD','UD','DD')),  -- debtors
    "state"                       TEXT NOT NULL DEFAULT 'INITIAL'
                                  CHECK ("state" IN ('INITIAL','DO_PUSH','PUSHED','DO_MANUAL_CHECK','CANCELED')),
    "retryCount"                  INTEGER NOT NULL DEFAULT 0 CHECK ("retryCount" >= 0),
    "nextRetryDate"               TEXT,
    "errorText"                   TEXT,
    "fileName"                    TEXT,       -- chosen once, before the file is written
    "creationDate"                TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate"            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "sentDate"                    TEXT,
    CHECK (("dispatchRef" IS NOT NULL) + ("returnRef" IS NOT NULL) + ("invoicingRef" IS NOT NULL)
         + ("debitorRef" IS NOT NULL) + ("orderRef" IS NOT NULL) + ("returnAnnouncementRef" IS NOT NULL) = 1)
);
CREATE INDEX IF NOT EXISTS "TransmissionDO_due" ON "TransmissionDO" ("state", "nextRetryDate");
CREATE INDEX IF NOT EXISTS "TransmissionDO_dispatch" ON "TransmissionDO" ("dispatchRef") WHERE "dispatchRef" IS NOT NULL;
CREATE INDEX IF NOT EXISTS "TransmissionDO_return" ON "TransmissionDO" ("returnRef") WHERE "returnRef" IS NOT NULL;
CREATE INDEX IF NOT EXISTS "TransmissionDO_invoicing" ON "TransmissionDO" ("invoicingRef") WHERE "invoicingRef" IS NOT NULL;
CREATE INDEX IF NOT EXISTS "TransmissionDO_debitor" ON "TransmissionDO" ("debitorRef") WHERE "debitorRef" IS NOT NULL;
CREATE INDEX IF NOT EXISTS "TransmissionDO_order" ON "TransmissionDO" ("orderRef") WHERE "orderRef" IS NOT NULL;
CREATE INDEX IF NOT EXISTS "TransmissionDO_ra" ON "TransmissionDO" ("returnAnnouncementRef") WHERE "returnAnnouncementRef" IS NOT NULL;

-- Business events for which no communication partner is configured (impex addition): shown by
-- `impex transmissions` as "no partner configured". Rows are kept as a record; configuring a
-- partner later does not replay them.
CREATE TABLE IF NOT EXISTS "ExportUnroutedEventDO" (
    "id"               INTEGER PRIMARY KEY,
    "communicationKey" TEXT NOT NULL,     -- the CommunicationDO key that found no partner
    "businessTable"    TEXT NOT NULL,     -- e.g. DispatchDO
    "businessRef"      INTEGER NOT NULL,
    "shopRef"          INTEGER,
    "event"            TEXT,
    "creationDate"     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now'))
);

-- Active file-sender routes by shop: one row per CommunicationPartnerDO whose sending partner is
-- a shop. "receivingPartnerReferrerRef" NULL = the business object's own partner.
CREATE VIEW IF NOT EXISTS "ExportRouteV" AS
SELECT cp."id" AS "communicationPartnerRef", c."key" AS "key", c."transmissionTypeDefRef" AS "transmissionTypeDefRef",
       s."shopRef" AS "shopRef", cp."sendingPartnerReferrerRef" AS "sendingPartnerReferrerRef",
       cp."receivingPartnerReferrerRef" AS "receivingPartnerReferrerRef",
       cp."decisionBeanDefRef" AS "decisionBeanDefRef"
FROM "CommunicationPartnerDO" cp
JOIN "CommunicationDO" c ON c."id" = cp."communicationRef" AND c."active" = 1
JOIN "PartnerReferrerDO" s ON s."id" = cp."sendingPartnerReferrerRef" AND s."shopRef" IS NOT NULL;

-- Routes of accounting documents (PurchaseOrders, Debtors, SalesOrders) resolved to receiving
-- partners: a NULL receiver means every finance controller of the shop (Shop2FinanceControllerDO).
CREATE VIEW IF NOT EXISTS "ExportAccountingRouteV" AS
SELECT r."communicationPartnerRef", r."key", r."transmissionTypeDefRef", r."shopRef",
       r."sendingPartnerReferrerRef", r."receivingPartnerReferrerRef"
FROM "ExportRouteV" r WHERE r."receivingPartnerReferrerRef" IS NOT NULL
UNION ALL
SELECT r."communicationPartnerRef", r."key", r."transmissionTypeDefRef", r."shopRef",
       r."sendingPartnerReferrerRef", fc."id"
FROM "ExportRouteV" r
JOIN "Shop2FinanceControllerDO" s2f ON s2f."shopRef" = r."shopRef"
JOIN "PartnerReferrerDO" fc ON fc."financeControllerRef" = s2f."financeControllerRef"
WHERE r."receivingPartnerReferrerRef" IS NULL;

-- The suppliers of an order: its positions' suppliers (a position without one belongs to the
-- order's supplier) and the order's supplier.
CREATE VIEW IF NOT EXISTS "ExportOrderSupplierV" AS
SELECT p."orderRef" AS "orderRef", COALESCE(p."supplierRef", o."supplierRef") AS "supplierRef"
FROM "OrderPositionDO" p JOIN "OrderDO" o ON o."id" = p."orderRef"
WHERE COALESCE(p."supplierRef", o."supplierRef") IS NOT NULL
UNION
SELECT o."id", o."supplierRef" FROM "OrderDO" o WHERE o."supplierRef" IS NOT NULL;
-- == end export ==

-- ===================================================================================
-- Customers (IOM schema "customer")
-- ===================================================================================

CREATE TABLE IF NOT EXISTS "CustomerExportConfigDO" (
    "id"                           INTEGER PRIMARY KEY,
    "exportName"                   TEXT NOT NULL,
    "exportStartDate"              TEXT,         -- NULL disables the export
    "exportVersion"                TEXT,         -- '2.00007' = 7th increment after the 2nd full export
    "intervalFullInDays"           INTEGER NOT NULL CHECK ("intervalFullInDays" > 0),
    "intervalIncrementInMinutes"   INTEGER NOT NULL CHECK ("intervalIncrementInMinutes" > 0),
    "lastExport"                   TEXT,
    "shopRef"                      INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "version"                      INTEGER NOT NULL DEFAULT 1,
    "startTimeControlApp"          TEXT,
    "startTimeMDB"                 TEXT,
    "exportNewCustomerOnIncrement" INTEGER NOT NULL DEFAULT 1 CHECK ("exportNewCustomerOnIncrement" IN (0,1)),
    -- impex additions
    "lastFullExport"               TEXT
);

CREATE TABLE IF NOT EXISTS "CustomerDO" (
    "id"               INTEGER PRIMARY KEY,
    "shopRef"          INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "shopCustomerNo"   TEXT NOT NULL,
    "customerType"     TEXT NOT NULL DEFAULT 'b2c' CHECK ("customerType" IN ('b2b','b2c')),
    "isActive"         INTEGER NOT NULL DEFAULT 1 CHECK ("isActive" IN (0,1)),
    "isNewCustomer"    INTEGER NOT NULL DEFAULT 1 CHECK ("isNewCustomer" IN (0,1)),
    "dunningLevel"     TEXT,
    "hasNewsletter"    INTEGER NOT NULL DEFAULT 0 CHECK ("hasNewsletter" IN (0,1)),
    "hasDeliveryStop"  INTEGER NOT NULL DEFAULT 0 CHECK ("hasDeliveryStop" IN (0,1)),
    "version"          INTEGER NOT NULL DEFAULT 0,
    -- Person (CustomerPersonExtended)
    "companyName"      TEXT,
    "salutation"       TEXT,
    "title"            TEXT,
    "firstName"        TEXT,
    "lastName"         TEXT,
    "isFemale"         INTEGER CHECK ("isFemale" IS NULL OR "isFemale" IN (0,1)),
    "dateOfBirth"      TEXT,
    -- Contact
    "phone1"           TEXT,
    "phone2"           TEXT,
    "mobilePhone"      TEXT,
    "eMail"            TEXT,
    "fax"              TEXT,
    "creationDate"     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    UNIQUE ("shopRef", "shopCustomerNo")
);

CREATE TABLE IF NOT EXISTS "CustomerAddressDO" (
    "id"             INTEGER PRIMARY KEY,
    "customerRef"    INTEGER NOT NULL REFERENCES "CustomerDO"("id") ON DELETE CASCADE,
    "addressType"    TEXT NOT NULL CHECK ("addressType" IN ('SHIPPING','BILLING','IMMATERIAL')),
    "isDefault"      INTEGER NOT NULL DEFAULT 0 CHECK ("isDefault" IN (0,1)),
    "shopAddressNo"  TEXT,
    "version"        INTEGER NOT NULL DEFAULT 0,
    "nightShipping"  INTEGER NOT NULL DEFAULT 0 CHECK ("nightShipping" IN (0,1)),
    -- Person
    "companyName"    TEXT,
    "salutation"     TEXT,
    "title"          TEXT,
    "firstName"      TEXT,
    "lastName"       TEXT,
    "isFemale"       INTEGER CHECK ("isFemale" IS NULL OR "isFemale" IN (0,1)),
    -- Contact
    "phone1"         TEXT,
    "phone2"         TEXT,
    "mobilePhone"    TEXT,
    "eMail"          TEXT,
    "fax"            TEXT,
    -- Location
    "street"         TEXT,
    "houseNo"        TEXT,
    "poBox"          TEXT,
    "packstationUserId"  TEXT,
    "packstationStationId" TEXT,
    "addressAddition1" TEXT,
    "addressAddition2" TEXT,
    "district"       TEXT,
    "city"           TEXT,
    "postCode"       TEXT,
    "country"        TEXT,       -- ISO 3166 alpha-3 in the customer export
    "isValidated"    INTEGER CHECK ("isValidated" IS NULL OR "isValidated" IN (0,1)),
    "lastValidation" TEXT
);

CREATE TABLE IF NOT EXISTS "CustomerBankAccountDO" (
    "id"                INTEGER PRIMARY KEY,
    "customerRef"       INTEGER NOT NULL REFERENCES "CustomerDO"("id") ON DELETE CASCADE,
    "isDefault"         INTEGER NOT NULL DEFAULT 0 CHECK ("isDefault" IN (0,1)),
    "hasDirectDebit"    INTEGER NOT NULL DEFAULT 0 CHECK ("hasDirectDebit" IN (0,1)),
    "shopBankAccountNo" TEXT,
    "version"           INTEGER NOT NULL DEFAULT 0,
    "bankName"          TEXT,
    "accountHolder"     TEXT,
    "accountNumber"     TEXT,
    "bankCode"          TEXT,
    "bankCodeType"      TEXT CHECK ("bankCodeType" IS NULL OR "bankCodeType" IN ('STANDARD','SEPA')),
    "bic"               TEXT
);

CREATE TABLE IF NOT EXISTS "CustomerScoringDO" (
    "id"          INTEGER PRIMARY KEY,
    "customerRef" INTEGER NOT NULL REFERENCES "CustomerDO"("id") ON DELETE CASCADE,
    "source"      TEXT NOT NULL,
    "scoringDate" TEXT NOT NULL,
    "value"       TEXT,
    "version"     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS "CustomerPropertyDO" (
    "id"          INTEGER PRIMARY KEY,
    "customerRef" INTEGER NOT NULL REFERENCES "CustomerDO"("id") ON DELETE CASCADE,
    "type"        TEXT NOT NULL DEFAULT 'STRING' CHECK ("type" IN ('STRING','BOOLEAN','TIMESTAMP')),
    "key"         TEXT NOT NULL,
    "value"       TEXT NOT NULL,
    "version"     INTEGER NOT NULL DEFAULT 0
);

-- ===================================================================================
-- Orders
-- ===================================================================================

-- Order state ids follow the IOM order status model (kb-states-order-status-model).
CREATE TABLE IF NOT EXISTS "OrderDO" (
    "id"                   INTEGER PRIMARY KEY,
    "shopRef"              INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "shopOrderNo"          TEXT NOT NULL,
    "shopCustomerNo"       TEXT,
    "shopCompanyNo"        TEXT,
    "shopInvoiceNo"        TEXT,
    "customerRef"          INTEGER REFERENCES "CustomerDO"("id"),
    "supplierRef"          INTEGER REFERENCES "SupplierDO"("id"),   -- selected supplier, when the whole order goes to one
    "carrierRef"           INTEGER REFERENCES "CarrierDO"("id"),
    "orderStateDefRef"     INTEGER NOT NULL DEFAULT 1,
    "orderCreationDate"    TEXT NOT NULL,
    "messageId"            TEXT,
    "paymentDefRef"        INTEGER REFERENCES "PaymentDefDO"("id"),
    "paymentMethod"        TEXT,                                 -- method as sent by the shop (e.g. PAYPAL)
    "currency"             TEXT NOT NULL DEFAULT 'EUR',
    "noSales"              INTEGER NOT NULL DEFAULT 0 CHECK ("noSales" IN (0,1)),
    "optimization"         TEXT,
    "splitShipmentAllowed" INTEGER CHECK ("splitShipmentAllowed" IS NULL OR "splitShipmentAllowed" IN (0,1)),
    "isImmaterial"         INTEGER NOT NULL DEFAULT 0 CHECK ("isImmaterial" IN (0,1)),
    "immaterialEmail"      TEXT,
    "immaterialTelephone"  TEXT,
    "immaterialOther"      TEXT,
    -- customer as given in the order (Customer element)
    "customerCompanyName"  TEXT,
    "customerCompanyDepartment" TEXT,
    "customerVatNo"        TEXT,
    "customerSalutation"   TEXT,
    "customerTitle"        TEXT,
    "customerFirstName"    TEXT,
    "customerLastName"     TEXT,
    "customerEmail"        TEXT,
    "customerTelephone"    TEXT,
    "customerMobile"       TEXT,
    "customerFax"          TEXT,
    -- sums in minor units (the storeOrder format uses decimal amounts with 5 places)
    "sumNet"               INTEGER,
    "sumGross"             INTEGER,
    "totalNet"             INTEGER,
    "totalGross"           INTEGER,
    "readyForSupplier"     TEXT,       -- set when the order is processed and may be sent to its supplier
    "creationDate"         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate"     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    UNIQUE ("shopRef", "shopOrderNo")
);

CREATE TABLE IF NOT EXISTS "OrderAddressDO" (
    "id"            INTEGER PRIMARY KEY,
    "orderRef"      INTEGER NOT NULL REFERENCES "OrderDO"("id") ON DELETE CASCADE,
    "addressType"   TEXT NOT NULL CHECK ("addressType" IN ('DELIVERY','BILLING','OTHER')),
    "typeName"      TEXT,          -- Address/@type as sent
    "companyName"   TEXT,
    "salutation"    TEXT,
    "title"         TEXT,
    "firstName"     TEXT,
    "lastName"      TEXT,
    "email"         TEXT,
    "telephone"     TEXT,
    "mobile"        TEXT,
    "fax"           TEXT,
    "street"        TEXT,
    "houseNumber"   TEXT,
    "poBox"         TEXT,
    "packstation"   TEXT,
    "addition1"     TEXT,
    "addition2"     TEXT,
    "district"      TEXT,
    "city"          TEXT NOT NULL,
    "postCode"      TEXT NOT NULL,
    "state"         TEXT,
    "country"       TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS "OrderPositionDO" (
    "id"                 INTEGER PRIMARY KEY,
    "orderRef"           INTEGER NOT NULL REFERENCES "OrderDO"("id") ON DELETE CASCADE,
    "number"             INTEGER NOT NULL,
    "articleId"          TEXT NOT NULL,        -- shop article number
    "articleName"        TEXT NOT NULL,
    "supplierArticleNo"  TEXT,
    "ean"                TEXT,
    "isbn"               TEXT,
    "quantity"           INTEGER NOT NULL CHECK ("quantity" > 0),
    "deliveryDays"       INTEGER NOT NULL DEFAULT 0,
    "supplierRef"        INTEGER REFERENCES "SupplierDO"("id"),
    "selectedSupplier"   TEXT,
    "taxTypeDefRef"      INTEGER REFERENCES "TaxTypeDefDO"("id"),
    "unitNet"            INTEGER,
    "unitGross"          INTEGER,
    "sumNet"             INTEGER,
    "sumGross"           INTEGER,
    "sumTax"             INTEGER,
    "purchaseUnitNet"    INTEGER,
    "purchaseSumNet"     INTEGER,
    -- unit prices exactly as the storeOrder file gave them (5 decimals; the INTEGER columns are
    -- rounded half-even to minor units)
    "unitNetDecimal"         TEXT,
    "unitGrossDecimal"       TEXT,
    "purchaseUnitNetDecimal" TEXT,
    -- what change requests of the order service cancelled (docs/orders.md, "Change requests")
    "cancelledQuantity"  INTEGER NOT NULL DEFAULT 0 CHECK ("cancelledQuantity" >= 0),
    UNIQUE ("orderRef", "number")
);

-- Sales prices of an order (Sum / Charge / Total) and their taxes, minor units.
CREATE TABLE IF NOT EXISTS "OrderChargeDO" (
    "id"          INTEGER PRIMARY KEY,
    "orderRef"    INTEGER NOT NULL REFERENCES "OrderDO"("id") ON DELETE CASCADE,
    "kind"        TEXT NOT NULL CHECK ("kind" IN ('SUM','CHARGE','TOTAL')),
    "chargeType"  TEXT,            -- DELIVERYCHARGE, PAYMENTCHARGE for kind CHARGE
    "net"         INTEGER,
    "gross"       INTEGER,
    "taxType"     TEXT,
    "tax"         INTEGER
);

-- Properties of an order (positionRef NULL) or of a position.
CREATE TABLE IF NOT EXISTS "OrderPropertyDO" (
    "id"          INTEGER PRIMARY KEY,
    "orderRef"    INTEGER NOT NULL REFERENCES "OrderDO"("id") ON DELETE CASCADE,
    "positionRef" INTEGER REFERENCES "OrderPositionDO"("id") ON DELETE CASCADE,
    "groupId"     TEXT NOT NULL,
    "key"         TEXT NOT NULL,
    "value"       TEXT NOT NULL
);

-- ===================================================================================
-- Debtors and invoices
-- ===================================================================================

CREATE TABLE IF NOT EXISTS "DebitorDO" (
    "id"                         INTEGER PRIMARY KEY,
    "shopRef"                    INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "customerRef"                INTEGER REFERENCES "CustomerDO"("id"),
    "type"                       INTEGER NOT NULL CHECK ("type" IN (1, 2)),   -- 1 = B2B company, 2 = B2C person
    "active"                     INTEGER NOT NULL DEFAULT 1 CHECK ("active" IN (0,1)),
    -- Company
    "companyName"                TEXT,
    "department"                 TEXT,
    "lineOfBusiness"             TEXT,
    "costNo"                     TEXT,
    "commercialRegisterId"       TEXT,
    "commercialRegisterLocation" TEXT,
    "companyType"                TEXT,
    "vatNo"                      TEXT,
    -- Person
    "salutation"                 TEXT,
    "title"                      TEXT,
    "firstName"                  TEXT,
    "middleName"                 TEXT,
    "lastName"                   TEXT,
    -- contact
    "email"                      TEXT,
    "telephone"                  TEXT,
    "currency"                   TEXT,
    "language"                   TEXT,
    -- billing address (Address type 2)
    "city"                       TEXT,
    "postCode"                   TEXT,
    "state"                      TEXT,
    "district"                   TEXT,
    "poBox"                      TEXT,
    "street"                     TEXT,
    "houseNumber"                TEXT,
    "addition1"                  TEXT,
    "addition2"                  TEXT,
    "addition3"                  TEXT,
    "addition4"                  TEXT,
    "country"                    TEXT,
    -- bank
    "bankOwner"                  TEXT,
    "iban"                       TEXT,
    "bic"                        TEXT,
    "bankName"                   TEXT,
    "creationDate"               TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate"           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    CHECK ("type" <> 1 OR "companyName" IS NOT NULL),
    CHECK ("type" <> 2 OR "lastName" IS NOT NULL)
);

CREATE TABLE IF NOT EXISTS "DebitorPropertyDO" (
    "id"         INTEGER PRIMARY KEY,
    "debitorRef" INTEGER NOT NULL REFERENCES "DebitorDO"("id") ON DELETE CASCADE,
    "key"        TEXT NOT NULL,
    "value"      TEXT NOT NULL
);

-- An invoice or credit note (InvoicingDO in IOM). invoiceNo is the RefNr of the accounting files.
CREATE TABLE IF NOT EXISTS "InvoicingDO" (
    "id"                 INTEGER PRIMARY KEY,
    "invoiceNo"          TEXT NOT NULL UNIQUE,
    "shopRef"            INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "orderRef"           INTEGER REFERENCES "OrderDO"("id"),
    "debitorRef"         INTEGER REFERENCES "DebitorDO"("id"),
    "documentTypeDefRef" INTEGER NOT NULL DEFAULT 18 REFERENCES "DocumentTypeDefDO"("id"),
    "paymentDefRef"      INTEGER REFERENCES "PaymentDefDO"("id"),
    "currency"           TEXT NOT NULL DEFAULT 'EUR',
    "invoiceDate"        TEXT NOT NULL,
    "grossAmount"        INTEGER NOT NULL,
    "netAmount"          INTEGER NOT NULL,
    "companyCode"        TEXT,
    "payTerm"            TEXT,
    "creationDate"       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now'))
);

-- Taxes per tax type of an invoice, minor units.
CREATE TABLE IF NOT EXISTS "InvoicingTaxDO" (
    "id"            INTEGER PRIMARY KEY,
    "invoicingRef"  INTEGER NOT NULL REFERENCES "InvoicingDO"("id") ON DELETE CASCADE,
    "taxTypeDefRef" INTEGER NOT NULL REFERENCES "TaxTypeDefDO"("id"),
    "netAmount"     INTEGER NOT NULL,
    "taxAmount"     INTEGER NOT NULL,
    UNIQUE ("invoicingRef", "taxTypeDefRef")
);

-- ===================================================================================
-- Dispatches, returns, return announcements
-- ===================================================================================

CREATE TABLE IF NOT EXISTS "DispatchDO" (
    "id"                  INTEGER PRIMARY KEY,
    "orderRef"            INTEGER NOT NULL REFERENCES "OrderDO"("id"),
    "supplierRef"         INTEGER NOT NULL REFERENCES "SupplierDO"("id"),
    "carrierRef"          INTEGER REFERENCES "CarrierDO"("id"),
    "supplierOrderNo"     TEXT,              -- PurchaseOrderNo
    "deliveryNoteNo"      TEXT,
    "invoiceNo"           TEXT,              -- RefNr
    "creditorId"          TEXT,              -- Creditor/@id, id of the creditor given by the supplier
    "companyCode"         TEXT,
    "payTerm"             TEXT,
    "netAmount"           INTEGER NOT NULL,  -- minor units, positive
    "currency"            TEXT NOT NULL DEFAULT 'EUR',
    "dispatchDate"        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "creationDate"        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    -- dispatches imported from openTRANS DISPATCHNOTIFICATION files (ImportXmlOpenTransDispatchBean)
    "trackingNumbers"        TEXT,          -- PACKAGE_IDs of type deliverer_specific, joined by ';'
    "dispatchNotificationId" TEXT,          -- DISPATCHNOTIFICATION_ID (also in deliveryNoteNo)
    "importFileRef"          INTEGER REFERENCES "ImportFileDO"("id")  -- the file the dispatch came from
);

CREATE TABLE IF NOT EXISTS "ReturnDO" (
    "id"                  INTEGER PRIMARY KEY,
    "orderRef"            INTEGER NOT NULL REFERENCES "OrderDO"("id"),
    "supplierRef"         INTEGER NOT NULL REFERENCES "SupplierDO"("id"),
    "supplierOrderNo"     TEXT,
    "invoiceNo"           TEXT,
    "creditorId"          TEXT,
    "companyCode"         TEXT,
    "payTerm"             TEXT,
    "netAmount"           INTEGER NOT NULL,  -- minor units, positive; exported negative
    "currency"            TEXT NOT NULL DEFAULT 'EUR',
    "returnDate"          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "creationDate"        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now'))
);

CREATE TABLE IF NOT EXISTS "ReturnAnnouncementDO" (
    "id"                     INTEGER PRIMARY KEY,
    "orderRef"               INTEGER NOT NULL REFERENCES "OrderDO"("id"),
    "rmaNumber"              TEXT NOT NULL,
    "type"                   TEXT NOT NULL DEFAULT 'RETURN' CHECK ("type" IN ('RETURN','PICKUP')),
    "stateDefRef"            INTEGER NOT NULL DEFAULT 1,
    "contactFirstName"       TEXT,
    "contactLastName"        TEXT,
    "contactCompanyName"     TEXT,
    "contactPhone"           TEXT,
    "contactEmail"           TEXT,
    "correspondenceLanguage" TEXT,
    "pickupFirstName"        TEXT,
    "pickupLastName"         TEXT,
    "pickupCompanyName"      TEXT,
    "pickupStreetName"       TEXT,
    "pickupStreetNumber"     TEXT,
    "pickupCity"             TEXT,
    "pickupPostCode"         TEXT,
    "pickupDistrict"         TEXT,
    "pickupAddition1"        TEXT,
    "pickupAddition2"        TEXT,
    "pickupCountry"          TEXT,
    "creationDate"           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    -- the RMA service's return requests (schema version 9): the shop's comment and the approval's
    "comment"                TEXT,
    "approvalComment"        TEXT,
    CHECK ("type" <> 'PICKUP' OR ("pickupLastName" IS NOT NULL AND "pickupStreetName" IS NOT NULL
                                  AND "pickupCity" IS NOT NULL AND "pickupPostCode" IS NOT NULL
                                  AND "pickupCountry" IS NOT NULL))
);

CREATE TABLE IF NOT EXISTS "ReturnAnnouncementPositionDO" (
    "id"                    INTEGER PRIMARY KEY,
    "returnAnnouncementRef" INTEGER NOT NULL REFERENCES "ReturnAnnouncementDO"("id") ON DELETE CASCADE,
    "orderPositionRef"      INTEGER NOT NULL REFERENCES "OrderPositionDO"("id"),
    "quantity"              INTEGER CHECK ("quantity" IS NULL OR "quantity" > 0),
    "returnReason"          TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS "ReturnAnnouncementItemDO" (
    "id"                            INTEGER PRIMARY KEY,
    "returnAnnouncementPositionRef" INTEGER NOT NULL REFERENCES "ReturnAnnouncementPositionDO"("id") ON DELETE CASCADE,
    "serialNumber"                  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS "ReturnAnnouncementPropertyDO" (
    "id"                    INTEGER PRIMARY KEY,
    "returnAnnouncementRef" INTEGER NOT NULL REFERENCES "ReturnAnnouncementDO"("id") ON DELETE CASCADE,
    "groupId"               TEXT NOT NULL,
    "key"                   TEXT NOT NULL,
    "value"                 TEXT NOT NULL
);

-- The RMA service's custom attributes of a return request position (schema version 9); those of
-- a request are "ReturnAnnouncementPropertyDO" rows of group 'customAttributes'.
CREATE TABLE IF NOT EXISTS "ReturnAnnouncementPositionPropertyDO" (
    "id"                            INTEGER PRIMARY KEY,
    "returnAnnouncementPositionRef" INTEGER NOT NULL REFERENCES "ReturnAnnouncementPositionDO"("id") ON DELETE CASCADE,
    "key"                           TEXT NOT NULL,
    "value"                         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS "ReturnAnnouncementPositionPropertyDO_position" ON "ReturnAnnouncementPositionPropertyDO" ("returnAnnouncementPositionRef");

-- == export triggers (owned by src/send) ==
-- Business events create transmissions here, in the database, so that rows written by any
-- client (impex, the sqlite3 shell, an import) are exported. One transmission per matching
-- active "CommunicationPartnerDO" whose sending partner is the object's shop; the receiver is the
-- configured one or, when NULL, the object's own partner (the shop's finance controllers for
-- accounting documents, the order's suppliers for orders and return announcements). An event
-- with no partner is recorded in "ExportUnroutedEventDO".
CREATE TRIGGER IF NOT EXISTS "DispatchDO_export" AFTER INSERT ON "DispatchDO"
BEGIN
  INSERT INTO "TransmissionDO" ("transmissionTypeDefRef", "communicationPartnerRef", "sendingPartnerReferrerRef",
                                "receivingPartnerReferrerRef", "dispatchRef", "event")
  SELECT r."transmissionTypeDefRef", r."communicationPartnerRef", r."sendingPartnerReferrerRef",
         r."receivingPartnerReferrerRef", NEW."id", NULL
  FROM "ExportAccountingRouteV" r
  WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_DISPATCH' AND r."shopRef" = (SELECT o."shopRef" FROM "OrderDO" o WHERE o."id" = NEW."orderRef");
  INSERT INTO "ExportUnroutedEventDO" ("communicationKey", "businessTable", "businessRef", "shopRef", "event")
  SELECT 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_DISPATCH', 'DispatchDO', NEW."id", (SELECT o."shopRef" FROM "OrderDO" o WHERE o."id" = NEW."orderRef"), NULL
  WHERE NOT EXISTS (SELECT 1 FROM "ExportAccountingRouteV" r
                    WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_DISPATCH' AND r."shopRef" = (SELECT o."shopRef" FROM "OrderDO" o WHERE o."id" = NEW."orderRef"));
END;

CREATE TRIGGER IF NOT EXISTS "ReturnDO_export" AFTER INSERT ON "ReturnDO"
BEGIN
  INSERT INTO "TransmissionDO" ("transmissionTypeDefRef", "communicationPartnerRef", "sendingPartnerReferrerRef",
                                "receivingPartnerReferrerRef", "returnRef", "event")
  SELECT r."transmissionTypeDefRef", r."communicationPartnerRef", r."sendingPartnerReferrerRef",
         r."receivingPartnerReferrerRef", NEW."id", NULL
  FROM "ExportAccountingRouteV" r
  WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_RETURN' AND r."shopRef" = (SELECT o."shopRef" FROM "OrderDO" o WHERE o."id" = NEW."orderRef");
  INSERT INTO "ExportUnroutedEventDO" ("communicationKey", "businessTable", "businessRef", "shopRef", "event")
  SELECT 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_RETURN', 'ReturnDO', NEW."id", (SELECT o."shopRef" FROM "OrderDO" o WHERE o."id" = NEW."orderRef"), NULL
  WHERE NOT EXISTS (SELECT 1 FROM "ExportAccountingRouteV" r
                    WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_RETURN' AND r."shopRef" = (SELECT o."shopRef" FROM "OrderDO" o WHERE o."id" = NEW."orderRef"));
END;

CREATE TRIGGER IF NOT EXISTS "InvoicingDO_export" AFTER INSERT ON "InvoicingDO"
BEGIN
  INSERT INTO "TransmissionDO" ("transmissionTypeDefRef", "communicationPartnerRef", "sendingPartnerReferrerRef",
                                "receivingPartnerReferrerRef", "invoicingRef", "event")
  SELECT r."transmissionTypeDefRef", r."communicationPartnerRef", r."sendingPartnerReferrerRef",
         r."receivingPartnerReferrerRef", NEW."id", NULL
  FROM "ExportAccountingRouteV" r
  WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_OPEN_AMOUNT' AND r."shopRef" = NEW."shopRef";
  INSERT INTO "ExportUnroutedEventDO" ("communicationKey", "businessTable", "businessRef", "shopRef", "event")
  SELECT 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_OPEN_AMOUNT', 'InvoicingDO', NEW."id", NEW."shopRef", NULL
  WHERE NOT EXISTS (SELECT 1 FROM "ExportAccountingRouteV" r
                    WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_OPEN_AMOUNT' AND r."shopRef" = NEW."shopRef");
END;

CREATE TRIGGER IF NOT EXISTS "DebitorDO_export_insert" AFTER INSERT ON "DebitorDO"
BEGIN
  INSERT INTO "TransmissionDO" ("transmissionTypeDefRef", "communicationPartnerRef", "sendingPartnerReferrerRef",
                                "receivingPartnerReferrerRef", "debitorRef", "event")
  SELECT r."transmissionTypeDefRef", r."communicationPartnerRef", r."sendingPartnerReferrerRef",
         r."receivingPartnerReferrerRef", NEW."id", 'CD'
  FROM "ExportAccountingRouteV" r
  WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR' AND r."shopRef" = NEW."shopRef";
  INSERT INTO "ExportUnroutedEventDO" ("communicationKey", "businessTable", "businessRef", "shopRef", "event")
  SELECT 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR', 'DebitorDO', NEW."id", NEW."shopRef", 'CD'
  WHERE NOT EXISTS (SELECT 1 FROM "ExportAccountingRouteV" r
                    WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR' AND r."shopRef" = NEW."shopRef");
END;

CREATE TRIGGER IF NOT EXISTS "DebitorDO_export_update" AFTER UPDATE ON "DebitorDO"
BEGIN
  INSERT INTO "TransmissionDO" ("transmissionTypeDefRef", "communicationPartnerRef", "sendingPartnerReferrerRef",
                                "receivingPartnerReferrerRef", "debitorRef", "event")
  SELECT r."transmissionTypeDefRef", r."communicationPartnerRef", r."sendingPartnerReferrerRef",
         r."receivingPartnerReferrerRef", NEW."id", CASE WHEN OLD."active" = 1 AND NEW."active" = 0 THEN 'DD' ELSE 'UD' END
  FROM "ExportAccountingRouteV" r
  WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR' AND r."shopRef" = NEW."shopRef";
  INSERT INTO "ExportUnroutedEventDO" ("communicationKey", "businessTable", "businessRef", "shopRef", "event")
  SELECT 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR', 'DebitorDO', NEW."id", NEW."shopRef", CASE WHEN OLD."active" = 1 AND NEW."active" = 0 THEN 'DD' ELSE 'UD' END
  WHERE NOT EXISTS (SELECT 1 FROM "ExportAccountingRouteV" r
                    WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR' AND r."shopRef" = NEW."shopRef");
END;

CREATE TRIGGER IF NOT EXISTS "OrderDO_export_insert" AFTER INSERT ON "OrderDO"
  WHEN NEW."readyForSupplier" IS NOT NULL
BEGIN
  INSERT INTO "TransmissionDO" ("transmissionTypeDefRef", "communicationPartnerRef", "sendingPartnerReferrerRef",
                                "receivingPartnerReferrerRef", "orderRef")
  SELECT r."transmissionTypeDefRef", r."communicationPartnerRef", r."sendingPartnerReferrerRef",
         COALESCE(r."receivingPartnerReferrerRef", pr."id"), NEW."id"
  FROM "ExportRouteV" r
  LEFT JOIN "PartnerReferrerDO" pr ON r."receivingPartnerReferrerRef" IS NULL
       AND pr."supplierRef" IN (SELECT s."supplierRef" FROM "ExportOrderSupplierV" s WHERE s."orderRef" = NEW."id")
  WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_ORDER' AND r."shopRef" = NEW."shopRef"
    AND (r."receivingPartnerReferrerRef" IS NOT NULL OR pr."id" IS NOT NULL);
  INSERT INTO "ExportUnroutedEventDO" ("communicationKey", "businessTable", "businessRef", "shopRef")
  SELECT 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_ORDER', 'OrderDO', NEW."id", NEW."shopRef"
  WHERE NOT EXISTS (SELECT 1 FROM "ExportRouteV" r
  LEFT JOIN "PartnerReferrerDO" pr ON r."receivingPartnerReferrerRef" IS NULL
       AND pr."supplierRef" IN (SELECT s."supplierRef" FROM "ExportOrderSupplierV" s WHERE s."orderRef" = NEW."id")
  WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_ORDER' AND r."shopRef" = NEW."shopRef"
    AND (r."receivingPartnerReferrerRef" IS NOT NULL OR pr."id" IS NOT NULL));
END;

CREATE TRIGGER IF NOT EXISTS "OrderDO_export_ready" AFTER UPDATE OF "readyForSupplier" ON "OrderDO"
  WHEN OLD."readyForSupplier" IS NULL AND NEW."readyForSupplier" IS NOT NULL
BEGIN
  INSERT INTO "TransmissionDO" ("transmissionTypeDefRef", "communicationPartnerRef", "sendingPartnerReferrerRef",
                                "receivingPartnerReferrerRef", "orderRef")
  SELECT r."transmissionTypeDefRef", r."communicationPartnerRef", r."sendingPartnerReferrerRef",
         COALESCE(r."receivingPartnerReferrerRef", pr."id"), NEW."id"
  FROM "ExportRouteV" r
  LEFT JOIN "PartnerReferrerDO" pr ON r."receivingPartnerReferrerRef" IS NULL
       AND pr."supplierRef" IN (SELECT s."supplierRef" FROM "ExportOrderSupplierV" s WHERE s."orderRef" = NEW."id")
  WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_ORDER' AND r."shopRef" = NEW."shopRef"
    AND (r."receivingPartnerReferrerRef" IS NOT NULL OR pr."id" IS NOT NULL);
  INSERT INTO "ExportUnroutedEventDO" ("communicationKey", "businessTable", "businessRef", "shopRef")
  SELECT 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_ORDER', 'OrderDO', NEW."id", NEW."shopRef"
  WHERE NOT EXISTS (SELECT 1 FROM "ExportRouteV" r
  LEFT JOIN "PartnerReferrerDO" pr ON r."receivingPartnerReferrerRef" IS NULL
       AND pr."supplierRef" IN (SELECT s."supplierRef" FROM "ExportOrderSupplierV" s WHERE s."orderRef" = NEW."id")
  WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_ORDER' AND r."shopRef" = NEW."shopRef"
    AND (r."receivingPartnerReferrerRef" IS NOT NULL OR pr."id" IS NOT NULL));
END;

CREATE TRIGGER IF NOT EXISTS "ReturnAnnouncementDO_export" AFTER INSERT ON "ReturnAnnouncementDO"
BEGIN
  INSERT INTO "TransmissionDO" ("transmissionTypeDefRef", "communicationPartnerRef", "sendingPartnerReferrerRef",
                                "receivingPartnerReferrerRef", "returnAnnouncementRef")
  SELECT r."transmissionTypeDefRef", r."communicationPartnerRef", r."sendingPartnerReferrerRef",
         COALESCE(r."receivingPartnerReferrerRef", pr."id"), NEW."id"
  FROM "ExportRouteV" r
  LEFT JOIN "PartnerReferrerDO" pr ON r."receivingPartnerReferrerRef" IS NULL
       AND pr."supplierRef" IN (SELECT s."supplierRef" FROM "ExportOrderSupplierV" s WHERE s."orderRef" = NEW."orderRef")
  WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_RETURN_ANNOUNCEMENT' AND r."shopRef" = (SELECT o."shopRef" FROM "OrderDO" o WHERE o."id" = NEW."orderRef")
    AND (r."receivingPartnerReferrerRef" IS NOT NULL OR pr."id" IS NOT NULL)
    AND (r."decisionBeanDefRef" IS DISTINCT FROM 180 OR NEW."stateDefRef" = 5000);
  INSERT INTO "ExportUnroutedEventDO" ("communicationKey", "businessTable", "businessRef", "shopRef")
  SELECT 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_RETURN_ANNOUNCEMENT', 'ReturnAnnouncementDO', NEW."id", (SELECT o."shopRef" FROM "OrderDO" o WHERE o."id" = NEW."orderRef")
  WHERE NOT EXISTS (SELECT 1 FROM "ExportRouteV" r
  LEFT JOIN "PartnerReferrerDO" pr ON r."receivingPartnerReferrerRef" IS NULL
       AND pr."supplierRef" IN (SELECT s."supplierRef" FROM "ExportOrderSupplierV" s WHERE s."orderRef" = NEW."orderRef")
  WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_RETURN_ANNOUNCEMENT' AND r."shopRef" = (SELECT o."shopRef" FROM "OrderDO" o WHERE o."id" = NEW."orderRef")
    AND (r."receivingPartnerReferrerRef" IS NOT NULL OR pr."id" IS NOT NULL)
);
END;
-- Decision bean 180 (returnannouncementAccepted): such partners get the return announcement when
-- it is ACCEPTED ("stateDefRef" 5000), not when it is stored (unless it is stored as ACCEPTED).
CREATE TRIGGER IF NOT EXISTS "ReturnAnnouncementDO_export_accepted" AFTER UPDATE OF "stateDefRef" ON "ReturnAnnouncementDO"
  WHEN NEW."stateDefRef" = 5000 AND OLD."stateDefRef" IS NOT 5000
BEGIN
  INSERT INTO "TransmissionDO" ("transmissionTypeDefRef", "communicationPartnerRef", "sendingPartnerReferrerRef",
                                "receivingPartnerReferrerRef", "returnAnnouncementRef")
  SELECT r."transmissionTypeDefRef", r."communicationPartnerRef", r."sendingPartnerReferrerRef",
         COALESCE(r."receivingPartnerReferrerRef", pr."id"), NEW."id"
  FROM "ExportRouteV" r
  LEFT JOIN "PartnerReferrerDO" pr ON r."receivingPartnerReferrerRef" IS NULL
       AND pr."supplierRef" IN (SELECT s."supplierRef" FROM "ExportOrderSupplierV" s WHERE s."orderRef" = NEW."orderRef")
  WHERE r."key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_RETURN_ANNOUNCEMENT' AND r."shopRef" = (SELECT o."shopRef" FROM "OrderDO" o WHERE o."id" = NEW."orderRef")
    AND (r."receivingPartnerReferrerRef" IS NOT NULL OR pr."id" IS NOT NULL)
    AND r."decisionBeanDefRef" = 180;
END;
-- == end export triggers ==

-- ===================================================================================
-- Dispatch positions (openTRANS dispatch import)
-- ===================================================================================

-- What a dispatch shipped, per order position (ImportXmlOpenTransDispatchBean writes one row per
-- DISPATCHNOTIFICATION_ITEM). The open quantity of a position is its "quantity" minus the sum
-- of its rows here.
CREATE TABLE IF NOT EXISTS "DispatchPositionDO" (
    "id"               INTEGER PRIMARY KEY,
    "dispatchRef"      INTEGER NOT NULL REFERENCES "DispatchDO"("id") ON DELETE CASCADE,
    "orderPositionRef" INTEGER NOT NULL REFERENCES "OrderPositionDO"("id"),
    "number"           INTEGER NOT NULL,   -- "OrderPositionDO"."number" (LINE_ITEM_ID)
    "quantity"         INTEGER NOT NULL CHECK ("quantity" > 0),
    "lineItemId"       TEXT,               -- DISPATCHNOTIFICATION_ITEM/LINE_ITEM_ID as sent
    "supplierPid"      TEXT,               -- PRODUCT_ID/SUPPLIER_PID
    "orderUnit"        TEXT                -- ORDER_UNIT
);
CREATE INDEX IF NOT EXISTS "DispatchPositionDO_orderPositionRef" ON "DispatchPositionDO" ("orderPositionRef");
CREATE INDEX IF NOT EXISTS "DispatchPositionDO_dispatchRef" ON "DispatchPositionDO" ("dispatchRef");
-- the dispatches of an order (the import looks up the dispatch of an order of its file by it)
CREATE INDEX IF NOT EXISTS "DispatchDO_orderRef" ON "DispatchDO" ("orderRef");

-- == articles (ImportCsvArticleBean, TransformerBeanDefDO -10300) ==
-- Article (A) and availability (BCG) CSV files of suppliers: docs/import.md, "Articles and
-- availability". Money: minor units (INTEGER, rounded half to even) plus the exact decimal as
-- given ("...Decimal", normalised to a decimal point).
CREATE TABLE IF NOT EXISTS "ImportDatapackFileTypeDefDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

-- The header a supplier's files of one type have (IOM: product."ImportConfigurationDO").
CREATE TABLE IF NOT EXISTS "ImportConfigurationDO" (
    "id"                           INTEGER PRIMARY KEY,
    "csvHeader"                    TEXT NOT NULL,
    "csvDelimiter"                 TEXT NOT NULL DEFAULT '|',
    "csvQuote"                     TEXT,          -- NULL: 0x18 (CAN)
    "supplierRef"                  INTEGER NOT NULL REFERENCES "SupplierDO"("id"),
    "importDatapackFileTypeDefRef" INTEGER NOT NULL REFERENCES "ImportDatapackFileTypeDefDO"("id"),
    "creationDate"                 TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate"             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    UNIQUE ("supplierRef", "importDatapackFileTypeDefRef")
);

-- Basic data of a supplier's article (A files), one row per supplier and supplierArticleNo.
CREATE TABLE IF NOT EXISTS "SupplierArticleDO" (
    "id"                         INTEGER PRIMARY KEY,
    "supplierRef"                INTEGER NOT NULL REFERENCES "SupplierDO"("id"),
    "supplierArticleNo"          TEXT NOT NULL,   -- as given (leading zeros lost upstream stay lost)
    "manufacturer"               TEXT,
    "manufacturerArticleNo"      TEXT,
    "isbn"                       TEXT,
    "ean"                        TEXT,
    "articleName"                TEXT,
    "length"                     TEXT,            -- decimals as text, decimal point
    "height"                     TEXT,
    "width"                      TEXT,
    "weight"                     TEXT,
    "assortmentName"             TEXT,
    "assortmentIdentifier"       TEXT,
    "deliveryForm"               TEXT,
    "customsTariffNo"            TEXT,
    "parentSupplierArticleNo"    TEXT,
    "articleForm"                TEXT,
    "immaterialUid"              TEXT,
    "articleLanguage"            TEXT,
    "supplierSalesCode"          TEXT,
    "supplierArticleIdentifier"  TEXT,
    "articleType"                TEXT,
    "edition"                    TEXT,
    "packagingUnit"              TEXT,
    "packagingUnitValue"         TEXT,            -- decimal as text
    "importFileRef"              INTEGER REFERENCES "ImportFileDO"("id"),
    "creationDate"               TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate"           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "version"                    INTEGER NOT NULL DEFAULT 1,
    UNIQUE ("supplierRef", "supplierArticleNo")
);

-- Availability and prices of a supplier's article in a shop (BCG files), one row per shop,
-- supplier and supplierArticleNo. The inventory (ATP) service answers from "stockLevel".
CREATE TABLE IF NOT EXISTS "ArticleStockDO" (
    "id"                     INTEGER PRIMARY KEY,
    "shopRef"                INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "supplierRef"            INTEGER NOT NULL REFERENCES "SupplierDO"("id"),
    "supplierArticleNo"      TEXT NOT NULL,
    "currency"               TEXT,
    "purchasePrice"          INTEGER,
    "purchasePriceDecimal"   TEXT,
    "listPrice"              INTEGER,
    "listPriceDecimal"       TEXT,
    "stockLevel"             INTEGER,
    "stockType"              TEXT,
    "availabilityInDays"     INTEGER,
    "salesPrice"             INTEGER,
    "salesPriceDecimal"      TEXT,
    "basicPrice"             INTEGER,
    "basicPriceDecimal"      TEXT,
    "basicPriceUnitValue"    TEXT,
    "basicPriceUnit"         TEXT,
    "salesPriceOld"          INTEGER,
    "salesPriceOldDecimal"   TEXT,
    "provisionType"          TEXT,
    "provisionPercentage"    TEXT,
    "taxType"                TEXT,
    "isBestseller"           INTEGER CHECK ("isBestseller" IN (0,1)),
    "importFileRef"          INTEGER REFERENCES "ImportFileDO"("id"),
    "creationDate"           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate"       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "version"                INTEGER NOT NULL DEFAULT 1,
    UNIQUE ("shopRef", "supplierRef", "supplierArticleNo")
);
-- == end articles ==

-- ===================================================================================
-- Users, roles and rights (IOM's user model; used by src/auth, docs/api.md)
-- ===================================================================================
-- == users (owned by src/auth; SQL in src/db/queries/users.rs and src/db/state/user.rs) ==

-- An account of the REST API (a shop's technical user, an operator). IOM's columns; impex adds
-- the lockout columns "failedLogins", "lastFailedLogin" and "blockedSince" (IOM calls a locked
-- account USER_BLOCKED), written only by src/db/state/user.rs.
CREATE TABLE IF NOT EXISTS "UserDO" (
    "id"               INTEGER PRIMARY KEY,
    "accountName"      TEXT NOT NULL UNIQUE CHECK ("accountName" <> ''),
    "active"           INTEGER NOT NULL DEFAULT 1 CHECK ("active" IN (0,1)),
    "email"            TEXT,
    "firstName"        TEXT,
    "lastName"         TEXT,
    "companyName"      TEXT,
    -- an Argon2id PHC string ($argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>); NULL: no login
    "cryptedPassword"  TEXT,
    -- IOM's column; unused by impex and NULL (the PHC string carries the salt)
    "hashSalt"         TEXT,
    -- impex: failed logins in the current window (since "lastFailedLogin" minus the window)
    "failedLogins"     INTEGER NOT NULL DEFAULT 0 CHECK ("failedLogins" >= 0),
    -- impex: time of the last failed login (impex's timestamp format, UTC)
    "lastFailedLogin"  TEXT,
    -- impex: set when the account was blocked (USER_BLOCKED); NULL: not blocked
    "blockedSince"     TEXT,
    "creationDate"     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "version"          INTEGER NOT NULL DEFAULT 0
);

-- A role: a named set of rights (seed/reference.sql: ShopServiceClient, Operator).
CREATE TABLE IF NOT EXISTS "RoleDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

-- A right: one group of API operations (seed/reference.sql: ATP_READ, ...). IOM's ids of its
-- rights are not published; impex's have negative ids.
CREATE TABLE IF NOT EXISTS "RightDefDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "description" TEXT
);

CREATE TABLE IF NOT EXISTS "Role2RightDO" (
    "id"          INTEGER PRIMARY KEY,
    "roleRef"     INTEGER NOT NULL REFERENCES "RoleDO"("id") ON DELETE CASCADE,
    "rightDefRef" INTEGER NOT NULL REFERENCES "RightDefDO"("id") ON DELETE CASCADE,
    UNIQUE ("roleRef", "rightDefRef")
);

-- A role of a user in no organization: it covers every shop and supplier (an operator).
CREATE TABLE IF NOT EXISTS "User2RoleDO" (
    "id"      INTEGER PRIMARY KEY,
    "userRef" INTEGER NOT NULL REFERENCES "UserDO"("id") ON DELETE CASCADE,
    "roleRef" INTEGER NOT NULL REFERENCES "RoleDO"("id") ON DELETE CASCADE,
    UNIQUE ("userRef", "roleRef")
);

-- A shop's or a supplier's organization, or one that groups others ("parentId"). Rows for
-- shops and suppliers are made when needed (`impex user add --shop/--supplier`); a shop's
-- organization has the organization of "ShopDO"."parentRef" as its parent.
CREATE TABLE IF NOT EXISTS "OrganizationDO" (
    "id"          INTEGER PRIMARY KEY,
    "name"        TEXT NOT NULL UNIQUE,
    "shopId"      INTEGER UNIQUE REFERENCES "ShopDO"("id"),
    "supplierId"  INTEGER UNIQUE REFERENCES "SupplierDO"("id"),
    "parentId"    INTEGER REFERENCES "OrganizationDO"("id"),
    CHECK ("shopId" IS NULL OR "supplierId" IS NULL)
);

CREATE TABLE IF NOT EXISTS "User2OrganizationDO" (
    "id"              INTEGER PRIMARY KEY,
    "userRef"         INTEGER NOT NULL REFERENCES "UserDO"("id") ON DELETE CASCADE,
    "organizationRef" INTEGER NOT NULL REFERENCES "OrganizationDO"("id") ON DELETE CASCADE,
    UNIQUE ("userRef", "organizationRef")
);

-- A role of a user in an organization: it covers the organization's shop or supplier and those
-- of its child organizations (and the child shops of its shop by "ShopDO"."parentRef").
CREATE TABLE IF NOT EXISTS "User2Role2OrganizationDO" (
    "id"              INTEGER PRIMARY KEY,
    "userRef"         INTEGER NOT NULL REFERENCES "UserDO"("id") ON DELETE CASCADE,
    "roleRef"         INTEGER NOT NULL REFERENCES "RoleDO"("id") ON DELETE CASCADE,
    "organizationRef" INTEGER NOT NULL REFERENCES "OrganizationDO"("id") ON DELETE CASCADE,
    UNIQUE ("userRef", "roleRef", "organizationRef")
);
CREATE INDEX IF NOT EXISTS "User2Role2OrganizationDO_user" ON "User2Role2OrganizationDO" ("userRef");
CREATE INDEX IF NOT EXISTS "OrganizationDO_parent" ON "OrganizationDO" ("parentId");
-- The version of the rights: every change to a table that grants rights (roles, rights,
-- organizations, the shop and supplier trees) counts it up, so that the REST API reuses a user's
-- rights loaded at the same version (src/auth, "principal cache") and sees a change at the next
-- request.
CREATE TABLE IF NOT EXISTS "AuthVersionDO" (
    "id"      INTEGER PRIMARY KEY CHECK ("id" = 1),
    "version" INTEGER NOT NULL
);
INSERT OR IGNORE INTO "AuthVersionDO" ("id", "version") VALUES (1, 0);
CREATE TRIGGER IF NOT EXISTS "RoleDO_rights_insert" AFTER INSERT ON "RoleDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "RoleDO_rights_update" AFTER UPDATE ON "RoleDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "RoleDO_rights_delete" AFTER DELETE ON "RoleDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "RightDefDO_rights_insert" AFTER INSERT ON "RightDefDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "RightDefDO_rights_update" AFTER UPDATE ON "RightDefDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "RightDefDO_rights_delete" AFTER DELETE ON "RightDefDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "Role2RightDO_rights_insert" AFTER INSERT ON "Role2RightDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "Role2RightDO_rights_update" AFTER UPDATE ON "Role2RightDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "Role2RightDO_rights_delete" AFTER DELETE ON "Role2RightDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "User2RoleDO_rights_insert" AFTER INSERT ON "User2RoleDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "User2RoleDO_rights_update" AFTER UPDATE ON "User2RoleDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "User2RoleDO_rights_delete" AFTER DELETE ON "User2RoleDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "OrganizationDO_rights_insert" AFTER INSERT ON "OrganizationDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "OrganizationDO_rights_update" AFTER UPDATE ON "OrganizationDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "OrganizationDO_rights_delete" AFTER DELETE ON "OrganizationDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "User2OrganizationDO_rights_insert" AFTER INSERT ON "User2OrganizationDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "User2OrganizationDO_rights_update" AFTER UPDATE ON "User2OrganizationDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "User2OrganizationDO_rights_delete" AFTER DELETE ON "User2OrganizationDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "User2Role2OrganizationDO_rights_insert" AFTER INSERT ON "User2Role2OrganizationDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "User2Role2OrganizationDO_rights_update" AFTER UPDATE ON "User2Role2OrganizationDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "User2Role2OrganizationDO_rights_delete" AFTER DELETE ON "User2Role2OrganizationDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "ShopDO_rights_insert" AFTER INSERT ON "ShopDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "ShopDO_rights_update" AFTER UPDATE ON "ShopDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "ShopDO_rights_delete" AFTER DELETE ON "ShopDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "SupplierDO_rights_insert" AFTER INSERT ON "SupplierDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "SupplierDO_rights_update" AFTER UPDATE ON "SupplierDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
CREATE TRIGGER IF NOT EXISTS "SupplierDO_rights_delete" AFTER DELETE ON "SupplierDO" BEGIN UPDATE "AuthVersionDO" SET "version" = "version" + 1 WHERE "id" = 1; END;
-- == end users ==

-- == inventory (ATP 2.0 and Reservation 2.0 REST APIs, src/inventory) ==
-- docs/api.md, "Inventory: ATP and reservations". A reservation holds stock of a shop's
-- suppliers for "lifetime" seconds; while it is RESERVED and its "expiryDate" is in the future,
-- its quantities count as reserved in the ATP. Stock is "ArticleStockDO"."stockLevel".
CREATE TABLE IF NOT EXISTS "ReservationDO" (
    -- the API's resvId; AUTOINCREMENT: the id of a deleted reservation is never given again (a
    -- shop holding it must not reach another reservation with it)
    "id"               INTEGER PRIMARY KEY AUTOINCREMENT,
    "shopRef"          INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "type"             TEXT NOT NULL CHECK ("type" IN ('COMPLETE','PARTLY')),
    "state"            TEXT NOT NULL CHECK ("state" IN ('RESERVED','EXPIRED')),  -- src/db/state/reservation.rs
    "lifetime"         INTEGER NOT NULL CHECK ("lifetime" > 0),                   -- seconds
    "expiryDate"       TEXT NOT NULL,                  -- creation (or last update) + lifetime
    "creationDate"     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now'))
);
-- the maintenance function expire_once: RESERVED rows past their expiry
CREATE INDEX IF NOT EXISTS "ReservationDO_due" ON "ReservationDO" ("state", "expiryDate");

-- One product of a reservation as the shop sent it (the ATP id), the quantity asked for and
-- the quantity reserved (the sum of its "ReservationItemStockDO" rows).
CREATE TABLE IF NOT EXISTS "ReservationItemDO" (
    "id"                INTEGER PRIMARY KEY,
    "reservationRef"    INTEGER NOT NULL REFERENCES "ReservationDO"("id") ON DELETE CASCADE,
    "number"            INTEGER NOT NULL,               -- position in the request, from 1
    "productId"         TEXT NOT NULL,                  -- the shop's product id
    "requestedQuantity" INTEGER NOT NULL CHECK ("requestedQuantity" > 0),
    "reservedQuantity"  INTEGER NOT NULL CHECK ("reservedQuantity" >= 0),
    UNIQUE ("reservationRef", "productId")
);

-- Where a reservation item's quantity is held: a supplier of the shop (the ATP location) and
-- its article ("ArticleStockDO" of "shopRef" of the reservation, "supplierRef", "supplierArticleNo").
CREATE TABLE IF NOT EXISTS "ReservationItemStockDO" (
    "id"                 INTEGER PRIMARY KEY,
    "reservationItemRef" INTEGER NOT NULL REFERENCES "ReservationItemDO"("id") ON DELETE CASCADE,
    "reservationRef"     INTEGER NOT NULL REFERENCES "ReservationDO"("id") ON DELETE CASCADE,
    "supplierRef"        INTEGER NOT NULL REFERENCES "SupplierDO"("id"),
    "supplierArticleNo"  TEXT NOT NULL,
    "quantity"           INTEGER NOT NULL CHECK ("quantity" > 0)
);
-- the reserved quantity of an article of a supplier (the ATP's "reserved")
CREATE INDEX IF NOT EXISTS "ReservationItemStockDO_article" ON "ReservationItemStockDO" ("supplierArticleNo", "supplierRef");
CREATE INDEX IF NOT EXISTS "ReservationItemStockDO_reservation" ON "ReservationItemStockDO" ("reservationRef");
CREATE INDEX IF NOT EXISTS "ReservationItemStockDO_item" ON "ReservationItemStockDO" ("reservationItemRef");
-- the ATP's "blocked": ordered, not dispatched positions of an article (by the supplier's
-- article number, or by the shop's when the position has none)
CREATE INDEX IF NOT EXISTS "OrderPositionDO_supplierArticleNo" ON "OrderPositionDO" ("supplierArticleNo");
CREATE INDEX IF NOT EXISTS "OrderPositionDO_articleId" ON "OrderPositionDO" ("articleId") WHERE "supplierArticleNo" IS NULL;
-- == end inventory ==

-- == orders in (issue 17) ==
-- Change requests of the order service (docs/orders.md, "Change requests"): cancellations of a
-- whole order or of positions, decided when they arrive. "status" is written by
-- src/db/state/change_request.rs only; what a request cancelled is in
-- "OrderPositionDO"."cancelledQuantity".
CREATE TABLE IF NOT EXISTS "OrderChangeRequestDO" (
    "id"               INTEGER PRIMARY KEY,
    "orderRef"         INTEGER NOT NULL REFERENCES "OrderDO"("id") ON DELETE CASCADE,
    "changeRequestId"  TEXT NOT NULL,            -- the shop's id of the change request
    "creator"          TEXT NOT NULL,            -- the API user who sent it
    "body"             TEXT NOT NULL,            -- the changeRequest (an Order) as sent, JSON
    "status"           TEXT NOT NULL CHECK ("status" IN ('OPEN','ACCEPTED','APPLIED','FAILED_TO_APPLY')),
    "reason"           TEXT,                     -- why FAILED_TO_APPLY, or what was cancelled
    -- what the supplier learns: NONE (no storeOrder was made), TRANSMISSION_CANCELED (the
    -- storeOrder was not sent yet and will not be), NOT_SENT (the supplier has the storeOrder;
    -- impex has no cancellation format, the operator tells the supplier)
    "supplierNotice"   TEXT CHECK ("supplierNotice" IS NULL OR "supplierNotice" IN ('NONE','TRANSMISSION_CANCELED','NOT_SENT')),
    "creationDate"     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    "modificationDate" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    UNIQUE ("orderRef", "changeRequestId")
);
-- == end orders in ==

-- == documents (issue 17) ==
-- The order documents (src/document, docs/orders.md "Documents"): one PDF per source row (an
-- invoice or credit note of "InvoicingDO", a delivery note of "DispatchDO", a return slip of
-- "ReturnAnnouncementDO", and its return label where the shop's supplier has a return carrier), rendered once by `impex documents render` or the scheduler, the file
-- under the base directory ("path", relative to "omtBasePath"), found by its random "key".
CREATE TABLE IF NOT EXISTS "DocumentDO" (
    "id"                    INTEGER PRIMARY KEY,
    "documentTypeDefRef"    INTEGER NOT NULL REFERENCES "DocumentTypeDefDO"("id"),
    "documentFormatDefRef"  INTEGER NOT NULL DEFAULT 1 REFERENCES "DocumentFormatDefDO"("id"),
    "orderRef"              INTEGER NOT NULL REFERENCES "OrderDO"("id") ON DELETE CASCADE,
    "shopRef"               INTEGER NOT NULL REFERENCES "ShopDO"("id"),
    "invoicingRef"          INTEGER UNIQUE REFERENCES "InvoicingDO"("id") ON DELETE CASCADE,
    "dispatchRef"           INTEGER UNIQUE REFERENCES "DispatchDO"("id") ON DELETE CASCADE,
    -- a return announcement has up to two: its return slip (7) and its return label (1)
    "returnAnnouncementRef" INTEGER REFERENCES "ReturnAnnouncementDO"("id") ON DELETE CASCADE,
    "fileName"              TEXT NOT NULL,     -- the download's name, e.g. InvoiceNote_2014000001.pdf
    "path"                  TEXT NOT NULL,     -- relative to the base directory
    "key"                   TEXT NOT NULL CHECK (length("key") = 64),  -- 32 random bytes, hex
    "creationDate"          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    CHECK (("invoicingRef" IS NOT NULL) + ("dispatchRef" IS NOT NULL) + ("returnAnnouncementRef" IS NOT NULL) = 1),
    UNIQUE ("returnAnnouncementRef", "documentTypeDefRef")
);
CREATE INDEX IF NOT EXISTS "DocumentDO_orderRef" ON "DocumentDO" ("orderRef");
-- == end documents ==

-- == order states (issue 17) ==
-- The change cursor of `GET /shops/{shopId}/order-states/modified` (docs/orders.md, "Order
-- states"): one row per order holding the cursor of its latest change. Every row that changes an
-- order's state (the order, its positions, dispatches, returns and return announcements, its
-- transmissions, invoices, open positions and payment histories) replaces the order's row by the
-- triggers below; AUTOINCREMENT never hands out a cursor twice, and since SQLite serializes
-- writers, a cursor taken inside the writing transaction is in commit order: a reader paging by
-- "cursor" > minCursor never skips a committed change. (PostgreSQL: sequence values are not in
-- commit order there; docs/orders.md says what it needs.)
CREATE TABLE IF NOT EXISTS "OrderChangeDO" (
    "cursor"     INTEGER PRIMARY KEY AUTOINCREMENT,
    "orderRef"   INTEGER NOT NULL UNIQUE,   -- "OrderDO"; no foreign key: never blocks a delete
    "shopRef"    INTEGER NOT NULL,
    "changeDate" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX IF NOT EXISTS "OrderChangeDO_shop" ON "OrderChangeDO" ("shopRef", "cursor");
-- orders stored before the cursor existed (an upgraded database) are a change once
INSERT OR IGNORE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO";

CREATE TRIGGER IF NOT EXISTS "OrderDO_change_insert" AFTER INSERT ON "OrderDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") VALUES (NEW."id", NEW."shopRef");
END;
CREATE TRIGGER IF NOT EXISTS "OrderDO_change_update" AFTER UPDATE ON "OrderDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") VALUES (NEW."id", NEW."shopRef");
END;
CREATE TRIGGER IF NOT EXISTS "OrderPositionDO_change_insert" AFTER INSERT ON "OrderPositionDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO" WHERE "id" = NEW."orderRef";
END;
CREATE TRIGGER IF NOT EXISTS "OrderPositionDO_change_update" AFTER UPDATE ON "OrderPositionDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO" WHERE "id" = NEW."orderRef";
END;
CREATE TRIGGER IF NOT EXISTS "DispatchDO_change_insert" AFTER INSERT ON "DispatchDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO" WHERE "id" = NEW."orderRef";
END;
CREATE TRIGGER IF NOT EXISTS "DispatchDO_change_update" AFTER UPDATE ON "DispatchDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO" WHERE "id" = NEW."orderRef";
END;
CREATE TRIGGER IF NOT EXISTS "DispatchDO_change_delete" AFTER DELETE ON "DispatchDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO" WHERE "id" = OLD."orderRef";
END;
CREATE TRIGGER IF NOT EXISTS "DispatchPositionDO_change_insert" AFTER INSERT ON "DispatchPositionDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef")
  SELECT o."id", o."shopRef" FROM "DispatchDO" d JOIN "OrderDO" o ON o."id" = d."orderRef" WHERE d."id" = NEW."dispatchRef";
END;
CREATE TRIGGER IF NOT EXISTS "DispatchPositionDO_change_update" AFTER UPDATE ON "DispatchPositionDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef")
  SELECT o."id", o."shopRef" FROM "DispatchDO" d JOIN "OrderDO" o ON o."id" = d."orderRef" WHERE d."id" = NEW."dispatchRef";
END;
CREATE TRIGGER IF NOT EXISTS "ReturnDO_change_insert" AFTER INSERT ON "ReturnDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO" WHERE "id" = NEW."orderRef";
END;
CREATE TRIGGER IF NOT EXISTS "ReturnAnnouncementDO_change_insert" AFTER INSERT ON "ReturnAnnouncementDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO" WHERE "id" = NEW."orderRef";
END;
CREATE TRIGGER IF NOT EXISTS "ReturnAnnouncementDO_change_update" AFTER UPDATE ON "ReturnAnnouncementDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO" WHERE "id" = NEW."orderRef";
END;
CREATE TRIGGER IF NOT EXISTS "ReturnAnnouncementPositionDO_change_insert" AFTER INSERT ON "ReturnAnnouncementPositionDO" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef")
  SELECT o."id", o."shopRef" FROM "ReturnAnnouncementDO" a JOIN "OrderDO" o ON o."id" = a."orderRef" WHERE a."id" = NEW."returnAnnouncementRef";
END;
CREATE TRIGGER IF NOT EXISTS "TransmissionDO_change_insert" AFTER INSERT ON "TransmissionDO" WHEN NEW."orderRef" IS NOT NULL BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO" WHERE "id" = NEW."orderRef";
END;
CREATE TRIGGER IF NOT EXISTS "TransmissionDO_change_state" AFTER UPDATE OF "state" ON "TransmissionDO"
  WHEN NEW."orderRef" IS NOT NULL AND NEW."state" IS NOT OLD."state" BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO" WHERE "id" = NEW."orderRef";
END;
CREATE TRIGGER IF NOT EXISTS "InvoicingDO_change_insert" AFTER INSERT ON "InvoicingDO" WHEN NEW."orderRef" IS NOT NULL BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO" WHERE "id" = NEW."orderRef";
END;
CREATE TRIGGER IF NOT EXISTS "InvoicingDO_change_update" AFTER UPDATE ON "InvoicingDO" WHEN NEW."orderRef" IS NOT NULL BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef") SELECT "id", "shopRef" FROM "OrderDO" WHERE "id" = NEW."orderRef";
END;
CREATE TRIGGER IF NOT EXISTS "OpenPositionDO_change_insert" AFTER INSERT ON "OpenPositionDO"
  WHEN (SELECT "orderRef" FROM "InvoicingDO" WHERE "id" = NEW."invoicingRef") IS NOT NULL BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef")
  SELECT o."id", o."shopRef" FROM "InvoicingDO" i JOIN "OrderDO" o ON o."id" = i."orderRef" WHERE i."id" = NEW."invoicingRef";
END;
CREATE TRIGGER IF NOT EXISTS "OpenPositionDO_change_update" AFTER UPDATE ON "OpenPositionDO"
  WHEN (SELECT "orderRef" FROM "InvoicingDO" WHERE "id" = NEW."invoicingRef") IS NOT NULL BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef")
  SELECT o."id", o."shopRef" FROM "InvoicingDO" i JOIN "OrderDO" o ON o."id" = i."orderRef" WHERE i."id" = NEW."invoicingRef";
END;
CREATE TRIGGER IF NOT EXISTS "PaymentHistoryDO_change_insert" AFTER INSERT ON "PaymentHistoryDO"
  WHEN (SELECT "orderRef" FROM "InvoicingDO" WHERE "id" = NEW."invoicingRef") IS NOT NULL BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef")
  SELECT o."id", o."shopRef" FROM "InvoicingDO" i JOIN "OrderDO" o ON o."id" = i."orderRef" WHERE i."id" = NEW."invoicingRef";
END;
CREATE TRIGGER IF NOT EXISTS "PaymentHistoryDO_change_update" AFTER UPDATE ON "PaymentHistoryDO"
  WHEN (SELECT "orderRef" FROM "InvoicingDO" WHERE "id" = NEW."invoicingRef") IS NOT NULL BEGIN
  INSERT OR REPLACE INTO "OrderChangeDO" ("orderRef", "shopRef")
  SELECT o."id", o."shopRef" FROM "InvoicingDO" i JOIN "OrderDO" o ON o."id" = i."orderRef" WHERE i."id" = NEW."invoicingRef";
END;
-- what one order state is read from, by order (and a customer's orders)
CREATE INDEX IF NOT EXISTS "OrderDO_customer" ON "OrderDO" ("shopRef", "shopCustomerNo");
CREATE INDEX IF NOT EXISTS "OrderAddressDO_orderRef" ON "OrderAddressDO" ("orderRef");
CREATE INDEX IF NOT EXISTS "OrderChargeDO_orderRef" ON "OrderChargeDO" ("orderRef");
CREATE INDEX IF NOT EXISTS "OrderPropertyDO_orderRef" ON "OrderPropertyDO" ("orderRef");
CREATE INDEX IF NOT EXISTS "InvoicingDO_orderRef" ON "InvoicingDO" ("orderRef") WHERE "orderRef" IS NOT NULL;
CREATE INDEX IF NOT EXISTS "ReturnAnnouncementDO_orderRef" ON "ReturnAnnouncementDO" ("orderRef");
CREATE INDEX IF NOT EXISTS "ReturnAnnouncementDO_rmaNumber" ON "ReturnAnnouncementDO" ("rmaNumber");
CREATE INDEX IF NOT EXISTS "ReturnAnnouncementPositionDO_orderPositionRef" ON "ReturnAnnouncementPositionDO" ("orderPositionRef");
-- == end order states ==
