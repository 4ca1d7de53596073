-- impex reference data: the *DefDO rows and CommunicationDO keys that configuration scripts
-- look up by id or key. Loaded by `impex init` (idempotent: INSERT OR IGNORE).
-- Ids are IOM's where IOM publishes them. Rows impex adds for itself have NEGATIVE ids: IOM core
-- and its projects only use positive ids (fixed ones, project ids from 10000, and sequences), so
-- no real configuration collides with them, and the sequences (max(id) + 1) are not moved.
-- impex's own rows (docs/configuration.md, "impex's own ids"):
--   DocumentFormatDefDO    -10 ANY
--   TransmissionTypeDefDO  -500 SEND_DEBITOR, -510 SEND_OPEN_AMOUNT,
--                          -520 SEND_PURCHASE_ORDER_DISPATCH, -530 SEND_PURCHASE_ORDER_RETURN
--   ExecutionBeanDefDO     -100 MESSAGE_FILE_SENDER_BEAN
--   ExecutionBeanKeyDefDO  -10001 ... -10014 (options of the FTP job 202)
--   JobDefDO               -10001 SEND_TRANSMISSIONS, -10002 CUSTOMER_EXPORT, -10003 CLEAN_SHARED_FS_JOB
--   ScheduleDO             -1 send_transmissions, -2 customer_export, -3 clean_shared_fs
--   TransformerBeanDefDO   -10000 ImportXmlStoreOrderBean, -10200 ImportXmlOpenTransDispatchBean
--   CommunicationDO        -100023, -100024 (second and third pull between the same partners)
--   TransformerProcessParameterKeyDefDO  -1 UNZIP_MAX_BYTES, -2 UNZIP_MAX_ENTRIES
--   RightDefDO             -1 ... -10 (ATP_READ ... HEALTH_READ; docs/api.md)
--   RoleDO                 -1 ShopServiceClient, -2 Operator
--   Role2RightDO           -101 ... -105 (ShopServiceClient), -201 ... -205 (Operator)
-- A database made before schema version 5 had them at the positive ids (the same digits);
-- `impex init` moves them and every reference to them.

INSERT OR IGNORE INTO "DocumentFormatDefDO" ("id", "name", "description") VALUES
  (1, 'PDF', 'PDF document'),
  (2, 'XML', 'XML document'),
  (-10, 'ANY', 'any format (impex): files moved as they are');

INSERT OR IGNORE INTO "DocumentTypeDefDO" ("id", "name", "description") VALUES
  (1,  'RETURN_LABEL', 'return label'),
  (6,  'DELIVERY_NOTE', 'delivery note'),
  (7,  'RETURN_SLIP', 'return slip'),
  (17, 'INVOICE_CREDIT_NOTE', 'invoice or credit note'),
  (18, 'INVOICE_NOTE', 'invoice'),
  (19, 'CREDIT_NOTE', 'credit note');

INSERT OR IGNORE INTO "TransmissionTypeDefDO" ("id", "name", "description") VALUES
  (10,   'SEND_ORDER', 'order to supplier (storeOrder)'),
  (40,   'SEND_RESPONSE', 'order response'),
  (60,   'SEND_RETURN', 'return'),
  (64,   'SEND_RETURN_ANNOUNCEMENT', 'return announcement (RMA)'),
  (80,   'SEND_DISPATCH', 'dispatch'),
  (-500, 'SEND_DEBITOR', 'debtor export (impex id)'),
  (-510, 'SEND_OPEN_AMOUNT', 'open amounts of invoices, SalesOrders (impex id)'),
  (-520, 'SEND_PURCHASE_ORDER_DISPATCH', 'open payments of dispatches, PurchaseOrders (impex id)'),
  (-530, 'SEND_PURCHASE_ORDER_RETURN', 'open payments of returns, PurchaseOrders (impex id)'),
  (1040, 'EXT_RECEIVE_ARTICLE', 'file transfer: articles'),
  (1080, 'EXT_RECEIVE_DISPATCH', 'file transfer: dispatches'),
  (1900, 'EXT_TRANSFER_FILE', 'file transfer: any file');

INSERT OR IGNORE INTO "ExecutionBeanDefDO" ("id", "name", "description") VALUES
  (-100, 'MESSAGE_FILE_SENDER_BEAN', 'writes a transmission as a file into <base>/communication/messages/out (impex id)'),
  (202, 'FTP_JOB', 'file transfer job: pull (and push) over FTP, FTPS, SFTP or a local directory');

