-- Dispatch notifications of the suppliers: openTRANS 2.1 DISPATCHNOTIFICATION files
-- (openTransDispatch*.xml) are pulled every minute from the suppliers' gateway into the local
-- dispatches/in/ and imported as dispatches of shop 10000's orders by the impex bean
-- ImportXmlOpenTransDispatchBean. Every dispatch then goes on like any other: with
-- 04_export_purchaseorders_dispatch.sql the PurchaseOrders dispatch export writes its file.
-- typeDefRef 30 is IOM's "pull and push": pull into pushDirectory, then run the group.

INSERT INTO oms."TransformerProcessGroupDO" ("id", "name")
VALUES (nextval('"TransformerProcessGroupDO_id_seq"'), 'import_opentrans_dispatch');

-- "filenameRegex" NULL: parameter 4 names the files (as IOM configurations write it)
INSERT INTO oms."TransformerProcessDO" ("id", index, "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex", "moveObsoleteFiles")
VALUES (nextval('"TransformerProcessDO_id_seq"'), 1,
        (SELECT "id" FROM oms."TransformerBeanDefDO" WHERE "name" = 'ImportXmlOpenTransDispatchBean'),
        currval('"TransformerProcessGroupDO_id_seq"'), NULL, TRUE);

-- parameter 1 SHOP_ID (the shop whose orders are dispatched), parameter 4 SOURCE_FILENAME
INSERT INTO oms."TransformerProcessParameterDO" ("id", "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef")
VALUES (nextval('"TransformerProcessParameterDO_id_seq"'), 10000, 1, currval('"TransformerProcessDO_id_seq"')),
       (nextval('"TransformerProcessParameterDO_id_seq"'), 'openTransDispatch.*\.xml', 4, currval('"TransformerProcessDO_id_seq"'));

-- transmission type 1080 EXT_RECEIVE_DISPATCH; the shop's own partner referrer receives the files
INSERT INTO oms."FileTransferConfigurationDO" ("id", "basePath", "transmissionTypeDefRef", "typeDefRef", "creationDate", "modificationDate", "partnerReferrerRef", "description", "transformerProcessGroupRef")
VALUES (nextval('"FileTransferConfigurationDO_id_seq"'), NULL, 1080, 30, current_timestamp, current_timestamp,
        (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000), 'import_opentrans_dispatch', currval('"TransformerProcessGroupDO_id_seq"'));

-- every minute; FTP job = JobDefDO 3
INSERT INTO oms."ScheduleDO" ("id", "creationDate", "modificationDate", "active", "configId", "cron", "expectedRuntime", "jobDefRef", "lastRun", "lockedSince", "key", "maxNoOfRetries", "retryDelay", "countRetry")
VALUES (nextval('"ScheduleDO_id_seq"'), current_timestamp, current_timestamp, TRUE, currval('"FileTransferConfigurationDO_id_seq"'),
        '0 * * * * ?', 60000, 3, NULL, NULL, 'import_opentrans_dispatch', 10, '1m', 0);

-- receiver NULL: the files are for impex itself (no-op when the partner exists already)
INSERT INTO oms."CommunicationPartnerDO" ("id", "splitTransmission", "communicationRef", "receivingPartnerReferrerRef", "sendingPartnerReferrerRef", "maxNoOfRetries", "retryDelay")
VALUES (nextval('"CommunicationPartnerDO_id_seq"'), FALSE,
        (SELECT "id" FROM oms."CommunicationDO" WHERE "key" = 'ANY###FTP_JOB###EXT_RECEIVE_DISPATCH'),
        NULL,
        (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000),
        12, '30m')
ON CONFLICT ("communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef") DO NOTHING;

-- the account, the remote directory, the local target (relative to the transfer directory) and
-- the files to pull; attached to the partner by its key (it may have existed before)
INSERT INTO oms."ExecutionBeanValueDO" ("id", "executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef")
VALUES (nextval('"ExecutionBeanValueDO_id_seq"'),
        (SELECT "id" FROM oms."ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = 'pullFtpAccount'),
        'ftp://dispatch:secret@suppliers.example.com:21',
        (SELECT cp."id" FROM oms."CommunicationPartnerDO" cp JOIN oms."CommunicationDO" c ON c."id" = cp."communicationRef"
          WHERE c."key" = 'ANY###FTP_JOB###EXT_RECEIVE_DISPATCH' AND cp."receivingPartnerReferrerRef" IS NULL
            AND cp."sendingPartnerReferrerRef" = (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000))),
       (nextval('"ExecutionBeanValueDO_id_seq"'),
        (SELECT "id" FROM oms."ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = 'pullDirectory'),
        '/dispatches/out',
        (SELECT cp."id" FROM oms."CommunicationPartnerDO" cp JOIN oms."CommunicationDO" c ON c."id" = cp."communicationRef"
          WHERE c."key" = 'ANY###FTP_JOB###EXT_RECEIVE_DISPATCH' AND cp."receivingPartnerReferrerRef" IS NULL
            AND cp."sendingPartnerReferrerRef" = (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000))),
       (nextval('"ExecutionBeanValueDO_id_seq"'),
        (SELECT "id" FROM oms."ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = 'pushDirectory'),
        'dispatches/in/',
        (SELECT cp."id" FROM oms."CommunicationPartnerDO" cp JOIN oms."CommunicationDO" c ON c."id" = cp."communicationRef"
          WHERE c."key" = 'ANY###FTP_JOB###EXT_RECEIVE_DISPATCH' AND cp."receivingPartnerReferrerRef" IS NULL
            AND cp."sendingPartnerReferrerRef" = (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000))),
       (nextval('"ExecutionBeanValueDO_id_seq"'),
        (SELECT "id" FROM oms."ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = 'pullFilenameRegex'),
        'openTransDispatch.*\.xml',
        (SELECT cp."id" FROM oms."CommunicationPartnerDO" cp JOIN oms."CommunicationDO" c ON c."id" = cp."communicationRef"
          WHERE c."key" = 'ANY###FTP_JOB###EXT_RECEIVE_DISPATCH' AND cp."receivingPartnerReferrerRef" IS NULL
            AND cp."sendingPartnerReferrerRef" = (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000)));

-- impex: pin this configuration to that communication partner
UPDATE oms."FileTransferConfigurationDO" SET "communicationPartnerRef" =
       (SELECT cp."id" FROM oms."CommunicationPartnerDO" cp JOIN oms."CommunicationDO" c ON c."id" = cp."communicationRef"
         WHERE c."key" = 'ANY###FTP_JOB###EXT_RECEIVE_DISPATCH' AND cp."receivingPartnerReferrerRef" IS NULL
           AND cp."sendingPartnerReferrerRef" = (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000))
WHERE "id" = currval('"FileTransferConfigurationDO_id_seq"');
