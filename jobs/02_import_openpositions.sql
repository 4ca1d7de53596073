-- Debtor management: import of OpenPositions files from the accounting system.
-- Pulls OpenPositionsImport_<n>.xml every 10 minutes and imports them with
-- ImportXmlOpenpositionsBean (22) for shop 10000. Needs 01_finance_controller.sql.
-- Without a pullFtpAccount row, pullDirectory is a local directory (the embedded default); add
-- an account for FTP/FTPS/SFTP (see the commented block).

INSERT INTO oms."TransformerProcessGroupDO" ("id", "name")
VALUES (nextval('"TransformerProcessGroupDO_id_seq"'), 'import_openpositions');

INSERT INTO oms."TransformerProcessDO" ("id", index, "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex", "moveObsoleteFiles")
VALUES (nextval('"TransformerProcessDO_id_seq"'), 2,
        (SELECT "id" FROM oms."TransformerBeanDefDO" WHERE "name" = 'ImportXmlOpenpositionsBean'),
        currval('"TransformerProcessGroupDO_id_seq"'), 'OpenPositionsImport_[0-9]*\.xml', TRUE);

-- parameter 1 SHOP_ID, parameter 4 SOURCE_FILENAME (attached to the process just created, not to
-- a hard-coded id as in the reference)
INSERT INTO oms."TransformerProcessParameterDO" ("id", "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef")
VALUES (nextval('"TransformerProcessParameterDO_id_seq"'), 10000, 1, currval('"TransformerProcessDO_id_seq"')),
       (nextval('"TransformerProcessParameterDO_id_seq"'), 'OpenPositionsImport_[0-9]*\.xml', 4, currval('"TransformerProcessDO_id_seq"'));

-- where and how files are fetched: type 10 = pull; basePath NULL = <base>/share/import_openpositions
INSERT INTO oms."FileTransferConfigurationDO" ("id", "basePath", "transmissionTypeDefRef", "typeDefRef", "creationDate", "modificationDate", "partnerReferrerRef", "description", "transformerProcessGroupRef")
VALUES (nextval('"FileTransferConfigurationDO_id_seq"'), NULL, 1900, 10, current_timestamp, current_timestamp,
        (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "financeControllerRef" = (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting')),
        'import_op', currval('"TransformerProcessGroupDO_id_seq"'));

-- every 10 minutes (Quartz cron); FTP job = JobDefDO 3
INSERT INTO oms."ScheduleDO" ("id", "creationDate", "modificationDate", "active", "configId", "cron", "expectedRuntime", "jobDefRef", "lastRun", "lockedSince", "key", "maxNoOfRetries", "retryDelay", "countRetry")
VALUES (nextval('"ScheduleDO_id_seq"'), current_timestamp, current_timestamp, TRUE, currval('"FileTransferConfigurationDO_id_seq"'),
        '0 0/10 * 1/1 * ? *', 60000, 3, NULL, NULL, 'import_openpositions', 10, '5m', 0);

-- the connection between accounting (sender of the files) and the shop
INSERT INTO oms."CommunicationPartnerDO" ("id", "splitTransmission", "communicationRef", "receivingPartnerReferrerRef", "sendingPartnerReferrerRef", "maxNoOfRetries", "retryDelay")
VALUES (nextval('"CommunicationPartnerDO_id_seq"'), FALSE,
        (SELECT "id" FROM oms."CommunicationDO" WHERE "key" = 'ANY###FTP_JOB###EXT_TRANSFER_FILE'),
        (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000),
        (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "financeControllerRef" = (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting')),
        12, '30m');

-- FTP/FTPS/SFTP account (optional; without it pullDirectory is a local directory):
/*
INSERT INTO oms."ExecutionBeanValueDO" ("id", "executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef")
VALUES (nextval('"ExecutionBeanValueDO_id_seq"'),
        (SELECT "id" FROM oms."ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = 'pullFtpAccount'),
        'sftp://omtdata:secret@accounting.example.com:22', currval('"CommunicationPartnerDO_id_seq"'));
*/

INSERT INTO oms."ExecutionBeanValueDO" ("id", "executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef")
VALUES (nextval('"ExecutionBeanValueDO_id_seq"'),
        (SELECT "id" FROM oms."ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = 'pullDirectory'),
        '/accounting/customerxy/import_openpositions', currval('"CommunicationPartnerDO_id_seq"')),
       (nextval('"ExecutionBeanValueDO_id_seq"'),
        (SELECT "id" FROM oms."ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = 'pullFilenameRegex'),
        'OpenPositionsImport_[0-9]*\.xml', currval('"CommunicationPartnerDO_id_seq"'));

-- impex: pin this configuration to the communication partner just created (needed when several
-- pulls run between the same two partners)
UPDATE oms."FileTransferConfigurationDO" SET "communicationPartnerRef" = currval('"CommunicationPartnerDO_id_seq"')
WHERE "id" = currval('"FileTransferConfigurationDO_id_seq"');
