-- Article import: supplier 5000 delivers its article (A) and availability (BCG) CSV files
-- <shopId>_<supplierId>_<yyyyMMddHHmmss>_<A|BCG>.csv, as they are or in zip archives; they are
-- pulled every 15 minutes into importarticle/in/ of the work directory, archives are unpacked
-- there by the UnzipBean (19) and the CSV files imported by ImportCsvArticleBean
-- (TransformerBeanDefDO -10300, an impex bean) for shop 10000. The files' headers are configured
-- per supplier in "ImportConfigurationDO" (the demo data has the standard A and BCG headers of
-- supplier 5000).

-- the supplier is a communication partner (one row per partner)
INSERT INTO oms."PartnerReferrerDO" ("id", "version", "shopRef", "supplierRef", "paymentProviderRef", "financeControllerRef", "carrierRef", "bonusPartnerRef")
VALUES (5000, 1, NULL, 5000, NULL, NULL, NULL, NULL)
ON CONFLICT DO NOTHING;

INSERT INTO oms."TransformerProcessGroupDO" ("id", "name")
VALUES (nextval('"TransformerProcessGroupDO_id_seq"'), 'import_articles');

-- stage 1: zip archives are unpacked into importarticle/in/ ("filenameRegex" NULL: parameter 4
-- alone names the files, as IOM's project scripts write it)
INSERT INTO oms."TransformerProcessDO" ("id", index, "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex", "moveObsoleteFiles")
VALUES (nextval('"TransformerProcessDO_id_seq"'), 1, 19, currval('"TransformerProcessGroupDO_id_seq"'), NULL, TRUE);
INSERT INTO oms."TransformerProcessParameterDO" ("id", "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef")
VALUES (nextval('"TransformerProcessParameterDO_id_seq"'), '[0-9]+_[0-9]+_.*\.zip', 4, currval('"TransformerProcessDO_id_seq"'));

-- stage 2: the CSV files (those that came as they are, and those the archives held)
INSERT INTO oms."TransformerProcessDO" ("id", index, "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex", "moveObsoleteFiles")
VALUES (nextval('"TransformerProcessDO_id_seq"'), 2,
        (SELECT "id" FROM oms."TransformerBeanDefDO" WHERE "name" = 'ImportCsvArticleBean'),
        currval('"TransformerProcessGroupDO_id_seq"'), NULL, TRUE);

-- parameter 1 SHOP_ID (a file's shop must be this shop or one of its shops), parameter 4 SOURCE_FILENAME
INSERT INTO oms."TransformerProcessParameterDO" ("id", "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef")
VALUES (nextval('"TransformerProcessParameterDO_id_seq"'), 10000, 1, currval('"TransformerProcessDO_id_seq"')),
       (nextval('"TransformerProcessParameterDO_id_seq"'), '[0-9]+_[0-9]+_[0-9]{14}_(A|BCG)\.csv', 4, currval('"TransformerProcessDO_id_seq"'));

-- type 30 = pull and push: pull into the local pushDirectory importarticle/in/, then run the group
INSERT INTO oms."FileTransferConfigurationDO" ("id", "basePath", "transmissionTypeDefRef", "typeDefRef", "creationDate", "modificationDate", "partnerReferrerRef", "description", "transformerProcessGroupRef")
VALUES (nextval('"FileTransferConfigurationDO_id_seq"'), NULL,
        (SELECT "id" FROM oms."TransmissionTypeDefDO" WHERE "name" = 'EXT_RECEIVE_ARTICLE'), 30, current_timestamp, current_timestamp,
        (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "supplierRef" = 5000), 'import_articles', currval('"TransformerProcessGroupDO_id_seq"'));

-- every 15 minutes (Quartz cron); FTP job = JobDefDO 3
INSERT INTO oms."ScheduleDO" ("id", "creationDate", "modificationDate", "active", "configId", "cron", "expectedRuntime", "jobDefRef", "lastRun", "lockedSince", "key", "maxNoOfRetries", "retryDelay", "countRetry")
VALUES (nextval('"ScheduleDO_id_seq"'), current_timestamp, current_timestamp, TRUE, currval('"FileTransferConfigurationDO_id_seq"'),
        '0 0/15 * * * ?', 600000, 3, NULL, NULL, 'import_articles', 10, '5m', 0);

-- the supplier (sender of the files) and the shop
INSERT INTO oms."CommunicationPartnerDO" ("id", "splitTransmission", "communicationRef", "receivingPartnerReferrerRef", "sendingPartnerReferrerRef", "maxNoOfRetries", "retryDelay")
VALUES (nextval('"CommunicationPartnerDO_id_seq"'), FALSE,
        (SELECT "id" FROM oms."CommunicationDO" WHERE "key" = 'ANY###FTP_JOB###EXT_RECEIVE_ARTICLE'),
        (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000),
        (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "supplierRef" = 5000),
        12, '30m')
ON CONFLICT ("communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef") DO NOTHING;

-- FTP/FTPS/SFTP account (optional; without it pullDirectory is a local directory):
/*
INSERT INTO oms."ExecutionBeanValueDO" ("id", "executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef")
VALUES (nextval('"ExecutionBeanValueDO_id_seq"'),
        (SELECT "id" FROM oms."ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = 'pullFtpAccount'),
        'sftp://articles:secret@supplier.example.com:22',
        (SELECT "id" FROM oms."CommunicationPartnerDO" WHERE "communicationRef" = (SELECT "id" FROM oms."CommunicationDO" WHERE "key" = 'ANY###FTP_JOB###EXT_RECEIVE_ARTICLE')
            AND "sendingPartnerReferrerRef" = (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "supplierRef" = 5000)
            AND "receivingPartnerReferrerRef" = (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000)));
*/

-- pullDirectory (1331), pushDirectory (1332), pullFilenameRegex (1333) of that partner
INSERT INTO oms."ExecutionBeanValueDO" ("id", "executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef")
SELECT nextval('"ExecutionBeanValueDO_id_seq"'), k."id", v."value", cp."id"
FROM (SELECT 'pullDirectory' AS "key", '/supplier/5000/articles' AS "value"
      UNION ALL SELECT 'pushDirectory', 'importarticle/in/'
      UNION ALL SELECT 'pullFilenameRegex', '[0-9]+_[0-9]+_.*\.(csv|zip)') v
JOIN oms."ExecutionBeanKeyDefDO" k ON k."executionBeanDefRef" = 202 AND k."parameterKey" = v."key"
JOIN oms."CommunicationPartnerDO" cp
  ON cp."communicationRef" = (SELECT "id" FROM oms."CommunicationDO" WHERE "key" = 'ANY###FTP_JOB###EXT_RECEIVE_ARTICLE')
 AND cp."sendingPartnerReferrerRef" = (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "supplierRef" = 5000)
 AND cp."receivingPartnerReferrerRef" = (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000)
ON CONFLICT DO NOTHING;

-- impex: pin this configuration to its communication partner
UPDATE oms."FileTransferConfigurationDO" SET "communicationPartnerRef" = (
    SELECT cp."id" FROM oms."CommunicationPartnerDO" cp
    WHERE cp."communicationRef" = (SELECT "id" FROM oms."CommunicationDO" WHERE "key" = 'ANY###FTP_JOB###EXT_RECEIVE_ARTICLE')
      AND cp."sendingPartnerReferrerRef" = (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "supplierRef" = 5000)
      AND cp."receivingPartnerReferrerRef" = (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000))
WHERE "id" = currval('"FileTransferConfigurationDO_id_seq"');
