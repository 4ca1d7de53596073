-- Export configuration for the tests, written as the reference writes it (PostgreSQL dialect,
-- run with `impex sql` on an `impex init --demo` database).

-- partner referrers: supplier 5000 (as in the reference), a second supplier, finance controller 1
INSERT INTO oms."SupplierDO" ("id", "name") VALUES (5001, 'Second Supplier');
INSERT INTO oms."PartnerReferrerDO"("id", "version", "shopRef", "supplierRef", "paymentProviderRef",
            "financeControllerRef", "carrierRef", "bonusPartnerRef")
    VALUES (5000, 1, null, 5000, null, null, null, null);
INSERT INTO oms."PartnerReferrerDO"("id", "supplierRef") VALUES (5001, 5001);
INSERT INTO "PartnerReferrerDO" ("id", "financeControllerRef")
    SELECT nextval('"PartnerReferrerDO_id_seq"'), 1
    WHERE NOT EXISTS (SELECT 1 FROM "PartnerReferrerDO" WHERE "financeControllerRef" = 1);

INSERT INTO "Shop2FinanceControllerDO"("id", "financeControllerRef", "shopRef", "financeControllerShopName", "description")
    values (nextval('"Shop2FinanceControllerDO_id_seq"'), (SELECT "id" FROM "FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting'),
            10000, 'MerchantId', 'Debtormanagement of inSPIRED for shop inTRONICS');

INSERT INTO "FinanceController2PaymentDefDO" (id, "financeControllerRef", "financeControllerPaymentExportName", "financeControllerPaymentImportName", "paymentDefRef")
VALUES(8, 1, 'RG', '00', 5),
	(1, 1, 'CC', '55', 3),
	(5, 1, 'GP', '51', 21),
	(4, 1, 'PP', '60', 10),
	(7, 1, 'COD', '80', 4),
	(2, 1, 'EDD', '65', 7),
	(3, 1, 'SO', '50', 9),
	(9, 1, 'ISH', '01', 24),
	(10, 1, 'COP', '02', 23),
	(11, 1, 'PRE', '03', 2);

INSERT INTO "FinanceController2TaxTypeDefDO" (id, "financeControllerRef", "financeControllerTaxTypeExportName", "financeControllerTaxTypeImportName", "taxTypeDefRef")
VALUES(1, 1, '101', '001', 5),
 	(2, 1, '002', '002', 3),
 	(3, 1, '000', '000', 1);

-- dispatches and returns: to the finance controller, as in the reference
INSERT INTO "CommunicationPartnerDO"
("id", "decisionBeanDefRef", "splitTransmission", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "mergeTypeDefRef")
values(
        nextval('"CommunicationPartnerDO_id_seq"'), null, FALSE,
        (select id from "CommunicationDO" where "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_DISPATCH'),
        (select id from "PartnerReferrerDO" where "shopRef" = 10000),
        (select id from "PartnerReferrerDO" where "financeControllerRef" = (SELECT "id" FROM "FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting')),
        5, '1m', null
    );
INSERT INTO "CommunicationPartnerDO"
("id", "decisionBeanDefRef", "splitTransmission", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "mergeTypeDefRef")
values(
        nextval('"CommunicationPartnerDO_id_seq"'), null, FALSE,
        (select id from "CommunicationDO" where "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_RETURN'),
        (select id from "PartnerReferrerDO" where "shopRef" = 10000),
        (select id from "PartnerReferrerDO" where "financeControllerRef" = (SELECT "id" FROM "FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting')),
        5, '1m', null
    );

-- debtors
INSERT INTO oms."CommunicationPartnerDO"("id", "decisionBeanDefRef", "splitTransmission", "communicationRef",
            "receivingPartnerReferrerRef", "sendingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "mergeTypeDefRef")
    VALUES (nextval('oms."CommunicationPartnerDO_id_seq"'), null, FALSE,
        (select "id" from oms."CommunicationDO" where "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR'),
        (select "id" from oms."PartnerReferrerDO" where "financeControllerRef" = (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting')),
        (select "id" from oms."PartnerReferrerDO" where "shopRef" = 10000),
        5, '10m', null);

-- open amounts of invoices: receiver NULL = the shop's finance controller(s)
INSERT INTO "CommunicationPartnerDO"("id", "decisionBeanDefRef", "splitTransmission", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "mergeTypeDefRef") values
    (nextval('"CommunicationPartnerDO_id_seq"'), null, FALSE,
        (select id from "CommunicationDO" where "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_OPEN_AMOUNT'),
        (select id from "PartnerReferrerDO" where "shopRef" = 10000),
        null, 5, '10m', null);

-- orders: receiver NULL = every supplier of the order
INSERT INTO "CommunicationPartnerDO"("id", "decisionBeanDefRef", "splitTransmission", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "mergeTypeDefRef") values
    (1010, null, false, (select id from oms."CommunicationDO" where "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_ORDER'),
     (select id from "PartnerReferrerDO" where "shopRef" = 10000), null, 10, '5m', null);

-- return announcements: to supplier 5000
INSERT INTO "CommunicationPartnerDO"("id", "decisionBeanDefRef", "splitTransmission", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "mergeTypeDefRef") values
    (nextval('"CommunicationPartnerDO_id_seq"'), null, false,
     (SELECT id FROM "CommunicationDO" WHERE "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_RETURN_ANNOUNCEMENT'),
     (SELECT "id" FROM "PartnerReferrerDO" WHERE "shopRef" = 10000),
     (SELECT "id" FROM "PartnerReferrerDO" WHERE "supplierRef" = 5000), 12, '30m', null);