INSERT OR IGNORE INTO "ExecutionBeanKeyDefDO" ("id", "executionBeanDefRef", "parameterKey", "description") VALUES
  (1330, 202, 'pullFtpAccount', 'user:pass@host[:port], ftp://, ftps:// or sftp://user[:pass]@host[:port]; empty = local directory'),
  (1331, 202, 'pullDirectory', 'remote directory to pull from (a local directory when there is no account)'),
  (1332, 202, 'pushDirectory', 'local target directory of pulled files, relative to the transfer base (default in)'),
  (1333, 202, 'pullFilenameRegex', 'only remote files whose names match are pulled'),
  (1338, 202, 'pullPrivateKeyFile', 'private key file for SFTP key login');

INSERT OR IGNORE INTO "DecisionBeanDefDO" ("id", "name", "description") VALUES
  (180, 'returnannouncementAccepted', 'export only accepted return announcements');

INSERT OR IGNORE INTO "MergeTypeDefDO" ("id", "name", "description") VALUES
  (10, 'MERGE_MASTER', 'only orders of merge type MERGE_MASTER'),
  (20, 'MERGE_CHILD', 'only orders of merge type MERGE_CHILD');

INSERT OR IGNORE INTO "JobDefDO" ("id", "name", "description") VALUES
  (3, 'FTP_JOB', 'file transfer: pull (and push), then run the transformer group'),
  (-10003, 'CLEAN_SHARED_FS_JOB', 'housekeeping: deletes old done/obsolete/sent/archive files and finished rows');

INSERT OR IGNORE INTO "ScheduleDO" ("id", "active", "configId", "cron", "expectedRuntime", "jobDefRef", "key", "maxNoOfRetries", "retryDelay") VALUES
  (-3, TRUE, NULL, '0 30 3 * * ?', 600000, -10003, 'clean_shared_fs', 3, '1h');

INSERT OR IGNORE INTO "TransformerBeanDefDO" ("id", "name", "description") VALUES
  (19, 'UnzipBean', 'unzips archives'),
  (22, 'ImportXmlOpenpositionsBean', 'imports OpenPositions files'),
  (23, 'ImportXmlPaymenthistoriesBean', 'imports PaymentHistories files'),
  (-10000, 'ImportXmlStoreOrderBean', 'imports storeOrder files (OrderService format) as orders (impex project bean)'),
  (-10200, 'ImportXmlOpenTransDispatchBean', 'imports openTRANS 2.1 DISPATCHNOTIFICATION files as dispatches (impex bean)'),
  (-10300, 'ImportCsvArticleBean', 'imports article (A) and availability (BCG) CSV files of suppliers (impex bean)');

-- file types of supplier CSV files ("ImportConfigurationDO"."importDatapackFileTypeDefRef")
INSERT OR IGNORE INTO "ImportDatapackFileTypeDefDO" ("id", "name", "description") VALUES
  (1,  'A', 'article basic data'),
  (6,  'ABC', 'article basic data, availability and prices in one file'),
  (13, 'BCG', 'availability and prices'),
  (39, 'SHOP_ARTICLE_NO', 'shop article numbers');

INSERT OR IGNORE INTO "TransformerProcessParameterKeyDefDO" ("id", "name", "description") VALUES
  (1, 'SHOP_ID', 'id of the ShopDO the imported data belongs to'),
  (4, 'SOURCE_FILENAME', 'regex of the file names the process handles'),
  -- impex's own keys are negative: IOM core and projects never use negative ids
  (-1, 'UNZIP_MAX_BYTES', 'UnzipBean (19): most bytes an archive may unpack to (default 4294967296 = 4 GiB)'),
  (-2, 'UNZIP_MAX_ENTRIES', 'UnzipBean (19): most entries an archive may have (default 100000)');

