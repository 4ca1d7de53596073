-- Copied from IOM "Guide - Generic Interfaces for External Accounting Systems" (KB F27737);
-- the page flattens each statement onto one line, which turns everything after its first `--`
-- comment into a comment: the line breaks after the comments are restored here.
INSERT INTO oms."FinanceControllerDO"("id", "name") values (nextval('"FinanceControllerDO_id_seq"') , 'Name of FinanceController')
;
INSERT INTO "PartnerReferrerDO" ("id", "financeControllerRef") values (nextval('"PartnerReferrerDO_id_seq"') , (SELECT "id" FROM "FinanceControllerDO" WHERE "name" = 'Name of FinanceController'));

INSERT INTO "Shop2FinanceControllerDO"("id", "financeControllerRef", "shopRef", "financeControllerShopName", "description") values (nextval('"Shop2FinanceControllerDO_id_seq"') , --id
(SELECT "id" FROM "FinanceControllerDO" WHERE "name" = 'Name of FinanceController'), --financeControllerRef
10000, --shopRef
'XYZ', --financeControllerShopName
'Debtormanagement der XYZ for Shop ABC.'); --description and end of insertion query
