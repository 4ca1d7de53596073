-- Copied verbatim from IOM "Reference - IOM ImpEx Interfaces" (KB 2805L1).
INSERT INTO "CommunicationPartnerDO"("id", "decisionBeanDefRef", "splitTransmission", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay", "mergeTypeDefRef") values
    (
        nextval('"CommunicationPartnerDO_id_seq"'),
        null,
        FALSE,
        (select id from "CommunicationDO" where "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_OPEN_AMOUNT'),
        (select id from "PartnerReferrerDO" where "shopRef" = 100), -- enter the required shop ID (e.g. 10000) here
        (select id from "PartnerReferrerDO" where "financeControllerRef" = (SELECT "id" FROM "FinanceControllerDO" WHERE "name" = 'Name of FinanceController')),
        5,
        '10m',
        null
    );

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