INSERT OR IGNORE INTO "PaymentDefDO" ("id", "name", "description") VALUES
  (1,   'NO_PAYMENT', 'no payment'),
  (2,   'CASH_IN_ADVANCE', 'cash in advance'),
  (3,   'CREDIT_CARD', 'credit card'),
  (4,   'CASH_ON_DELIVERY', 'cash on delivery'),
  (5,   'INVOICE', 'invoice'),
  (7,   'DIRECT_DEBIT', 'direct debit'),
  (9,   'PREPAYMENT', 'prepayment'),
  (10,  'PAYPAL', 'PayPal'),
  (21,  'GIROPAY', 'giropay'),
  (23,  'PAYMENT_23', 'used by the reference mapping (COP); IOM does not publish its name'),
  (24,  'FASTPAY', 'fastpay'),
  (40,  'REFUND', 'refund'),
  (100, 'TOTAL_ZERO', 'order total is zero');

INSERT OR IGNORE INTO "TaxTypeDefDO" ("id", "name", "description") VALUES
  (1, 'NoTax', 'no tax'),
  (3, 'ReducedTax', 'reduced tax'),
  (5, 'FullTax', 'full tax');

INSERT OR IGNORE INTO "DunningLevelDefDO" ("id", "name", "description") VALUES
  (1, 'NO_DUNNING', 'no dunning level'),
  (2, 'FIRST_REMINDER', 'first reminder (impex id)'),
  (3, 'SECOND_REMINDER', 'second reminder (impex id)'),
  (4, 'THIRD_REMINDER', 'third reminder (impex id)');

