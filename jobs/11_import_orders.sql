-- Order intake: the web shop (IOM Connector side) delivers its orders as storeOrder files
-- (OrderService format); they are pulled every minute and imported as orders of shop 10000 by
-- the impex project bean ImportXmlStoreOrderBean (TransformerBeanDefDO -10000, looked up by name). A second file with
-- the same shop order number is rejected as a duplicate.

INSERT INTO oms."TransformerProcessGroupDO" ("id", "name")
VALUES (nextval('"TransformerProcessGroupDO_id_seq"'), 'import_orders');

INSERT INTO oms."TransformerProcessDO" ("id", index, "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex", "moveObsoleteFiles")
VALUES (nextval('"TransformerProcessDO_id_seq"'), 1,
        (SELECT "id" FROM oms."TransformerBeanDefDO" WHERE "name" = 'ImportXmlStoreOrderBean'),
        currval('"TransformerProcessGroupDO_id_seq"'), 'storeOrder_.*\.xml', TRUE);

INSERT INTO oms."TransformerProcessParameterDO" ("id", "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef")
VALUES (nextval('"TransformerProcessParameterDO_id_seq"'), 10000, 1, currval('"TransformerProcessDO_id_seq"')),
       (nextval('"TransformerProcessParameterDO_id_seq"'), 'storeOrder_.*\.xml', 4, currval('"TransformerProcessDO_id_seq"'));

-- the shop's own partner referrer is the sender of the files
INSERT INTO oms."FileTransferConfigurationDO" ("id", "basePath", "transmissionTypeDefRef", "typeDefRef", "creationDate", "modificationDate", "partnerReferrerRef", "description", "transformerProcessGroupRef")
VALUES (nextval('"FileTransferConfigurationDO_id_seq"'), NULL, 1900, 10, current_timestamp, current_timestamp,
        (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000), 'import_orders', currval('"TransformerProcessGroupDO_id_seq"'));

INSERT INTO oms."ScheduleDO" ("id", "creationDate", "modificationDate", "active", "configId", "cron", "expectedRuntime", "jobDefRef", "lastRun", "lockedSince", "key", "maxNoOfRetries", "retryDelay", "countRetry")
VALUES (nextval('"ScheduleDO_id_seq"'), current_timestamp, current_timestamp, TRUE, currval('"FileTransferConfigurationDO_id_seq"'),
        '0 * * * * ?', 60000, 3, NULL, NULL, 'import_orders', 10, '1m', 0);

-- receiver NULL: the files are for impex itself
INSERT INTO oms."CommunicationPartnerDO" ("id", "splitTransmission", "communicationRef", "receivingPartnerReferrerRef", "sendingPartnerReferrerRef", "maxNoOfRetries", "retryDelay")
VALUES (nextval('"CommunicationPartnerDO_id_seq"'), FALSE,
        (SELECT "id" FROM oms."CommunicationDO" WHERE "key" = 'ANY###FTP_JOB###EXT_TRANSFER_FILE'),
        NULL,
        (SELECT "id" FROM oms."PartnerReferrerDO" WHERE "shopRef" = 10000),
        12, '30m');

INSERT INTO oms."ExecutionBeanValueDO" ("id", "executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef")
VALUES (nextval('"ExecutionBeanValueDO_id_seq"'),
        (SELECT "id" FROM oms."ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = 'pullDirectory'),
        '/webshop/orders/import_orders', currval('"CommunicationPartnerDO_id_seq"')),
       (nextval('"ExecutionBeanValueDO_id_seq"'),
        (SELECT "id" FROM oms."ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = 'pullFilenameRegex'),
        'storeOrder_.*\.xml', currval('"CommunicationPartnerDO_id_seq"'));

-- impex: pin this configuration to the communication partner just created
UPDATE oms."FileTransferConfigurationDO" SET "communicationPartnerRef" = currval('"CommunicationPartnerDO_id_seq"')
WHERE "id" = currval('"FileTransferConfigurationDO_id_seq"');
