-- General configuration of a finance controller (external accounting system).
-- Run before any accounting interface script (02-07). On a demo database the finance controller
-- 'inSPIRED Accounting' (id 1) and its partner referrer exist already; for a new one, first:
--   INSERT INTO oms."FinanceControllerDO" ("id", "name") VALUES (nextval('"FinanceControllerDO_id_seq"'), 'My Accounting');
-- and use its name below.

-- the finance controller is a communication partner (no-op when it is one already)
INSERT INTO oms."PartnerReferrerDO" ("id", "financeControllerRef")
VALUES (nextval('"PartnerReferrerDO_id_seq"'), (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting'))
ON CONFLICT DO NOTHING;

-- shop 10000 (inTRONICS) is known to the accounting system as 'XYZ' (the MerchantId of its files)
INSERT INTO oms."Shop2FinanceControllerDO" ("id", "financeControllerRef", "shopRef", "financeControllerShopName", "description")
VALUES (nextval('"Shop2FinanceControllerDO_id_seq"'),
        (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting'),
        10000,
        'XYZ',
        'debtor management of inTRONICS by inSPIRED Accounting');

-- payment methods: export name / import name at the accounting system -> PaymentDefDO
INSERT INTO oms."FinanceController2PaymentDefDO" ("id", "financeControllerRef", "financeControllerPaymentExportName", "financeControllerPaymentImportName", "paymentDefRef")
SELECT nextval('"FinanceController2PaymentDefDO_id_seq"'), fc."id", m.export_name, m.import_name, m.payment
FROM oms."FinanceControllerDO" fc,
     (SELECT 'RG' AS export_name, '00' AS import_name, 5 AS payment
      UNION ALL SELECT 'CC', '55', 3
      UNION ALL SELECT 'GP', '51', 21
      UNION ALL SELECT 'PP', '60', 10
      UNION ALL SELECT 'COD', '80', 4
      UNION ALL SELECT 'EDD', '65', 7
      UNION ALL SELECT 'SO', '50', 9
      UNION ALL SELECT 'ISH', '01', 24
      UNION ALL SELECT 'COP', '02', 23
      UNION ALL SELECT 'PRE', '03', 2) m
WHERE fc."name" = 'inSPIRED Accounting';

-- tax types: export name / import name -> TaxTypeDefDO (1 NoTax, 3 ReducedTax, 5 FullTax)
INSERT INTO oms."FinanceController2TaxTypeDefDO" ("id", "financeControllerRef", "financeControllerTaxTypeExportName", "financeControllerTaxTypeImportName", "taxTypeDefRef")
VALUES (nextval('"FinanceController2TaxTypeDefDO_id_seq"'), (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting'), '101', '001', 5),
       (nextval('"FinanceController2TaxTypeDefDO_id_seq"'), (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting'), '002', '002', 3),
       (nextval('"FinanceController2TaxTypeDefDO_id_seq"'), (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting'), '000', '000', 1);

-- dunning levels of the accounting system -> DunningLevelDefDO (optional; strings in single quotes,
-- unlike the reference's example)
INSERT INTO oms."Shop2DunningLevelDO" ("id", "description", "dunningLevelDefRef", "financeControllerDunningLevel", "financeControllerRef", "shopRef")
VALUES (nextval('"Shop2DunningLevelDO_id_seq"'), 'No dunning level', 1, 'INITIAL', (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting'), 10000),
       (nextval('"Shop2DunningLevelDO_id_seq"'), 'First reminder', 2, 'M1', (SELECT "id" FROM oms."FinanceControllerDO" WHERE "name" = 'inSPIRED Accounting'), 10000);