INSERT OR IGNORE INTO "CommunicationDO" ("id", "key", "documentFormatDefRef", "executionBeanDefRef", "transmissionTypeDefRef", "description") VALUES
  (2,      'XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR', 2, -100, -500, 'Debtors export'),
  (100005, 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_ORDER', 2, -100, 10, 'storeOrder export to the supplier'),
  (100010, 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_OPEN_AMOUNT', 2, -100, -510, 'SalesOrders export of open amounts'),
  (100011, 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_DISPATCH', 2, -100, -520, 'PurchaseOrders export for dispatches'),
  (100012, 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_RETURN', 2, -100, -530, 'PurchaseOrders export for returns'),
  (100013, 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_RETURN_ANNOUNCEMENT', 2, -100, 64, 'ReturnAnnouncement (RMA) export'),
  (100020, 'ANY###FTP_JOB###EXT_TRANSFER_FILE', -10, 202, 1900, 'file transfer of any file'),
  (100021, 'ANY###FTP_JOB###EXT_RECEIVE_ARTICLE', -10, 202, 1040, 'file transfer of article files'),
  (100022, 'ANY###FTP_JOB###EXT_RECEIVE_DISPATCH', -10, 202, 1080, 'file transfer of dispatch files'),
  (-100023, 'ANY###FTP_JOB###EXT_TRANSFER_FILE_2', -10, 202, 1900, 'file transfer of any file, a second pull between the same partners (impex)'),
  (-100024, 'ANY###FTP_JOB###EXT_TRANSFER_FILE_3', -10, 202, 1900, 'file transfer of any file, a third pull between the same partners (impex)');

-- == transfer ==
-- Options of the file transfer job (impex additions, ids -10001 ... -10014), set per CommunicationPartnerDO
-- like the IOM keys above. Described in README.md, "File transfer".
INSERT OR IGNORE INTO "ExecutionBeanKeyDefDO" ("id", "executionBeanDefRef", "parameterKey", "description") VALUES
  (-10001, 202, 'pushFtpAccount', 'account for delivering (see deliverRemoteDirectory); default: pullFtpAccount'),
  (-10002, 202, 'deliverDirectory', 'local directory whose files are delivered (default <base>/communication/messages/out)'),
  (-10003, 202, 'deliverRemoteDirectory', 'remote directory local files are delivered to; set = the job delivers (any typeDefRef)'),
  (-10004, 202, 'deliverFilenameRegex', 'only local files whose names match are delivered (default: all)'),
  (-10005, 202, 'remoteArchiveDirectory', 'pulled remote files are moved here instead of being deleted'),
  (-10006, 202, 'knownHostsFile', 'SFTP known_hosts file (default ~/.ssh/known_hosts)'),
  (-10007, 202, 'acceptNewHostKey', 'true: an unknown SFTP host key is accepted and appended to knownHostsFile'),
  (-10008, 202, 'connectTimeout', 'seconds to wait for a connection (default 15)'),
  (-10009, 202, 'ioTimeout', 'seconds to wait for data on an open connection (default 60)'),
  (-10010, 202, 'minFileAge', 'seconds a remote file must be unchanged before it is pulled (default 10)'),
  (-10011, 202, 'pullPrivateKeyPassphrase', 'passphrase of pullPrivateKeyFile'),
  (-10012, 202, 'ftpsCaFile', 'PEM file of CA certificates trusted for FTPS, in addition to the system roots'),
  (-10013, 202, 'deliverSentDirectory', 'where delivered local files are moved (default <deliverDirectory>/sent)'),
  (-10014, 202, 'sftpConnections', 'SFTP connections a pull of a file of 64 MiB or more may use: 2 (default) or 1');
-- == end transfer ==

-- == export (owned by src/send) ==
INSERT OR IGNORE INTO "JobDefDO" ("id", "name", "description") VALUES
  (-10001, 'SEND_TRANSMISSIONS', 'file senders: writes due transmissions into <base>/communication/messages/out (impex)'),
  (-10002, 'CUSTOMER_EXPORT', 'customer export v1.1 per "CustomerExportConfigDO" into <base>/importarticle/export (impex)');
INSERT OR IGNORE INTO "ScheduleDO" ("id", "active", "cron", "jobDefRef", "key") VALUES
  (-1, TRUE, '0/10 * * * * ?', -10001, 'send_transmissions'),
  (-2, TRUE, '0 * * * * ?', -10002, 'customer_export');
-- == end export ==

-- == returns (IOM's ids and codes) ==
INSERT OR IGNORE INTO "ReturnTypeDefDO" ("id", "name", "description") VALUES
  (1, 'CAN', 'cancellation'),
  (2, 'RCL', 'recall'),
  (3, 'INV', 'inversion'),
  (4, 'RET', 'return'),
  (5, 'DEF', 'defect');
INSERT OR IGNORE INTO "ReturnReasonDefDO" ("id", "name", "returnTypeDefRef", "description") VALUES
  (1,   'CAN010', 1, 'cancellation'),
  (2,   'CAN020', 1, 'cancellation'),
  (12,  'CAN990', 1, 'cancellation, other reason'),
  (100, 'RCL010', 2, 'recall'),
  (101, 'RCL015', 2, 'recall'),
  (102, 'RCL020', 2, 'recall'),
  (109, 'RCL990', 2, 'recall, other reason'),
  (204, 'INV990', 3, 'inversion, other reason'),
  (301, 'RET020', 4, 'return'),
  (304, 'RET050', 4, 'return'),
  (305, 'RET060', 4, 'return'),
  (308, 'RET090', 4, 'return'),
  (312, 'RET990', 4, 'return, other reason'),
  (313, 'RET045', 4, 'return'),
  (323, 'RET190', 4, 'return');
-- == end returns ==

-- The rights of the REST API, one per group of operations (docs/api.md, "Users, roles and
-- rights"; src/auth/right.rs lists the same), and the roles that hold them.
INSERT OR IGNORE INTO "RightDefDO" ("id", "name", "description") VALUES
  (-1,  'ATP_READ', 'read availability (ATP) of articles'),
  (-2,  'RESERVATION_WRITE', 'create, change and delete reservations'),
  (-3,  'SCHEDULES_READ', 'read schedules and job runs'),
  (-4,  'SCHEDULES_WRITE', 'trigger, stop and change schedules'),
  (-5,  'TRANSMISSIONS_READ', 'read transmissions'),
  (-6,  'TRANSMISSIONS_WRITE', 'resend and cancel transmissions'),
  (-7,  'ORDERS_WRITE', 'create orders and read them'),
  (-8,  'ORDER_STATES_READ', 'read order states'),
  (-9,  'RMA_WRITE', 'create return requests (RMA) and read them'),
  (-10, 'HEALTH_READ', 'read health and metrics');

INSERT OR IGNORE INTO "RoleDO" ("id", "name", "description") VALUES
  (-1, 'ShopServiceClient', 'the technical user of a web shop (IOM connector documentation)'),
  (-2, 'Operator', 'operates impex: schedules, transmissions, health (impex role)');

INSERT OR IGNORE INTO "Role2RightDO" ("id", "roleRef", "rightDefRef") VALUES
  (-101, -1, -1),
  (-102, -1, -2),
  (-103, -1, -7),
  (-104, -1, -8),
  (-105, -1, -9),
  (-201, -2, -3),
  (-202, -2, -4),
  (-203, -2, -5),
  (-204, -2, -6),
  (-205, -2, -10);
